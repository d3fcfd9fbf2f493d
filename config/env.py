"""Reading the environment for config/settings.py: plain values only, no app code."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import dotenv_values


def load_env_file(path: str) -> None:
    """Set from the file at `path` (KEY=value lines, the format of systemd's EnvironmentFile)
    every variable the environment does not already set: the environment wins."""
    if not path:
        return
    file = Path(path)
    if not file.is_file():
        raise ImproperlyConfigured(f"IPCHAIN_ENV_FILE={path}: no such file")
    for name, value in dotenv_values(file, interpolate=False).items():
        if value is not None:
            os.environ.setdefault(name, value)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))
