from django.contrib import admin

from ipchain.readonly_admin import ReadOnlyAdmin

from .models import (
    Cosignature,
    MirroredCheckpoint,
    MirroredEntry,
    MirroredProduct,
    MirroredTile,
    Peer,
    SplitViewEvidence,
    WitnessedHead,
)


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
    list_filter = ["witness_its_log", "mirror_its_log", "cosigns_our_log"]
    search_fields = ["name", "origin", "url"]


@admin.register(SplitViewEvidence)
class SplitViewEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["detected_at", "peer", "seen_by", "reason", "proven", "first_size", "second_size"]
    list_filter = ["proven", "seen_by", "peer"]
    search_fields = ["peer__name", "reason"]


@admin.register(WitnessedHead)
class WitnessedHeadAdmin(ReadOnlyAdmin):
    list_display = ["peer", "tree_size", "cosigned_at"]
    search_fields = ["peer__name"]
    exclude = ["root_hash"]


@admin.register(MirroredCheckpoint)
class MirroredCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["peer", "tree_size", "signed_size", "cosignatures", "mirrored_at"]
    list_filter = ["peer"]
    search_fields = ["=tree_size"]
    exclude = ["root_hash"]


@admin.register(Cosignature)
class CosignatureAdmin(ReadOnlyAdmin):
    list_display = ["checkpoint", "witness", "timestamp", "received_at"]
    list_filter = ["witness"]
    search_fields = ["=checkpoint__tree_size", "witness__name"]


@admin.register(MirroredTile)
class MirroredTileAdmin(ReadOnlyAdmin):
    list_display = ["peer", "level", "index"]
    list_filter = ["peer", "level"]
    search_fields = ["=index"]
    exclude = ["hashes"]


@admin.register(MirroredEntry)
class MirroredEntryAdmin(ReadOnlyAdmin):
    list_display = ["peer", "leaf_index", "kind", "gtin", "serial"]
    list_filter = ["peer", "kind"]
    search_fields = ["=leaf_index", "=gtin", "=serial"]
    exclude = ["body", "leaf_hash"]
    readonly_fields = ["record"]

    @admin.display(description="record")
    def record(self, entry):
        return bytes(entry.body).decode(errors="replace")


@admin.register(MirroredProduct)
class MirroredProductAdmin(ReadOnlyAdmin):
    list_display = ["peer", "brand", "gtin"]
    list_filter = ["peer"]
    search_fields = ["brand", "=gtin"]
