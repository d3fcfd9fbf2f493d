"""The rollups in the admin, read-only: they are counts derived from scans and items, kept by
rollup.fold (`manage.py dashboard_rollup --rebuild` recounts them)."""

from django.contrib import admin

from ipchain.readonly_admin import ReadOnlyAdmin

from .models import ProductDay, RegistrationDay, RollupState, ScanDay, SuspectProductDay, VerdictDay


@admin.register(ScanDay)
class ScanDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "authority_id", "customs_office", "verdict", "scans", "located"]
    list_filter = ["verdict", "day"]
    search_fields = ["customs_office"]
    date_hierarchy = "day"


@admin.register(SuspectProductDay)
class SuspectProductDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "authority_id", "gtin", "scans"]
    search_fields = ["=gtin"]
    date_hierarchy = "day"


@admin.register(VerdictDay)
class VerdictDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "verdict", "scans"]
    list_filter = ["verdict"]
    date_hierarchy = "day"


@admin.register(ProductDay)
class ProductDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "gtin", "scans"]
    search_fields = ["=gtin"]
    date_hierarchy = "day"


@admin.register(RegistrationDay)
class RegistrationDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "items"]
    date_hierarchy = "day"


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdmin):
    list_display = ["folded_until", "folded_at"]
