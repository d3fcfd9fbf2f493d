from django.contrib import admin

from ipchain.readonly_admin import ReadOnlyAdmin

from .models import AuditRun, HashTile, LogEntry, SignedCheckpoint


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "leaf_index", "kind", "submitted_at", "integrated_at"]
    list_filter = ["kind", ("leaf_index", admin.EmptyFieldListFilter)]
    search_fields = ["=leaf_index", "=id", "kind"]
    exclude = ["body", "leaf_hash"]
    readonly_fields = ["record", "leaf_hash_hex"]

    @admin.display(description="record")
    def record(self, entry):
        return bytes(entry.body).decode()

    @admin.display(description="leaf hash")
    def leaf_hash_hex(self, entry):
        return bytes(entry.leaf_hash).hex()


@admin.register(SignedCheckpoint)
class SignedCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "published_at", "root_hash_hex"]
    search_fields = ["=tree_size"]
    date_hierarchy = "published_at"
    exclude = ["root_hash"]
    readonly_fields = ["root_hash_hex"]

    @admin.display(description="root hash")
    def root_hash_hex(self, checkpoint):
        return bytes(checkpoint.root_hash).hex()


@admin.register(HashTile)
class HashTileAdmin(ReadOnlyAdmin):
    list_display = ["level", "index", "width"]
    list_filter = ["level"]
    search_fields = ["=index"]
    exclude = ["hashes"]


@admin.register(AuditRun)
class AuditRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "ok", "entries_checked", "first_bad_index", "reason"]
    list_filter = ["ok", "reason"]
    search_fields = ["reason", "message"]
    date_hierarchy = "started_at"
