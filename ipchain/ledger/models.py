"""What the log stores. Only ipchain/ledger/log.py writes these tables (append, integrate)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class LogEntry(models.Model):
    """One record: accepted (pending) at once, given its leaf index when integrated.

    On PostgreSQL a trigger lets an UPDATE do nothing but set a pending row's index,
    and refuses DELETE (migration 0002).
    """

    body = models.BinaryField(help_text="RFC 8785 canonical JSON: the leaf input")
    leaf_hash = models.BinaryField(max_length=32)
    kind = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    leaf_index = models.BigIntegerField(null=True, blank=True, unique=True)
    integrated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "log entries"
        indexes = [
            models.Index(fields=["id"], condition=Q(leaf_index__isnull=True), name="logentry_pending"),
            # One index on kind, not Django's two (the second serves LIKE, which nothing asks):
            # each index costs every one of millions of appends.
            models.Index(fields=["kind"], name="logentry_kind"),
        ]

    def __str__(self) -> str:
        where = f"#{self.leaf_index}" if self.leaf_index is not None else "pending"
        return f"{self.kind or 'entry'} {where}"

    @property
    def is_pending(self) -> bool:
        return self.leaf_index is None


class HashTile(models.Model):
    """A C2SP tlog-tiles hash tile: up to 256 32-byte hashes, only ever extended."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hashes = models.BinaryField(max_length=8192)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="hashtile_level_index"),
        ]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index} ({self.width} hashes)"

    @property
    def width(self) -> int:
        return len(self.hashes) // 32


class SignedCheckpoint(models.Model):
    """A checkpoint the log signed after an integration, exactly as it was served."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField(help_text="The C2SP signed note, text and signature lines")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        get_latest_by = "tree_size"

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size}"


class AuditRun(models.Model):
    """The outcome of one full audit of the log (ipchain_audit)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    entries_checked = models.BigIntegerField(default=0)
    checkpoints_checked = models.BigIntegerField(default=0)
    ok = models.BooleanField(default=False)
    first_bad_index = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)
    # Every problem found (the first 1,000 listed): hash or signature wrong, or a content rule
    # broken (ipchain/ledger/audit.py).
    integrity_problems = models.PositiveIntegerField(default=0)
    content_problems = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    # Where the run began: 0 for a full audit, the size a good run ended at for an incremental
    # one; and, for a good run, where the tree stood at its end (its perfect subtrees and the
    # tiles at its right edge), so the next incremental run goes on from there.
    first_index = models.BigIntegerField(default=0)
    state = models.JSONField(default=dict, blank=True)

    class Meta:
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"audit {self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.reason}"
