"""A detention case's evidence package: one zip with the ledger's proofs of the item's
records and of the authority's key, the scan and the photos, signed by the customs
authority; checked here file by file and proof by proof with code that shares nothing with
the node (test_tlog_proof.independent_check), and whole by the offline checker."""

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from tests import factories
from tests.ipchain.ledger.test_tlog_proof import independent_check
from verifier import cases
from verifier.models import Scan

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile("parcel.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def case(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    brand = factories.brand("acme")
    product = factories.product(brand)
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="EV-1"
    )
    authority = factories.customs("nl-customs")
    officer = factories.user(authority, Role.CUSTOMS_OFFICER, username="officer")
    officer.membership.customs_office = "Rotterdam"
    officer.membership.save()
    scan = Scan.objects.create(
        code="x",
        gtin=product.gtin,
        serial="EV-1",
        verdict="forged",
        item=item,
        authority=authority,
        officer=officer,
        trusted=True,
        customs_office="Rotterdam",
    )
    with django_capture_on_commit_callbacks(execute=True):
        detained = cases.open_case(
            actor=officer, goods="Trail jackets", quantity=40, item=item, scan=scan, photos=[png()]
        )
    log.integrate_pending()
    return detained, officer, brand


def download(client, user, case) -> bytes:
    client.force_login(user)
    answer = client.get(f"/verify/cases/{case.pk}/evidence.zip")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert answer["Content-Disposition"] == f'attachment; filename="case-{case.pk}-evidence.zip"'
    return answer.content


def test_the_package_holds_every_proof_and_file_the_manifest_names(client, case, log_verifier):
    detained, officer, brand = case
    package = zipfile.ZipFile(io.BytesIO(download(client, officer, detained)))
    manifest = json.loads(package.read("manifest.json"))
    assert manifest["type"] == "case.evidence" and manifest["authority"] == "nl-customs"
    assert manifest["case"]["goods"] == "Trail jackets" and manifest["case"]["serial"] == "EV-1"
    # Every file as listed, and nothing unlisted.
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    assert set(package.namelist()) == set(listed) | {"manifest.json"}
    for name, digest in listed.items():
        assert hashlib.sha256(package.read(name)).hexdigest() == digest
    assert any(name.startswith("photos/1-") for name in listed)
    (scan,) = json.loads(package.read("scans.json"))
    assert (scan["ref"], scan["verdict"], scan["customs_office"]) == (
        str(detained.scan.ref),
        "forged",
        "Rotterdam",
    )
    # Every proof holds by the independent checker, and proves what the manifest says.
    whats = set()
    for entry in manifest["proofs"]:
        shown = independent_check(package.read(entry["file"]).decode(), log_verifier.vkey, [])
        assert shown["index"] == entry["index"]
        whats.add(entry["what"])
        if entry["what"] == "authority-key":
            assert shown["record"]["type"] == "key.registered" and shown["record"]["org"] == "nl-customs"
            assert shown["record"]["key"]["kid"] == manifest["kid"]
        if entry["what"] == "registration":
            assert shown["record"]["serial"] == "EV-1"
    assert whats >= {"authority-key", "registration", "event-customs_detained"}
    # The rights holder, a party to the case, gets it too; nobody else.
    assert download(client, factories.brand_admin(brand), detained)[:2] == b"PK"
    client.force_login(factories.brand_admin(factories.brand("other")))
    assert client.get(f"/verify/cases/{detained.pk}/evidence.zip").status_code == 404
    client.logout()
    assert client.get(f"/verify/cases/{detained.pk}/evidence.zip").status_code == 302


def check(tmp_path, data: bytes, *keys: str) -> subprocess.CompletedProcess:
    path = tmp_path / "case.zip"
    path.write_bytes(data)
    return subprocess.run(
        [sys.executable, "-m", "ipchain.verify_proof", str(path), *keys],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def rewrite(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for member in source.namelist():
            content = source.read(member)
            target.writestr(
                member,
                change(content)
                if member == name or (name.endswith("*") and member.startswith(name[:-1]))
                else content,
            )
    return out.getvalue()


def test_the_offline_checker_proves_the_package_and_catches_each_change(client, case, log_verifier, tmp_path):
    detained, officer, _brand = case
    data = download(client, officer, detained)
    done = check(tmp_path, data, "--log-key", log_verifier.vkey)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"PROVEN: the evidence of case {detained.pk} of nl-customs" in done.stdout
    assert "40 x Trail jackets, detained at Rotterdam" in done.stdout

    photo = rewrite(data, "photos/*", lambda b: b + b"\0")
    bad = check(tmp_path, photo, "--log-key", log_verifier.vkey)
    assert bad.returncode == 1 and "changed (its SHA-256 is not the manifest's)" in bad.stdout

    def more_goods(content: bytes) -> bytes:
        manifest = json.loads(content)
        manifest["case"]["quantity"] = 4
        return json.dumps(manifest).encode()

    forged = check(tmp_path, rewrite(data, "manifest.json", more_goods), "--log-key", log_verifier.vkey)
    assert forged.returncode == 1 and "manifest:" in forged.stdout

    other_log = check(
        tmp_path, data, "--log-key", "other.example/log+1d2b8a31+AXC8k0Y7ACbXsTgnwrLT3Gc2n2eCd7WSi7l0H5DTj2h1"
    )
    assert other_log.returncode in (1, 2)
    assert "PROVEN" not in other_log.stdout.replace("NOT PROVEN", "")


def test_goods_with_no_registered_label_are_proved_by_their_customs_records_and_rights(
    client, case, log_verifier
):
    _, officer, brand = case
    right = brand.ip_rights.get()
    unlabelled = cases.open_case(actor=officer, goods="Jackets, no label", quantity=5, rights=[right])
    cases.close(actor=officer, case=unlabelled, outcome="released")
    log.integrate_pending()
    package = zipfile.ZipFile(io.BytesIO(download(client, officer, unlabelled)))
    manifest = json.loads(package.read("manifest.json"))
    shown = {
        entry["what"]: independent_check(package.read(entry["file"]).decode(), log_verifier.vkey, [])[
            "record"
        ]
        for entry in manifest["proofs"]
    }
    assert {"authority-key", "customs-detained", "customs-released"} <= set(shown)
    assert shown["customs-released"]["case_commitment"] == manifest["case"]["commitment"]
    assert shown[f"right-{right.office}-{right.registration_number}"]["type"] == "right.registered"
    assert "registration" not in shown  # no item
