"""What federation stores: peer offices, what this node witnessed and mirrored, and evidence."""

from django.db import models
from django.utils import timezone


class Peer(models.Model):
    """Another office's node: its log (origin and key), its witness key, and what we do with it.

    The three roles are independent: this node may witness the peer's log, mirror it, and
    ask the peer's witness to cosign this node's own checkpoints.
    """

    name = models.SlugField(max_length=64, unique=True)
    origin = models.CharField(max_length=255, unique=True, help_text="The peer log's checkpoint origin line")
    log_vkey = models.CharField(max_length=512, help_text="The peer log's signed-note verifier key")
    witness_vkey = models.CharField(
        max_length=512, blank=True, help_text="The peer's witness key (cosignature/v1, type 0x04)"
    )
    url = models.URLField(
        max_length=512, help_text="Base URL: the log is at <url>/log, the witness at <url>/witness"
    )
    witness_its_log = models.BooleanField(default=False, help_text="This node cosigns the peer's checkpoints")
    mirror_its_log = models.BooleanField(
        default=False, help_text="This node follows and stores the peer's log"
    )
    cosigns_our_log = models.BooleanField(
        default=False, help_text="The peer's witness cosigns our checkpoints"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Our side of the peer's witness: the size of our log it last cosigned (tlog-witness
    # "old size"), and how the last request went.
    cosigned_size = models.BigIntegerField(default=0)
    cosign_ok_at = models.DateTimeField(null=True, blank=True)
    cosign_error = models.CharField(max_length=500, blank=True)
    cosign_error_at = models.DateTimeField(null=True, blank=True)
    # The mirror's last contact with the peer's log.
    mirror_ok_at = models.DateTimeField(null=True, blank=True)
    mirror_error = models.CharField(max_length=500, blank=True)
    mirror_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WitnessedHead(models.Model):
    """The witness's memory of a peer log: the latest checkpoint this node cosigned for it.

    Only ever moved forward by a conditional UPDATE on the old size (witnessing.py), so two
    concurrent requests cannot roll it back (tlog-witness, last paragraph of add-checkpoint).
    """

    peer = models.OneToOneField(Peer, on_delete=models.PROTECT, related_name="witnessed_head")
    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField(help_text="The peer's signed checkpoint, as submitted")
    cosigned_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.peer} witnessed at {self.tree_size}"


class Cosignature(models.Model):
    """A peer witness's cosignature on one of this log's checkpoints (a signature line)."""

    checkpoint = models.ForeignKey(
        "ledger.SignedCheckpoint", on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="cosignatures")
    line = models.TextField(help_text="'— <witness name> <base64>' with its newline")
    timestamp = models.BigIntegerField(help_text="The cosignature's POSIX timestamp")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="cosignature_checkpoint_witness"),
        ]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"


class MirroredCheckpoint(models.Model):
    """How far the mirror has verified a peer's log, and the peer's signed checkpoint that proves it.

    A large catch-up is stored in steps: a step's prefix is proven by a consistency proof to
    the signed checkpoint (tree_size < signed_size); the last step reaches it exactly.
    """

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="mirrored_checkpoints")
    tree_size = models.BigIntegerField(
        help_text="Entries mirrored: the note's size, or less while catching up"
    )
    root_hash = models.BinaryField(max_length=32, help_text="Root of the first tree_size entries")
    signed_size = models.BigIntegerField(help_text="The tree size in the signed note")
    note = models.TextField(help_text="The signed note that proves this prefix, with any cosignatures")
    cosignatures = models.PositiveSmallIntegerField(
        default=0, help_text="Valid cosignatures by known witnesses"
    )
    mirrored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        get_latest_by = "tree_size"
        constraints = [
            models.UniqueConstraint(fields=["peer", "tree_size"], name="mirroredcheckpoint_peer_size"),
        ]

    def __str__(self) -> str:
        return f"{self.peer} checkpoint {self.tree_size}"


class MirroredTile(models.Model):
    """A hash tile of a peer's log, computed by the mirror from the entries it verified."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hashes = models.BinaryField(max_length=8192)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "level", "index"], name="mirroredtile_peer_level_index"),
        ]

    def __str__(self) -> str:
        return f"{self.peer} tile {self.level}/{self.index}"


class MirroredEntry(models.Model):
    """One entry of a peer's log. Records with a GTIN and serial are indexed for item look-ups."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="mirrored_entries")
    leaf_index = models.BigIntegerField()
    body = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)
    kind = models.CharField(max_length=64, blank=True)
    gtin = models.CharField(max_length=14, blank=True)
    serial = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name_plural = "mirrored entries"
        constraints = [
            models.UniqueConstraint(fields=["peer", "leaf_index"], name="mirroredentry_peer_index"),
        ]
        indexes = [models.Index(fields=["gtin", "serial"], name="mirroredentry_item")]

    def __str__(self) -> str:
        return f"{self.peer} #{self.leaf_index}"


class MirroredProduct(models.Model):
    """A product (GTIN) a peer's log registered items of, by the brand the registrations name:
    a brand's products for the offline trust list, without reading every registration."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="mirrored_products")
    brand = models.CharField(max_length=64)
    gtin = models.CharField(max_length=14)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "brand", "gtin"], name="mirroredproduct_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.peer}: {self.brand} {self.gtin}"


class SplitViewEvidence(models.Model):
    """Two signed checkpoints of one peer log that do not fit one append-only history.

    `proven` means the evidence shows it by itself: equal sizes with different roots, or a
    consistency proof computed from tiles that hash to the newer signed root and still fails.
    Otherwise it is a refusal worth a look (a submitted proof that did not verify).
    """

    SEEN_BY = [("witness", "witness"), ("mirror", "mirror"), ("submitted", "submitted evidence")]

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="split_views")
    seen_by = models.CharField(max_length=16, choices=SEEN_BY)
    reason = models.CharField(max_length=64)
    proven = models.BooleanField(default=False)
    first_size = models.BigIntegerField()
    first_note = models.TextField()
    second_size = models.BigIntegerField()
    second_note = models.TextField()
    proof = models.TextField(blank=True, help_text="The consistency proof tried, one base64 hash a line")
    message = models.TextField(blank=True)
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "split view evidence"
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.peer}: {self.reason} ({self.first_size} vs {self.second_size})"
