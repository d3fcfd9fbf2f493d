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


def test_production_settings_pass_the_deploy_checks(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("IPCHAIN_", "LOG_FORMAT", "DEBUG"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "IPCHAIN_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "IPCHAIN_KEY_ENCRYPTION_KEYS": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "ipo.example",
        "IPCHAIN_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["formatter"] == "json"
    assert facts["middleware"][0] == "ipchain.operations.middleware.HealthProbeMiddleware"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in facts["middleware"]
    assert {"operations-publish-checkpoint", "operations-case-reminders", "ledger-audit"} <= set(
        facts["beat"]
    )
