"""Configuring peer offices: the keys and URL exchanged out of band, and the roles chosen."""

from urllib.parse import urlsplit

from django.db import transaction

from ipchain.errors import DomainError
from ipchain.ledger.notes import NoteError, Verifier

from .models import Peer
from .tlog_cosignature import CosignatureVerifier


class PeerError(DomainError):
    pass


def peer_configure(
    *,
    name: str,
    url: str | None = None,
    log_vkey: str | None = None,
    witness_vkey: str | None = None,
    witness_its_log: bool | None = None,
    mirror_its_log: bool | None = None,
    cosigns_our_log: bool | None = None,
) -> tuple[Peer, bool]:
    """Add the peer called `name`, or change the fields given (None leaves a field as it is)."""
    with transaction.atomic():
        peer = Peer.objects.select_for_update().filter(name=name).first()
        created = peer is None
        if created:
            if not url or not log_vkey:
                raise PeerError("missing_field", "a new peer needs its URL and its log's verifier key")
            peer = Peer(name=name)
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
                raise PeerError("bad_url", f"{url!r} is not an http(s) base URL")
            peer.url = url.rstrip("/")
        if log_vkey is not None:
            try:
                verifier = Verifier.from_vkey(log_vkey)
            except NoteError as exc:
                raise PeerError("bad_log_vkey", f"log verifier key: {exc}") from None
            # The key name is the origin (tlog-checkpoint: the key name SHOULD match the origin
            # line); requiring it lets one key find its log and vice versa.
            peer.origin, peer.log_vkey = verifier.name, verifier.vkey
        if witness_vkey is not None:
            if witness_vkey:
                try:
                    witness_vkey = CosignatureVerifier.from_vkey(witness_vkey).vkey
                except NoteError as exc:
                    raise PeerError("bad_witness_vkey", f"witness key: {exc}") from None
            peer.witness_vkey = witness_vkey
        for field, value in (
            ("witness_its_log", witness_its_log),
            ("mirror_its_log", mirror_its_log),
            ("cosigns_our_log", cosigns_our_log),
        ):
            if value is not None:
                setattr(peer, field, value)
        if peer.cosigns_our_log and not peer.witness_vkey:
            raise PeerError("missing_field", "a peer that witnesses our log needs its witness key")
        if Peer.objects.filter(origin=peer.origin).exclude(pk=peer.pk).exists():
            raise PeerError("duplicate_origin", f"another peer already has the log {peer.origin!r}")
        peer.save()
    return peer, created
