"""Production settings: `check --deploy` finds nothing, logs are JSON, probes come first."""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("check", deploy=True, tags=["security"], fail_level="WARNING")
print(json.dumps({
    "formatter": settings.LOGGING["handlers"]["console"]["formatter"],
    "middleware": settings.MIDDLEWARE,
    "beat": sorted(settings.CELERY_BEAT_SCHEDULE),
}))
"""


def production_env(tmp_path, **more) -> dict:
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("IPCHAIN_", "LOG_FORMAT", "DEBUG", "DATABASE_URL", "SECRET_KEY"))
        },
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "IPCHAIN_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "IPCHAIN_KEY_ENCRYPTION_KEYS": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "ipo.example",
        "IPCHAIN_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/given.sqlite3",
        **more,
    }


def run(script: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_checks(tmp_path):
    done = run(SCRIPT, production_env(tmp_path))
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["formatter"] == "json"
    assert facts["middleware"][0] == "ipchain.operations.middleware.HealthProbeMiddleware"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in facts["middleware"]
    assert {"operations-publish-checkpoint", "operations-case-reminders", "ledger-audit"} <= set(
        facts["beat"]
    )


SHOW = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"db": str(settings.DATABASES["default"]["NAME"]), "hosts": settings.ALLOWED_HOSTS}))
"""


def test_production_never_falls_back_to_the_embedded_sqlite(tmp_path):
    env = production_env(tmp_path)
    del env["DATABASE_URL"]
    done = run(SHOW, env)
    assert done.returncode != 0
    assert "DATABASE_URL must be set" in done.stderr
    assert not list(tmp_path.glob("*.sqlite3"))  # no empty database left behind


def test_the_environment_file_gives_every_setting_the_environment_does_not(tmp_path):
    env_file = tmp_path / "ipchain.env"
    env = production_env(tmp_path)
    lines = [
        f"{name}={env.pop(name)}" for name in ("SECRET_KEY", "IPCHAIN_KEY_ENCRYPTION_KEYS", "DATABASE_URL")
    ]
    env_file.write_text("# the node's settings\n" + "\n".join(lines) + "\nALLOWED_HOSTS=from-file.example\n")
    done = run(SHOW, {**env, "IPCHAIN_ENV_FILE": str(env_file)})
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["db"] == f"{tmp_path}/given.sqlite3"
    assert shown["hosts"][0] == "ipo.example"  # the environment wins over the file

    done = run(SHOW, {**env, "IPCHAIN_ENV_FILE": str(tmp_path / "missing.env")})
    assert done.returncode != 0
    assert "missing.env: no such file" in done.stderr
