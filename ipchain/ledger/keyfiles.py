"""The node's Ed25519 signer keys (the log's, the witness's): read from a setting or a file
(mode 0600), written once, never logged."""

import os
from pathlib import Path


class KeyMissing(RuntimeError):
    """No usable key; the message says where it was looked for and how to make one."""

    reason = "key_missing"


def read_skey(
    *, inline: str, path: Path, setting: str, make_one: str, missing: type[KeyMissing]
) -> tuple[str, str]:
    """The signer key text from the setting `setting` (its value `inline`), else from `path`;
    and where it came from, for messages. Raises `missing` saying how to `make_one`."""
    if inline:
        return inline, setting
    try:
        return Path(path).read_text(), str(path)
    except FileNotFoundError:
        raise missing(f"no key: run `{make_one}` or set {setting} (looked in {path})") from None


def write_key_file(path: Path, skey: str) -> None:
    """Write a signer key readable by its owner only, refusing to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(skey + "\n")
