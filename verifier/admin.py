from django.contrib import admin

from ipchain.ledger.admin import ReadOnlyAdmin

from .models import Alert, Scan


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "gtin", "serial", "verdict", "trusted", "authority", "customs_office"]
    list_filter = ["verdict", "trusted", "authority"]
    search_fields = ["=gtin", "=serial"]
    date_hierarchy = "created_at"


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "brand", "kind", "item", "read_at"]
    list_filter = ["kind", "brand"]
