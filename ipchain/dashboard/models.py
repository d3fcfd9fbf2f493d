"""Daily rollups of scans and registrations, so that the dashboard reads thousands of rows
instead of millions (rollup.py keeps them; aggregates.py reads them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScanDay(models.Model):
    """Scans of one UTC day by one authority's office with one verdict, made before the
    rollups' `folded_until` (later ones are counted live). Rebuilt day by day, never edited."""

    day = models.DateField()
    # Plain ids, not foreign keys: a rollup must not stop an organisation being deleted.
    authority_id = models.BigIntegerField(null=True)
    customs_office = models.CharField(max_length=120, blank=True)
    verdict = models.CharField(max_length=20)
    scans = models.PositiveIntegerField()
    # Of those, the scans that carried a position, and their coordinates summed: the office's
    # average position without reading the scans again.
    located = models.PositiveIntegerField(default=0)
    latitude_sum = models.FloatField(default=0.0)
    longitude_sum = models.FloatField(default=0.0)

    class Meta:
        indexes = [models.Index(fields=["day"]), models.Index(fields=["authority_id", "day"])]
        permissions = [
            ("view_office_dashboard", _("See the whole office dashboard")),
            ("view_authority_dashboard", _("See the dashboard of one's own customs authority")),
            ("retry_failed_task", _("Send a failed background task again from the dashboard")),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.customs_office or self.authority_id} {self.verdict}: {self.scans}"


class SuspectProductDay(models.Model):
    """Suspected counterfeits of one UTC day at one authority, by the GTIN read."""

    day = models.DateField()
    authority_id = models.BigIntegerField(null=True)
    gtin = models.CharField(max_length=14, blank=True)
    scans = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"]), models.Index(fields=["authority_id", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.authority_id} {self.gtin}: {self.scans}"


class VerdictDay(models.Model):
    """ScanDay summed over every office: what the office's chart reads (a few hundred rows
    for the window, where ScanDay holds tens of thousands)."""

    day = models.DateField()
    verdict = models.CharField(max_length=20)
    scans = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.verdict}: {self.scans}"


class ProductDay(models.Model):
    """SuspectProductDay summed over every authority, for the office's view."""

    day = models.DateField()
    gtin = models.CharField(max_length=14, blank=True)
    scans = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.gtin}: {self.scans}"


class RegistrationDay(models.Model):
    """Items registered on one UTC day (before the rollups' `folded_until`)."""

    day = models.DateField(unique=True)
    items = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.day}: {self.items}"


class RollupState(models.Model):
    """One row: the rollups count what was made before `folded_until`; later rows are
    counted live. `folded_at` is when the last fold ran."""

    folded_until = models.DateTimeField(null=True)
    folded_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"folded until {self.folded_until} at {self.folded_at}"
