from django.contrib import admin

from ipchain.ledger.admin import ReadOnlyAdmin

from .models import Alert, Case, CaseAction, CasePhoto, Scan, StatusChange


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "gtin", "serial", "verdict", "trusted", "authority", "customs_office"]
    list_filter = ["verdict", "trusted", "offline", "authority"]
    search_fields = ["=gtin", "=serial", "=ref", "customs_office"]
    list_select_related = ["authority"]
    date_hierarchy = "created_at"


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "brand", "kind", "item", "read_at"]
    list_filter = ["kind", "brand", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["message", "item__product__gtin", "=item__serial"]
    list_select_related = ["brand", "item__product"]
    date_hierarchy = "created_at"


class CasePhotoInline(admin.TabularInline):
    model = CasePhoto
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Cases change through verifier.cases (their clocks and the signed customs outcomes), never
    here: the admin shows them."""

    list_display = [
        "id",
        "goods",
        "state",
        "authority",
        "customs_office",
        "brand",
        "detained_at",
        "holder_deadline",
    ]
    list_filter = ["state", "authority", "brand", "perishable"]
    search_fields = ["goods", "customs_office", "item__product__gtin", "=item__serial"]
    list_select_related = ["authority", "brand"]
    date_hierarchy = "detained_at"
    inlines = [CasePhotoInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CaseAction)
class CaseActionAdmin(ReadOnlyAdmin):
    """Who changed which case, how and when: written by verifier.cases with each change."""

    list_display = ["at", "case", "action", "actor"]
    list_filter = ["action"]
    list_select_related = ["case", "actor"]
    date_hierarchy = "at"


@admin.register(CasePhoto)
class CasePhotoAdmin(admin.ModelAdmin):
    list_display = ["case", "caption"]
    search_fields = ["caption", "=case__id"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    """The offline status list's versions (status_list.py): written with each event."""

    list_display = ["id", "at", "item", "status"]
    list_filter = ["status"]
