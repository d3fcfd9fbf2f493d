"""Federation at a glance: each peer, what we do with it, how far it got, and what is wrong."""

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from .models import Peer
from .peer_rights import rule_problems


@dataclass
class PeerStatus:
    name: str
    origin: str
    url: str
    roles: list[str]
    witnessed_size: int | None  # our witness's latest cosigned size of the peer's log
    mirrored_size: int | None  # entries of the peer's log the mirror verified and holds
    cosigned_our_size: int  # the largest size of our log the peer's witness cosigned
    last_mirror_ok: datetime | None
    last_cosign_ok: datetime | None
    errors: list[str]
    stale: bool
    split_views: int  # evidence rows, proven or suspected
    proven_split_views: int
    # Its rule runs replayed here: firings missing, extra or different (docs/rules.md).
    rule_problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not (self.errors or self.stale or self.split_views or self.rule_problems)

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("last_mirror_ok", "last_cosign_ok"):
            data[key] = data[key].isoformat() if data[key] else None
        data["healthy"] = self.healthy
        return data


def is_stale(peer: Peer, *, now: datetime | None = None) -> bool:
    """A mirrored peer not reached for IPCHAIN_PEER_STALE_AFTER seconds, or a witness of ours
    whose last request failed and has not succeeded since, for as long."""
    now = now or timezone.now()
    limit = timedelta(seconds=settings.IPCHAIN_PEER_STALE_AFTER)
    if peer.mirror_its_log:
        reference = peer.mirror_ok_at or peer.created_at
        if now - reference > limit:
            return True
    if peer.cosigns_our_log and peer.cosign_error_at:
        failing = peer.cosign_ok_at is None or peer.cosign_error_at > peer.cosign_ok_at
        if failing and now - (peer.cosign_ok_at or peer.created_at) > limit:
            return True
    return False


def federation_status() -> list[PeerStatus]:
    peers = Peer.objects.select_related("witnessed_head").annotate(
        mirrored=Max("mirrored_checkpoints__tree_size"),
    )
    # A separate query: counting split views in the query above would multiply its join.
    evidence = {
        pk: (total, proven)
        for pk, total, proven in Peer.objects.annotate(
            total=Count("split_views"), proven=Count("split_views", filter=Q(split_views__proven=True))
        ).values_list("pk", "total", "proven")
    }
    now = timezone.now()
    statuses = []
    for peer in peers:
        head = getattr(peer, "witnessed_head", None)
        errors = []
        if peer.mirror_its_log and peer.mirror_error:
            errors.append(f"mirror: {peer.mirror_error}")
        if (
            peer.cosigns_our_log
            and peer.cosign_error
            and (
                peer.cosign_ok_at is None
                or (peer.cosign_error_at and peer.cosign_error_at > peer.cosign_ok_at)
            )
        ):
            errors.append(f"witness: {peer.cosign_error}")
        statuses.append(
            PeerStatus(
                name=peer.name,
                origin=peer.origin,
                url=peer.url,
                roles=[
                    role
                    for role, on in (
                        ("we witness its log", peer.witness_its_log),
                        ("we mirror its log", peer.mirror_its_log),
                        ("it witnesses our log", peer.cosigns_our_log),
                    )
                    if on
                ],
                witnessed_size=head.tree_size if head else None,
                mirrored_size=peer.mirrored,
                cosigned_our_size=peer.cosigned_size,
                last_mirror_ok=peer.mirror_ok_at,
                last_cosign_ok=peer.cosign_ok_at,
                errors=errors,
                stale=is_stale(peer, now=now),
                split_views=evidence[peer.pk][0],
                proven_split_views=evidence[peer.pk][1],
                rule_problems=[p.message for p in rule_problems(peer)] if peer.mirror_its_log else [],
            )
        )
    return statuses
