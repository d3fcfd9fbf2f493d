from django.contrib import admin

from ipchain.ledger.admin import ReadOnlyAdmin as ReadOnly

from .models import (
    Application,
    ApplicationEvent,
    ExpiryReminder,
    GuideView,
    Mandate,
    PortfolioShare,
    RiskAlert,
)


@admin.register(Application)
class ApplicationAdmin(ReadOnly):
    """Read-only: applications change by signed records (the portal, the API)."""

    list_display = ["ref", "holder", "competent_authority", "status", "filed_at", "valid_until"]
    list_filter = ["status", "kind"]
    search_fields = ["ref", "holder__name"]


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnly):
    list_display = ["application", "kind", "at"]
    list_filter = ["kind"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnly):
    list_display = ["application", "valid_until", "stage", "sent_at"]


@admin.register(PortfolioShare)
class PortfolioShareAdmin(ReadOnly):
    list_display = ["holder", "authority", "shared_at"]


@admin.register(GuideView)
class GuideViewAdmin(ReadOnly):
    list_display = ["product", "authority", "at"]
    search_fields = ["product__name", "authority__name"]


@admin.register(RiskAlert)
class RiskAlertAdmin(ReadOnly):
    list_display = ["title", "holder", "kind", "starts", "ends", "withdrawn_at"]
    list_filter = ["kind"]
    search_fields = ["title", "holder__name"]


@admin.register(Mandate)
class MandateAdmin(ReadOnly):
    """Read-only: mandates are given and withdrawn by signed records (the holder's portal)."""

    list_display = ["ref", "holder", "representative", "granted_at", "withdrawn_at"]
    search_fields = ["ref", "holder__name", "representative__name"]
