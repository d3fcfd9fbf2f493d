"""Scans and the alerts they raise for rights holders."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipchain.accounts.models import Organisation
from ipchain.registry.models import IpRight, Item, Product


class Scan(models.Model):
    """One verification: who, where, when, what was read, and the verdict given."""

    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Public reference")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    authority = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="scans"
    )
    customs_office = models.CharField(max_length=120, blank=True)
    trusted = models.BooleanField(default=False, help_text="Made by a signed-in customs officer")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    code = models.CharField(max_length=1024)
    gtin = models.CharField(max_length=14, blank=True, db_index=True)
    serial = models.CharField(max_length=20, blank=True)
    item = models.ForeignKey(Item, on_delete=models.SET_NULL, null=True, blank=True, related_name="scans")
    verdict = models.CharField(max_length=20, db_index=True)
    reasons = models.JSONField(default=list, help_text="Reason codes (verifier/verdicts.py)")
    offline = models.BooleanField(default=False, help_text="Verified offline and sent later")
    received_at = models.DateTimeField(
        null=True, blank=True, help_text="When an offline scan reached the node"
    )
    offline_verdict = models.CharField(
        max_length=32, blank=True, help_text="What the phone said offline (offline.js)"
    )

    class Meta:
        indexes = [
            models.Index(fields=["item", "-created_at"]),
            # Sightings of codes naming no local item (a peer office's items): the clone rules.
            models.Index(
                fields=["gtin", "serial", "-created_at"],
                name="scan_unlinked_code",
                condition=models.Q(item__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gtin}/{self.serial} {self.verdict} {self.created_at:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """Something a rights holder should know about one of its items (raised by recorder.py)."""

    class Kind(models.TextChoices):
        # A scan's verdict (results.ALERTING), here or at another office's border.
        FORGED = "forged", _("Forged label")
        STOLEN = "stolen", _("Reported stolen")
        SUSPECTED_CLONE = "suspected_clone", _("Suspected clone")
        # Customs acted on goods bearing the item's label.
        SUSPECTED = "suspected", _("Suspected by customs")
        DETAINED = "detained", _("Detained by customs")
        # A detention case's deadline is near or passed.
        DEADLINE = "deadline", _("Case deadline")
        # Many public scans of one item from many places: copies of a label may be about.
        PUBLIC_PATTERN = "public_pattern", _("Unusual public scan pattern")

    brand = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="alerts")
    item = models.ForeignKey(Item, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    scan = models.ForeignKey(Scan, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    case = models.ForeignKey("Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The same thing seen again while the alert is unread adds to it (recorder.py).
    repeats = models.PositiveIntegerField(default=1, help_text="How many times it happened")
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["brand", "item", "kind", "-created_at"], name="alert_grouping")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}: {self.message}"

    def get_absolute_url(self) -> str:
        """The case to answer, when the alert is about one."""
        return reverse("case", args=[self.case_id]) if self.case_id else ""


def new_commitment_salt() -> str:
    return secrets.token_hex(16)


class Case(models.Model):
    """Goods detained at the border, and the clocks of EU Regulation 608/2013 that run on them.

    Any goods: bearing a registered label, a forged one, or none (`item` and `scan` empty),
    concerning the rights holder's IP rights (`rights`). The procedure follows from the
    application for action covering them (docs/enforcement.md)."""

    class State(models.TextChoices):
        DETAINED = "detained", _("Detained, rights holder to be notified")
        AWAITING_APPLICATION = "awaiting_application", _("Waiting for an application for action")
        AWAITING_HOLDER = "awaiting_holder", _("Waiting for the rights holder")
        AWAITING_DECLARANT = "awaiting_declarant", _("Waiting for the declarant")
        CONFIRMED_COUNTERFEIT = "confirmed_counterfeit", _("Rights holder confirmed counterfeit")
        CONFIRMED_GENUINE = "confirmed_genuine", _("Rights holder confirmed genuine")
        PROCEEDINGS = "proceedings", _("Court proceedings started")
        RELEASED = "released", _("Released")
        DESTROYED = "destroyed", _("Destroyed")

    class Procedure(models.TextChoices):
        APPLICATION = "application", _("Under an application for action (Art. 17)")
        EX_OFFICIO = "ex_officio", _("Ex officio: no application yet (Art. 18)")
        SMALL_CONSIGNMENT = "small_consignment", _("Small consignment (Art. 26)")

    class Unit(models.TextChoices):
        PIECES = "pieces", _("pieces")
        PAIRS = "pairs", _("pairs")
        PACKAGES = "packages", _("packages")
        KILOGRAMS = "kg", _("kilograms")
        LITRES = "l", _("litres")

    class Transport(models.TextChoices):
        POST = "post", _("Post")
        COURIER = "courier", _("Express courier")
        AIR = "air", _("Air freight")
        SEA = "sea", _("Sea freight")
        ROAD = "road", _("Road")
        RAIL = "rail", _("Rail")
        PASSENGER = "passenger", _("Passenger's luggage")

    authority = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customs_office = models.CharField(max_length=120, blank=True)
    brand = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="brand_cases")
    item = models.ForeignKey(Item, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    # The product the goods claim to be: the item's, or for a forged label of a serial never
    # registered, the product its GTIN names.
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    scan = models.ForeignKey(Scan, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    # The code the goods bear when it names no product here: a peer office's item.
    gtin = models.CharField(max_length=14, blank=True)
    serial = models.CharField(max_length=20, blank=True)
    rights = models.ManyToManyField(IpRight, related_name="cases", blank=True)
    procedure = models.CharField(max_length=20, choices=Procedure.choices, default=Procedure.EX_OFFICIO)
    # The application for action carrying the case: a reference, since it may be another
    # authority's (ipchain/enforcement keeps this node's; the verifier does not import it).
    application_ref = models.CharField(max_length=24, blank=True, db_index=True)
    goods = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=1)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.PIECES)
    estimated_value = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Of the genuine goods, in euro"
    )
    # The parties and the movement, as on the declaration or the parcel (personal data: they
    # stay here, never in the log).
    declarant = models.CharField(max_length=200, blank=True, help_text="Declarant or holder of the goods")
    consignor = models.CharField(max_length=200, blank=True)
    consignee = models.CharField(max_length=200, blank=True)
    origin_country = models.CharField(max_length=2, blank=True)
    dispatch_country = models.CharField(max_length=2, blank=True)
    transport_mode = models.CharField(max_length=10, choices=Transport.choices, blank=True)
    declaration_ref = models.CharField(max_length=40, blank=True, help_text="MRN of the declaration")
    tracking_ref = models.CharField(max_length=40, blank=True, help_text="Parcel tracking number")
    notes = models.TextField(blank=True)
    perishable = models.BooleanField(default=False)
    small_consignment = models.BooleanField(default=False)
    state = models.CharField(max_length=24, choices=State.choices, default=State.DETAINED)
    detained_at = models.DateTimeField(default=timezone.now)
    notify_by = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    # A worker notifying the holder claims the case first (cases.claim_notification).
    notify_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    holder_deadline = models.DateTimeField(null=True, blank=True)
    # Ex officio: by when the person entitled files an application (Art. 5(3), 18(3)).
    application_by = models.DateTimeField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    holder_answer = models.CharField(max_length=24, blank=True)
    holder_answered_at = models.DateTimeField(null=True, blank=True)
    # The declarant's answer, recorded by the officer (declarants have no accounts): agreed to
    # destruction, or objected (Art. 23(1)(c), 26(4)); none when the period ran out.
    declarant_notified_at = models.DateTimeField(null=True, blank=True)
    declarant_deadline = models.DateTimeField(null=True, blank=True)
    declarant_answer = models.CharField(max_length=10, blank=True)
    declarant_answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The log names the case by a commitment over this (records.case_commitment); the
    # authority opens it by giving the salt.
    commitment_salt = models.CharField(max_length=32, default=new_commitment_salt, editable=False)

    class Meta:
        ordering = ["-detained_at"]

    def __str__(self) -> str:
        return f"case {self.pk}: {self.goods} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("case", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseAction(models.Model):
    """Who changed a case, how and when: one row per change, written with the change."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Goods detained")
        NOTIFIED = "notified", _("Rights holder notified")
        CONFIRMED_COUNTERFEIT = "confirmed_counterfeit", _("Rights holder confirmed counterfeit")
        CONFIRMED_GENUINE = "confirmed_genuine", _("Rights holder confirmed genuine")
        PROCEEDINGS = "proceedings", _("Rights holder started court proceedings")
        APPLICATION_GRANTED = "application_granted", _("Application for action granted in time")
        DECLARANT_AGREED = "declarant_agreed", _("Declarant agreed to destruction")
        DECLARANT_OBJECTED = "declarant_objected", _("Declarant objected to destruction")
        EXTENDED = "extended", _("Answer period extended")
        PHOTOS_ADDED = "photos_added", _("Photos added")
        RELEASED = "released", _("Goods released")
        DESTROYED = "destroyed", _("Goods destroyed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for what the node did itself (the notification)",
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.action} by {self.actor or 'the node'}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="cases/")
    caption = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.caption or f"photo for {self.case}"


class StatusChange(models.Model):
    """An item's status changed (recalled, stolen, destroyed, decommissioned, or found cloned),
    written in the event's transaction: its id is the offline status list's version, and the
    changes since a phone's version are the delta it downloads (status_list.py). A peer
    office's item has no `item` here, only its GTIN and serial (federation mirrors its log)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    gtin = models.CharField(max_length=14)
    serial = models.CharField(max_length=20)
    status = models.CharField(max_length=16)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.item} {self.status}"
