"""Run every published benchmark in turn (make bench). Each prints its own figures."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ["ledger_integration.py"],
    ["ledger_proofs.py"],
    ["ledger_audit.py"],
    ["qr_labels.py"],
    ["bulk_registration.py", "--rows", "100000"],
    ["verify.py"],
    ["operations.py"],
    ["exports.py"],
    ["dashboard.py"],
    ["federation.py"],
    ["trust_list.py"],
    ["status_list.py"],
    ["consignment.py"],
]

if __name__ == "__main__":
    failed = 0
    for script, *args in SCRIPTS:
        print(f"\n=== {script} {' '.join(args)}", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / script), *args], cwd=HERE.parent).returncode != 0
    sys.exit(1 if failed else 0)
