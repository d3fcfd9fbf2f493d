"""Rights holders' IP rights and keys, products, items and their provenance.

Each state change here is mirrored by a signed record in the ledger (`entry`): the ledger
is the evidence, these tables are the index that answers queries fast.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipchain.accounts.models import Organisation
from ipchain.ledger.models import LogEntry


class IpRight(models.Model):
    """An IP right a rights holder relies on: its register's facts, as the log records them.

    The log is the truth (right_rules.py folds it); these columns index it for pages and checks.
    """

    class Kind(models.TextChoices):
        TRADEMARK = "trademark", _("Trade mark")
        DESIGN = "design", _("Design")
        PATENT = "patent", _("Patent")
        GEOGRAPHICAL_INDICATION = "geographical_indication", _("Geographical indication")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        LAPSED = "lapsed", _("Lapsed")
        SURRENDERED = "surrendered", _("Surrendered")
        INVALIDATED = "invalidated", _("Declared invalid")

    holder = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ip_rights")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    office = models.CharField(max_length=2, help_text="WIPO ST.3 code of the office that granted it")
    registration_number = models.CharField(max_length=64)
    nice_classes = models.JSONField(default=list, blank=True, help_text="Nice classes, 1-45 (marks)")
    locarno_classes = models.JSONField(default=list, blank=True, help_text="Locarno classes (designs)")
    mark = models.CharField(max_length=200, blank=True, help_text="The word mark or design title")
    filing_date = models.DateField(null=True, blank=True)
    registration_date = models.DateField(null=True, blank=True)
    expiry_date = models.DateField(
        null=True, blank=True, help_text="Blank: no term (a geographical indication)"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REGISTERED)
    ended_on = models.DateField(null=True, blank=True, help_text="The first day it no longer holds")
    representative = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="represented_rights"
    )
    registration_entry = models.ForeignKey(
        LogEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "office", "registration_number"], name="iprights_unique"),
        ]
        permissions = [("decide_rights", "Can record an office's decisions on IP rights")]

    def __str__(self) -> str:
        return f"{self.office} {self.get_kind_display()} {self.registration_number}"

    @property
    def names(self) -> dict:
        """How the log names it."""
        return {"office": self.office, "kind": self.kind, "number": self.registration_number}

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.REGISTERED


class RightEvent(models.Model):
    """One record of a right's life in the log, for its timeline."""

    LABELS = {
        "right.registered": _("Registered"),
        "right.renewed": _("Renewed"),
        "right.assigned": _("Assigned to a new owner"),
        "right.licensed": _("Licence granted"),
        "right.licence_ended": _("Licence ended"),
        "right.lapsed": _("Lapsed: not renewed"),
        "right.surrendered": _("Surrendered by the owner"),
        "right.invalidated": _("Declared invalid"),
        "right.restored": _("Restored"),
    }
    RULES = {
        "lapse": _("not renewed by the end of the grace period"),
        "licence_term": _("the licence's term ended"),
        "licence_right_ended": _("the right it was granted under ended"),
    }

    right = models.ForeignKey(IpRight, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, help_text="The record's type, e.g. right.renewed")
    entry = models.OneToOneField(LogEntry, on_delete=models.PROTECT, related_name="+")
    effective_date = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, related_name="+")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["entry_id"]

    def __str__(self) -> str:
        return f"{self.right} {self.kind}"

    @property
    def label(self) -> str:
        return self.LABELS.get(self.kind, self.kind)

    @property
    def rule_label(self) -> str:
        rule = self.details.get("rule") if isinstance(self.details, dict) else None
        return self.RULES.get(rule.get("name"), "") if isinstance(rule, dict) else ""


class Licence(models.Model):
    """A licence the owner granted under a right: to whom, where, for how long, for what."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        ENDED = "ended", _("Ended")

    right = models.ForeignKey(IpRight, on_delete=models.PROTECT, related_name="licences")
    ref = models.CharField(max_length=32, unique=True)
    licensor = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="licences_granted")
    licensee = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="licences_held")
    territory = models.JSONField(default=list, help_text="WIPO ST.3 codes")
    starts = models.DateField()
    ends = models.DateField(null=True, blank=True)
    exclusive = models.BooleanField(default=False)
    gtins = models.JSONField(default=list, blank=True, help_text="Products covered; empty: all the right's")
    classes = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(null=True, blank=True)
    entry = models.ForeignKey(LogEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts"]

    def __str__(self) -> str:
        return f"licence {self.ref} under {self.right}"


class RuleRun(models.Model):
    """One evaluation of the rights rules: what it read and what it appended (docs/rules.md)."""

    ruleset = models.CharField(max_length=32)
    at = models.DateTimeField()
    upto = models.BigIntegerField(unique=True, help_text="The log size it read")
    firings = models.PositiveIntegerField(default=0)
    entry = models.OneToOneField(LogEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-upto"]

    def __str__(self) -> str:
        return f"{self.ruleset} at {self.at:%Y-%m-%d}: {self.firings} firings"


class RenewalReminder(models.Model):
    """A renewal reminder sent to a right's owner: at most one per expiry and stage."""

    right = models.ForeignKey(IpRight, on_delete=models.CASCADE, related_name="+")
    expiry = models.DateField()
    stage = models.PositiveIntegerField(help_text="Days left when sent; +1000 in the grace period")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["right", "expiry", "stage"], name="renewalreminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.right} reminder {self.stage}"


class OrgKey(models.Model):
    """An ECDSA P-256 key an organisation signs records with.

    Held by the node (private key sealed at rest, see keystore.py) or by the holder itself
    (only the public key is here). Registration and revocation are office-signed ledger records.
    """

    class Custody(models.TextChoices):
        NODE = "node", _("Held by the node")
        HOLDER = "holder", _("Held by the rights holder")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired (rotated)")
        REVOKED = "revoked", _("Revoked")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="keys")
    kid = models.CharField(max_length=16, unique=True)
    public_pem = models.TextField()
    sealed_private_key = models.TextField(blank=True, editable=False)
    custody = models.CharField(max_length=8, choices=Custody.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_effective_at = models.DateTimeField(
        null=True, blank=True, help_text="Records accepted after this time with this key are invalid"
    )
    revocation_reason = models.CharField(max_length=200, blank=True)
    registration_entry = models.ForeignKey(LogEntry, on_delete=models.PROTECT, related_name="+", null=True)
    revocation_entry = models.ForeignKey(LogEntry, on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        permissions = [("manage_keys", "Can register, rotate and revoke signing keys")]

    def __str__(self) -> str:
        return f"{self.organisation} key {self.kid} ({self.status})"

    def valid_at(self, moment) -> bool:
        """Whether a record accepted at `moment` with this key is valid."""
        return self.revocation_effective_at is None or moment < self.revocation_effective_at


class Admission(models.Model):
    """An office decision admitting or suspending a rights holder, as recorded in the ledger."""

    class Decision(models.TextChoices):
        ADMITTED = "admitted", _("Admitted")
        SUSPENDED = "suspended", _("Suspended")

    holder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="admissions")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.CharField(max_length=300, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, related_name="+")
    entry = models.ForeignKey(LogEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        permissions = [("admit_rightsholder", "Can admit and suspend rights holders")]
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.holder} {self.decision} {self.decided_at:%Y-%m-%d}"


class Product(models.Model):
    """A product line (one GTIN) with the identification guide customs officers read."""

    brand = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="products")
    gtin = models.CharField(max_length=14, unique=True, help_text="GTIN-14")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    image = models.ImageField(upload_to="products/", blank=True)
    # The identification guide, as the EU IP Enforcement Portal gives officers.
    genuine_features = models.TextField(blank=True, help_text="How to tell the genuine product")
    packaging = models.TextField(blank=True, help_text="What genuine packaging looks like")
    made_in = models.CharField(max_length=200, blank=True, help_text="Where it is made")
    trade_routes = models.TextField(blank=True, help_text="Legitimate trade routes and distributors")
    contact = models.CharField(max_length=300, blank=True, help_text="Who customs should call")
    created_at = models.DateTimeField(default=timezone.now)
    rights = models.ManyToManyField(IpRight, blank=True, related_name="products")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.gtin})"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")
    caption = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.caption or f"image of {self.product}"


class Item(models.Model):
    """One serialized unit: GTIN + serial. Registered by a signed ledger record."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RECALLED = "recalled", _("Recalled")
        STOLEN = "stolen", _("Reported stolen")
        DECOMMISSIONED = "decommissioned", _("Decommissioned")
        DESTROYED = "destroyed", _("Destroyed")

    # No index of their own: item_unique_serial (product, serial) and the (owner, registered_at)
    # index serve both, and each index costs every registration.
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="items", db_index=False)
    serial = models.CharField(max_length=20)
    lot = models.CharField(max_length=20, blank=True)
    production_date = models.DateField(null=True, blank=True)
    origin_country = models.CharField(max_length=2, blank=True, help_text="WIPO ST.3 code")
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="owned_items", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    key = models.ForeignKey(OrgKey, on_delete=models.PROTECT, related_name="items")
    label_sig = models.BinaryField(max_length=64, help_text="Signature over the label message (r||s)")
    registration_entry = models.OneToOneField(LogEntry, on_delete=models.PROTECT, related_name="+")
    head_hash = models.BinaryField(max_length=32, help_text="Leaf hash of the item's latest record")
    registered_at = models.DateTimeField(default=timezone.now)
    bulk_job = models.ForeignKey(
        "BulkJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the label stands on (right_rules.standing): "" for a live right held or licensed
    # when it was signed, else the reason; kept current when a right's past changes.
    right_standing = models.CharField(max_length=20, blank=True)
    licence = models.ForeignKey(
        Licence, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "serial"], name="item_unique_serial"),
        ]
        indexes = [models.Index(fields=["owner", "-registered_at"])]

    def __str__(self) -> str:
        return f"{self.product.gtin}/{self.serial}"


class ItemEvent(models.Model):
    """A provenance event after registration (EPCIS 2.0 vocabulary), chained by hash."""

    class Kind(models.TextChoices):
        SHIPPED = "shipped", _("Shipped")
        RECEIVED = "received", _("Received")
        OWNERSHIP_TRANSFERRED = "ownership_transferred", _("Ownership transferred")
        LICENSED = "licensed", _("Licensed")
        RECALLED = "recalled", _("Recalled")
        STOLEN = "stolen", _("Reported stolen")
        DECOMMISSIONED = "decommissioned", _("Decommissioned")
        DESTROYED = "destroyed", _("Destroyed")
        CUSTOMS_SUSPECTED = "customs_suspected", _("Customs: suspected")
        CUSTOMS_DETAINED = "customs_detained", _("Customs: detained")
        CUSTOMS_RELEASED = "customs_released", _("Customs: released")
        CUSTOMS_DESTROYED = "customs_destroyed", _("Customs: destroyed")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    signer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    key = models.ForeignKey(OrgKey, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField(LogEntry, on_delete=models.PROTECT, related_name="+")
    prev_hash = models.BinaryField(max_length=32)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.item} {self.kind}"


class BulkJob(models.Model):
    """A bulk registration from an uploaded CSV or JSON file, run by Celery."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Checking rows")
        REGISTERING = "registering", _("Registering")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected: bad rows")
        FAILED = "failed", _("Failed")

    brand = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bulk_jobs")
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    upload = models.FileField(upload_to="bulk/")
    file_name = models.CharField(max_length=200)
    file_format = models.CharField(max_length=8)
    skip_bad_rows = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    registered_rows = models.PositiveIntegerField(default=0)
    bad_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{line, reason, message}], first 1000")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"bulk job {self.pk} ({self.state})"

    @property
    def progress(self) -> float:
        return self.processed_rows / self.total_rows if self.total_rows else 0.0

    @property
    def finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.REJECTED, self.State.FAILED}


class LabelJob(models.Model):
    """A batch of labels (PNG/SVG zip or PDF sheets) rendered by Celery."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Rendering")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    brand = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="label_jobs")
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    item_filter = models.JSONField(default=dict, help_text="Which items: product, bulk job, serial range")
    file_format = models.CharField(max_length=8)
    paper = models.CharField(max_length=8, blank=True)
    label_mm = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    output = models.FileField(upload_to="labels/", blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"label job {self.pk} ({self.state})"
