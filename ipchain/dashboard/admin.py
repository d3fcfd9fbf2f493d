"""The rollups in the admin, read-only: they are counts derived from scans and items, kept by
rollup.fold (`manage.py dashboard_rollup --rebuild` recounts them)."""

from django.contrib import admin

from .models import ProductDay, RegistrationDay, RollupState, ScanDay, SuspectProductDay, VerdictDay


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScanDay)
class ScanDayAdmin(ReadOnly):
    list_display = ["day", "authority_id", "customs_office", "verdict", "scans", "located"]
    list_filter = ["verdict", "day"]
    search_fields = ["customs_office"]
    date_hierarchy = "day"


@admin.register(SuspectProductDay)
class SuspectProductDayAdmin(ReadOnly):
    list_display = ["day", "authority_id", "gtin", "scans"]
    search_fields = ["=gtin"]
    date_hierarchy = "day"


@admin.register(VerdictDay)
class VerdictDayAdmin(ReadOnly):
    list_display = ["day", "verdict", "scans"]
    list_filter = ["verdict"]
    date_hierarchy = "day"


@admin.register(ProductDay)
class ProductDayAdmin(ReadOnly):
    list_display = ["day", "gtin", "scans"]
    search_fields = ["=gtin"]
    date_hierarchy = "day"


@admin.register(RegistrationDay)
class RegistrationDayAdmin(ReadOnly):
    list_display = ["day", "items"]
    date_hierarchy = "day"


@admin.register(RollupState)
class RollupStateAdmin(ReadOnly):
    list_display = ["folded_until", "folded_at"]
