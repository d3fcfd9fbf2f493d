"""Running manage.py and small scripts in other processes against the test database."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from tests.conftest import TEST_ORIGIN, TEST_SIGNER

ROOT = Path(__file__).resolve().parents[3]


def child_env() -> dict[str, str]:
    """Environment for a child process to use this test's database and log key."""
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    env = os.environ.copy()
    env.update(
        DATABASE_URL=url,
        IPCHAIN_LOG_ORIGIN=TEST_ORIGIN,
        IPCHAIN_LOG_KEY=TEST_SIGNER.skey,
        # Not the embedded mode: appends only wait (their nudges go to an in-memory broker).
        CELERY_TASK_ALWAYS_EAGER="0",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_BROKER_URL", None)
    return env


def run_python(code: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    prelude = "import django; django.setup()\n"
    return subprocess.Popen([sys.executable, "-c", prelude + code], cwd=ROOT, env=env, **kwargs)


def manage(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, **kwargs)
