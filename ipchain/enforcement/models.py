"""Applications for customs action (EU Regulation 608/2013): what a rights holder asks the
customs authorities to protect, and their decisions. Each filing and decision is a signed
ledger record without personal data (docs/enforcement.md); the contacts stay here."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipchain.accounts.models import Organisation
from ipchain.ledger.models import LogEntry
from ipchain.registry.models import IpRight, Product


class Application(models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", _("National (one member state)")
        UNION = "union", _("Union (several member states)")

    class Status(models.TextChoices):
        FILED = "filed", _("Filed, awaiting decision")
        GRANTED = "granted", _("Granted")
        PARTLY_GRANTED = "partly_granted", _("Partly granted")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        ENDED = "ended", _("Ended: no right left")

    IN_FORCE = (Status.GRANTED, Status.PARTLY_GRANTED)

    ref = models.CharField(max_length=24, unique=True)
    holder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="applications")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NATIONAL)
    competent_authority = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications_to_decide"
    )
    authorities = models.ManyToManyField(Organisation, related_name="applications_requested")
    # Peer offices' customs authorities asked to act too (Art. 4): [{registry, org, name}]
    # (federation/peer_applications.py).
    peer_authorities = models.JSONField(default=list, blank=True)
    rights = models.ManyToManyField(IpRight, related_name="applications")
    granted_rights = models.ManyToManyField(IpRight, related_name="+", blank=True)
    small_consignment_rights = models.ManyToManyField(IpRight, related_name="+", blank=True)
    products = models.ManyToManyField(Product, related_name="applications", blank=True)
    # Personal data: here only, never in the log.
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=40, blank=True)
    liability_undertaking = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.FILED)
    filed_at = models.DateTimeField(default=timezone.now)
    decide_by = models.DateTimeField(help_text="The competent department's deadline (Art. 9)")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reasons = models.TextField(blank=True)
    valid_until = models.DateField(null=True, blank=True)
    extension_requested_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        permissions = [("decide_application", "Can decide applications for action")]

    def __str__(self) -> str:
        return self.ref

    @property
    def in_force(self) -> bool:
        return self.status in self.IN_FORCE


class ApplicationEvent(models.Model):
    """A step of an application's life, for its timeline; `entry` is its ledger record."""

    LABELS = {
        "afa.filed": _("Filed"),
        "afa.decided": _("Decided"),
        "afa.extended": _("Extended"),
        "afa.suspended": _("Suspended"),
        "afa.revoked": _("Revoked"),
        "afa.expired": _("Expired"),
        "afa.ended": _("Ended: no right left"),
        "extension_requested": _("Extension requested"),
        "reminded": _("Expiry reminder sent"),
    }

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    entry = models.OneToOneField(LogEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.kind}"

    @property
    def label(self) -> str:
        return self.LABELS.get(self.kind, self.kind)


class ExpiryReminder(models.Model):
    """An expiry reminder sent to the holder: at most one per period of action and stage."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    valid_until = models.DateField()
    stage = models.PositiveIntegerField(help_text="Days left when sent")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "valid_until", "stage"], name="afa_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.application} reminder {self.stage}"


class PortfolioShare(models.Model):
    """A rights holder shares its product portfolio with a customs authority beyond those its
    granted applications name (docs/enforcement.md, "Who sees the product knowledge")."""

    holder = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="portfolio_shares")
    authority = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="portfolios_shared")
    shared_at = models.DateTimeField(default=timezone.now)
    shared_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["holder", "authority"], name="portfolio_share_once")]

    def __str__(self) -> str:
        return f"{self.holder} → {self.authority}"


class GuideView(models.Model):
    """An officer opened a product's identification guide in the catalogue. Views on a verdict
    are the officer's scans (verifier.Scan), not repeated here."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="guide_views")
    authority = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    officer = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["product", "-at"])]

    def __str__(self) -> str:
        return f"{self.product} seen by {self.authority}"


class RiskAlert(models.Model):
    """A rights holder's warning to the customs authorities it chooses: a trend, a suspect
    route, shipper, consignee or marketplace, for a period. Officers see it while active."""

    class Kind(models.TextChoices):
        TREND = "trend", _("A trend")
        ROUTE = "route", _("A suspect route")
        SHIPPER = "shipper", _("A suspect shipper")
        CONSIGNEE = "consignee", _("A suspect consignee")
        MARKETPLACE = "marketplace", _("An online marketplace")

    holder = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="risk_alerts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=120)
    details = models.TextField(max_length=2000, blank=True)
    origin_country = models.CharField(max_length=2, blank=True)
    dispatch_country = models.CharField(max_length=2, blank=True)
    party = models.CharField(max_length=200, blank=True, help_text="The shipper, consignee or marketplace")
    products = models.ManyToManyField(Product, related_name="risk_alerts", blank=True)
    authorities = models.ManyToManyField(Organisation, related_name="risk_alerts_received")
    starts = models.DateField()
    ends = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts", "-pk"]
        indexes = [models.Index(fields=["ends", "starts"])]

    def __str__(self) -> str:
        return self.title


class Mandate(models.Model):
    """A rights holder lets a legal representative act for it (applications for action, its
    detention cases) until it withdraws the mandate; both are signed ledger records."""

    ref = models.CharField(max_length=24, unique=True)
    holder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="mandates_given")
    representative = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="mandates")
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(LogEntry, on_delete=models.PROTECT, related_name="+")
    withdrawal_entry = models.OneToOneField(
        LogEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "representative"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_mandate_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.representative} for {self.holder}"
