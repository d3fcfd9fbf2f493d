"""Organisations and the people in them.

Every user belongs to one organisation with one role; the role decides what they may
do (ipchain.accounts.roles), the organisation decides on whose records they act.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        OFFICE = "office", _("IP office")
        BRAND = "brand", _("Rights holder")
        CUSTOMS = "customs", _("Customs authority")
        # A firm that acts for rights holders under their mandates (docs/enforcement.md).
        REPRESENTATIVE = "representative", _("Legal representative")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending admission")
        ADMITTED = "admitted", _("Admitted")
        SUSPENDED = "suspended", _("Suspended")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    slug = models.SlugField(max_length=64, unique=True, help_text="Stable identifier used in ledger records")
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="WIPO ST.3 code")
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    # A rights holder known here only because customs detained goods of a product it
    # registered at a peer office (docs/enforcement.md): that office's log origin, and the
    # holder's identifier in that log. Pending until this office admits it.
    home_office = models.CharField(max_length=255, blank=True)
    home_slug = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["home_office", "home_slug"],
                condition=~models.Q(home_office=""),
                name="organisation_peer_holder_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_admitted(self) -> bool:
        return self.status == self.Status.ADMITTED


class CustomsOffice(models.Model):
    """A customs authority's office or border post, where its officers work: its position
    places their scans on the map and in the verdict's impossible-travel check."""

    authority = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="customs_offices")
    name = models.CharField(max_length=120)
    code = models.CharField(
        max_length=17,
        blank=True,
        help_text="The office's reference number, e.g. NL000396 (EU customs office list)",
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "name"], name="customs_office_name_once"),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="customs_office_position_on_earth",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICE_ADMIN = "office_admin", _("Office administrator")
    BRAND_ADMIN = "brand_admin", _("Brand administrator")
    BRAND_OPERATOR = "brand_operator", _("Brand operator")
    CUSTOMS_OFFICER = "customs_officer", _("Customs officer")
    CUSTOMS_SUPERVISOR = "customs_supervisor", _("Customs supervisor")
    REPRESENTATIVE = "representative", _("Representative")


ROLE_KIND = {
    Role.OFFICE_ADMIN: Organisation.Kind.OFFICE,
    Role.BRAND_ADMIN: Organisation.Kind.BRAND,
    Role.BRAND_OPERATOR: Organisation.Kind.BRAND,
    Role.CUSTOMS_OFFICER: Organisation.Kind.CUSTOMS,
    Role.CUSTOMS_SUPERVISOR: Organisation.Kind.CUSTOMS,
    Role.REPRESENTATIVE: Organisation.Kind.REPRESENTATIVE,
}


class Membership(models.Model):
    """A user's organisation and role. One per user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(max_length=32, choices=Role.choices)
    customs_office = models.CharField(
        max_length=120, blank=True, help_text="For customs staff: the border post or office they work at"
    )
    latitude = models.FloatField(null=True, blank=True, help_text="The customs office's location")
    longitude = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class Invitation(models.Model):
    """An invitation to join an organisation with a role: a link sent by e-mail, good once
    and until it expires, with which the invited person sets their own password
    (ipchain.accounts.invitations). Only a hash of the link's secret is kept."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=32, choices=Role.choices)
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Customs staff: the office they will work at.
    customs_office = models.ForeignKey(
        CustomsOffice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} as {self.get_role_display()} at {self.organisation}"

    @property
    def pending(self) -> bool:
        return not self.accepted_at and not self.withdrawn_at and self.expires_at > timezone.now()


class ChangeCounter(models.Model):
    """One row counting changes to what writes depend on: who may do what, organisations,
    keys, products, rights and licences (ipchain.accounts.changes). Processes keep what they
    read of those while the count stands still."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.value} changes"
