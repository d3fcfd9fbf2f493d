"""Daily rollups of scans and registrations, so that the dashboard reads thousands of rows
instead of millions (rollup.py keeps them; aggregates.py reads them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScanDay(models.Model):
    """Scans of one UTC day by one authority's office with one verdict. Days before today
    only: today is counted from verifier_scan itself. Rebuilt day by day, never edited."""

    day = models.DateField()
    # Plain ids, not foreign keys: a rollup must not stop an organisation being deleted.
    authority_id = models.BigIntegerField(null=True)
    customs_office = models.CharField(max_length=120, blank=True)
    verdict = models.CharField(max_length=20)
    scans = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"]), models.Index(fields=["authority_id", "day"])]
        permissions = [
            ("view_office_dashboard", _("See the whole office dashboard")),
            ("view_authority_dashboard", _("See the dashboard of one's own customs authority")),
            ("retry_failed_task", _("Send a failed background task again from the dashboard")),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.customs_office or self.authority_id} {self.verdict}: {self.scans}"


class RegistrationDay(models.Model):
    """Items registered on one UTC day (before today)."""

    day = models.DateField(unique=True)
    items = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.day}: {self.items}"


class RollupState(models.Model):
    """One row: up to which day the rollups are complete, and when they were last refreshed."""

    folded_through = models.DateField(null=True)
    folded_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"folded through {self.folded_through} at {self.folded_at}"
