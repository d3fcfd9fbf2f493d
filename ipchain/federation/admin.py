from django.contrib import admin

from ipchain.ledger.admin import ReadOnlyAdmin

from .models import Cosignature, MirroredCheckpoint, Peer, SplitViewEvidence, WitnessedHead


@admin.register(Peer)
class PeerAdmin(ReadOnlyAdmin):
    """Peers are configured with `manage.py ipchain_peer_add`, which checks the keys."""

    list_display = [
        "name",
        "origin",
        "url",
        "witness_its_log",
        "mirror_its_log",
        "cosigns_our_log",
        "mirror_ok_at",
        "cosign_ok_at",
    ]


@admin.register(SplitViewEvidence)
class SplitViewEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["detected_at", "peer", "seen_by", "reason", "proven", "first_size", "second_size"]
    list_filter = ["proven", "seen_by", "peer"]


@admin.register(WitnessedHead)
class WitnessedHeadAdmin(ReadOnlyAdmin):
    list_display = ["peer", "tree_size", "cosigned_at"]
    exclude = ["root_hash"]


@admin.register(MirroredCheckpoint)
class MirroredCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["peer", "tree_size", "signed_size", "cosignatures", "mirrored_at"]
    list_filter = ["peer"]
    exclude = ["root_hash"]


@admin.register(Cosignature)
class CosignatureAdmin(ReadOnlyAdmin):
    list_display = ["checkpoint", "witness", "timestamp", "received_at"]
