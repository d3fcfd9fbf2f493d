"""docs/quickstart.md, run as written: two offices' nodes in production mode behind nginx
with a private CA, on PostgreSQL under non-superuser roles, federated over HTTPS; an officer
of office B verifies office A's label. The page's `sh` blocks run in order in one bash, the
blocks under "Stopping" always, afterwards; so the page cannot rot."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "quickstart.md"
TOOLS = ("nginx", "openssl", "curl", "jq", "psql", "redis-cli")
# What the quick start makes, cleared before and after so that a run starts from nothing.
DATABASES = ("ipchain_a", "ipchain_b")
REDIS_DBS = (10, 11, 12, 13)

pytestmark = pytest.mark.postgres

# After the page, in the same shell (its functions and variables): a forged copy of A's label
# scanned by B's officer reaches A's rights holder as an alert, through B's customs authority's
# signed sighting in B's log, which A mirrors (the authority got its key when it was added).
FORGED_LABEL_REACHES_THE_HOLDER = r"""
FORGED=$(echo "$LABEL" | sed -E 's/([?&]s=)[A-Za-z0-9_-]{8}/\1AAAAAAAA/')
[ "$FORGED" != "$LABEL" ]
api $B "$OFFICER_B" verify -d "{\"code\": \"$FORGED\"}" > "$QS/forged.json"
office b ipchain_integrate
office a ipchain_mirror_sync office-b
office a shell -c "from verifier.models import Alert; print('acme alerts:', Alert.objects.filter(brand__slug='acme').count())"
"""


def blocks(markdown: str) -> tuple[list[str], list[str]]:
    """The page's `sh` blocks: those before the "Stopping" heading, and those under it."""
    run, stop = [], []
    target = run
    for line_block in re.finditer(r"^## [^\n]*$|^```sh\n(.*?)^```$", markdown, flags=re.M | re.S):
        if line_block.group(0).startswith("## Stopping"):
            target = stop
        elif line_block.group(1) is not None:
            target.append(line_block.group(1))
    return run, stop


def clean_environment(qs: Path) -> dict:
    """The reader's shell: none of the test run's own settings (the environment would win
    over each office's settings file)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not re.match(
            r"(IPCHAIN_|DJANGO_|DATABASE_URL|CELERY_|CACHE_URL|SECRET_KEY|DEBUG|LOG_|ALLOWED_HOSTS|CSRF_|STATIC_ROOT|MEDIA_ROOT|PROMETHEUS_)",
            k,
        )
    }
    return {**keep, "QS": str(qs)}


def psql(*commands: str) -> None:
    args = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q"]
    for command in commands:
        args += ["-c", command]
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def reset() -> None:
    for name in DATABASES:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP ROLE IF EXISTS {name}")
    for db in REDIS_DBS:
        subprocess.run(["redis-cli", "-n", str(db), "flushdb"], check=True, capture_output=True, timeout=30)


def bash(script: str, env: dict, log: Path, timeout: int) -> int:
    # Output to a file, not a pipe: nginx and the daemons would hold a pipe open.
    with log.open("a") as out:
        done = subprocess.run(
            ["bash", "-c", script], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout
        )
    return done.returncode


def test_the_quick_start_runs_as_written(tmp_path):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        if os.environ.get("IPCHAIN_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"the quick start needs {', '.join(missing)} (.ci/run installs them)")
        pytest.skip(f"needs {', '.join(missing)}")
    run, stop = blocks(PAGE.read_text())
    assert len(run) >= 10 and stop
    qs = tmp_path / "qs"
    env = clean_environment(qs)
    log = tmp_path / "quickstart.log"
    reset()
    try:
        script = "\n".join([*run, FORGED_LABEL_REACHES_THE_HOLDER])
        status = bash("set -euo pipefail\n" + script, env, log, timeout=900)
    finally:
        bash("\n".join(stop), env, log, timeout=120)
        reset()
    output = log.read_text()
    if status != 0:
        logs = "".join(
            f"\n--- {path.relative_to(qs)}\n{path.read_text()[-3000:]}" for path in sorted(qs.glob("*/*.log"))
        )
        pytest.fail(f"the quick start stopped (exit {status}):\n{output[-6000:]}{logs}")

    verdict = json.loads((qs / "verdict.json").read_text())
    assert verdict["verdict"] == "genuine", verdict
    assert verdict["registered_by"]["office"] == "office-a"
    assert verdict["registered_by"]["url"] == "https://localhost:8443"
    assert output.count("healthy: 1 peer(s)") == 2, output[-3000:]
    assert "https://localhost:9443/accounts/invitation/" in output  # the supervisor's link, printed
    assert "the e-mail could not be sent: pass the link on" in output  # no mail server here

    forged = json.loads((qs / "forged.json").read_text())
    assert forged["verdict"] == "forged", forged
    assert "acme alerts: 1" in output
