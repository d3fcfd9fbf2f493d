"""The recipes in docs/signing.md for signing without ipchain's own code (OpenSSL in a shell,
pyca `cryptography`) make records the node accepts. The code is read from the document
itself, so the page cannot drift from what works."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ipchain.registry.digital_link import label_message
from ipchain.registry.signing import PrivateKey, PublicKey, b64url_decode, verify_record

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "signing.md").read_text()
ITEM = {
    "v": 1,
    "type": "item.registered",
    "time": "2026-11-24T10:00:00Z",
    "brand": "acme-outdoor",
    "gtin": "09506000134352",
    "serial": "TJ0000001",
}


def code_block(language: str, containing: str) -> str:
    blocks = [b for b in re.findall(rf"```{language}\n(.*?)```", DOC, re.S) if containing in b]
    assert len(blocks) == 1, f"docs/signing.md should have one {language} block with {containing!r}"
    return blocks[0]


def run(args, cwd) -> subprocess.CompletedProcess:
    # python3 in the recipe must be one with rfc8785: this virtualenv's.
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def check_registration(record: dict, public: PublicKey) -> None:
    verify_record(record, public)
    assert record["kid"] == public.key_id
    assert public.verify(label_message(record["gtin"], record["serial"]), b64url_decode(record["label_sig"]))
    assert {k: record[k] for k in ITEM} == ITEM


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "openssl", "basenc", "awk")),
    reason="needs bash, openssl and GNU coreutils",
)
def test_the_openssl_recipe_makes_a_record_the_node_accepts(tmp_path):
    (tmp_path / "item.json").write_text(json.dumps(ITEM))
    script = code_block("sh", "openssl genpkey")
    result = run(["bash", "-euo", "pipefail", "-c", script], tmp_path)
    assert result.returncode == 0, result.stderr
    public = PublicKey.from_pem((tmp_path / "brand.pub.pem").read_text())
    check_registration(json.loads((tmp_path / "signed.json").read_text()), public)


def test_the_pyca_cryptography_recipe_works_with_a_key_from_ipchain_sign(tmp_path):
    """The key file `ipchain-sign keygen` writes must open in pyca `cryptography`:
    python-ecdsa's own PKCS#8 did not."""
    private = PrivateKey.generate()
    (tmp_path / "brand.pem").write_text(private.to_pem())
    result = run([sys.executable, "-c", code_block("python", "pyca/cryptography")], tmp_path)
    assert result.returncode == 0, result.stderr
    check_registration(json.loads(result.stdout), private.public_key)


@pytest.mark.skipif(not shutil.which("node"), reason="needs Node.js (its WebCrypto is the browser's API)")
def test_the_webcrypto_recipe_gives_our_kid_and_a_signature_we_verify(tmp_path):
    message = label_message("09506000134352", "TJ0000001")
    script = code_block("js", "crypto.subtle") + (
        "const message = new Uint8Array(Buffer.from(process.argv[2], 'base64'));\n"
        "console.log(JSON.stringify({spki: b64u(spki), kid, sig: await sign(message)}));\n"
    )
    (tmp_path / "recipe.mjs").write_text(script)
    result = run(["node", "recipe.mjs", base64.b64encode(message).decode()], tmp_path)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    spki = b64url_decode(out["spki"])
    public = PublicKey.from_pem(
        "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(spki).decode() + "\n-----END PUBLIC KEY-----\n"
    )
    assert out["kid"] == public.key_id
    assert public.verify(message, b64url_decode(out["sig"])) is True
