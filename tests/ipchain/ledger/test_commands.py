"""The ledger's management commands: keygen, integrate, audit."""

import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ipchain.ledger import log
from ipchain.ledger.logkey import log_signer
from ipchain.ledger.notes import Signer, Verifier


def test_keygen_writes_a_private_file_and_prints_only_the_public_key(tmp_path, capsys, settings):
    path = tmp_path / "log.key"
    call_command("ipchain_keygen", "--out", str(path), "--origin", "ipo.example/ipchain")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signer = Signer.from_skey(path.read_text())
    out = capsys.readouterr().out
    assert signer.verifier.vkey in out
    assert "PRIVATE" not in out and signer.skey.split("+", 4)[4] not in out


def test_keygen_refuses_to_overwrite_and_can_skip(tmp_path):
    path = tmp_path / "log.key"
    call_command("ipchain_keygen", "--out", str(path))
    before = path.read_text()
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command("ipchain_keygen", "--out", str(path))
    call_command("ipchain_keygen", "--out", str(path), "--if-missing")
    assert path.read_text() == before


def test_keygen_refuses_a_bad_origin(tmp_path):
    with pytest.raises(CommandError):
        call_command("ipchain_keygen", "--out", str(tmp_path / "k"), "--origin", "has space")


def test_the_node_uses_a_key_file(tmp_path, settings):
    path = tmp_path / "log.key"
    call_command("ipchain_keygen", "--out", str(path), "--origin", settings.IPCHAIN_LOG_ORIGIN)
    settings.IPCHAIN_LOG_KEY = ""
    settings.IPCHAIN_LOG_KEY_FILE = path
    log_signer.cache_clear()
    assert log_signer().skey == path.read_text().strip()


@pytest.mark.django_db
def test_integrate_command(capsys, settings):
    from ipchain.ledger.models import LogEntry

    LogEntry.objects.bulk_create([log.prepare_entry({"n": n}) for n in range(5)])
    call_command("ipchain_integrate", "--batch-size", "2")
    assert "integrated 5 entries" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("ipchain_integrate", "--batch-size", "0")


@pytest.mark.django_db
def test_audit_command_with_a_wrong_vkey_fails_cleanly():
    log.append({"n": 1})
    log.integrate_pending()
    with pytest.raises(CommandError):
        call_command("ipchain_audit", "--vkey", "not-a-key")
    other = Signer.generate("test.ipchain.example/log").verifier.vkey
    with pytest.raises(CommandError, match="bad_checkpoint"):
        call_command("ipchain_audit", "--vkey", other)


def test_keygen_writes_the_configured_key_file_by_default(tmp_path, settings, capsys):
    settings.IPCHAIN_LOG_KEY_FILE = tmp_path / "sub" / "log.key"
    call_command("ipchain_keygen")
    signer = Signer.from_skey(settings.IPCHAIN_LOG_KEY_FILE.read_text())
    assert signer.name == settings.IPCHAIN_LOG_ORIGIN
    assert stat.S_IMODE(settings.IPCHAIN_LOG_KEY_FILE.stat().st_mode) == 0o600
    printed = capsys.readouterr()
    assert Verifier.from_vkey(printed.out.strip()) == signer.verifier  # the key alone, as the witness's
    assert "mode 0600" in printed.err
    call_command("ipchain_keygen", "--if-missing")  # an existing key: its verifier key again
    assert Verifier.from_vkey(capsys.readouterr().out.strip()) == signer.verifier


@pytest.mark.django_db
def test_integrate_without_a_log_key_says_how_to_make_one(settings, tmp_path):
    settings.IPCHAIN_LOG_KEY = ""
    settings.IPCHAIN_LOG_KEY_FILE = tmp_path / "absent.key"
    log_signer.cache_clear()
    with pytest.raises(CommandError, match="ipchain_keygen"):
        call_command("ipchain_integrate")


@pytest.mark.parametrize(
    "args",
    [
        ["ipchain_integrate", "--batch-size", "abc"],
        ["ipchain_integrate", "--batch-size", "-5"],
        ["ipchain_integrate", "--loop", "soon"],
        ["ipchain_audit", "--vkey", "PeterNeumann+c74f20a3"],
        ["ipchain_audit", "--no-such-option"],
        ["ipchain_keygen", "--origin", "log+name"],
    ],
)
@pytest.mark.django_db
def test_bad_arguments_are_command_errors(args, tmp_path, settings):
    settings.IPCHAIN_LOG_KEY_FILE = tmp_path / "log.key"
    with pytest.raises(CommandError) as exc:
        call_command(*args)
    assert str(exc.value)


@pytest.mark.django_db
def test_audit_command_passes_with_the_right_vkey(capsys):
    log.append_many({"n": n} for n in range(3))
    log.integrate_pending()
    call_command("ipchain_audit", "--vkey", log_signer().verifier.vkey, "--skip-records")
    assert "audit ok: 3 entries and 1 checkpoints" in capsys.readouterr().out
