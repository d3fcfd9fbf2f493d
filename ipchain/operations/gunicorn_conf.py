"""Gunicorn hooks for /metrics in multiprocess mode (docs/deploy.md).

Use with `gunicorn -c python:ipchain.operations.gunicorn_conf config.wsgi`; workers, timeouts
and the bind address are given on the command line or in GUNICORN_CMD_ARGS as usual.
"""

import shutil
from pathlib import Path


def _multiprocess_dir() -> str:
    from ipchain.operations.metrics import multiprocess_dir

    return multiprocess_dir()


def on_starting(server) -> None:
    """Counters of a previous run must not be summed into this one: start from an empty dir."""
    path = _multiprocess_dir()
    if not path:
        return
    directory = Path(path)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)


def child_exit(server, worker) -> None:
    """A dead worker's live gauges leave the sums (its counters stay, as Prometheus expects)."""
    if _multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
