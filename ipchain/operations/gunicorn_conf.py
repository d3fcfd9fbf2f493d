"""Gunicorn hooks for /metrics in multiprocess mode (docs/deploy.md).

Use with `gunicorn -c python:ipchain.operations.gunicorn_conf config.wsgi`; workers, timeouts
and the bind address are given on the command line or in GUNICORN_CMD_ARGS as usual.
"""

import os
import shutil
from pathlib import Path

# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), so a
# second node's gunicorn on the same host would take over the first one's. The node needs no
# control socket; GUNICORN_CONTROL_SOCKET names one for whoever wants it, one per gunicorn.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


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
