from django.contrib import admin

from ipchain.ledger.admin import ReadOnlyAdmin as ReadOnly

from .models import (
    Admission,
    BulkJob,
    IpRight,
    Item,
    ItemEvent,
    LabelJob,
    Licence,
    OrgKey,
    Product,
    ProductImage,
    RenewalReminder,
    RightEvent,
    RuleRun,
)


@admin.register(IpRight)
class IpRightAdmin(ReadOnly):
    """Read-only: a right changes by signed records (the portal, the API: rights.py)."""

    list_display = ["holder", "kind", "office", "registration_number", "status", "expiry_date"]
    list_filter = ["kind", "office", "status"]
    search_fields = ["registration_number", "holder__name", "mark"]


@admin.register(RightEvent)
class RightEventAdmin(ReadOnly):
    list_display = ["right", "kind", "effective_date", "recorded_at"]
    list_filter = ["kind"]
    search_fields = ["right__registration_number"]


@admin.register(Licence)
class LicenceAdmin(ReadOnly):
    list_display = ["ref", "right", "licensor", "licensee", "starts", "ends", "status"]
    list_filter = ["status", "exclusive"]
    search_fields = ["ref", "right__registration_number", "licensee__name"]


@admin.register(RuleRun)
class RuleRunAdmin(ReadOnly):
    list_display = ["at", "ruleset", "upto", "firings"]


@admin.register(RenewalReminder)
class RenewalReminderAdmin(ReadOnly):
    list_display = ["right", "expiry", "stage", "sent_at"]


@admin.register(OrgKey)
class OrgKeyAdmin(ReadOnly):
    list_display = ["kid", "organisation", "custody", "status", "created_at", "revocation_effective_at"]
    list_filter = ["custody", "status"]
    search_fields = ["kid", "organisation__name"]
    exclude = ["sealed_private_key"]


@admin.register(Admission)
class AdmissionAdmin(ReadOnly):
    list_display = ["holder", "decision", "decided_at", "decided_by"]
    list_filter = ["decision"]
    search_fields = ["holder__name", "holder__slug", "reason"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ["product", "caption"]
    list_filter = ["product__brand"]
    search_fields = ["product__gtin", "product__name", "caption"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["gtin", "name", "brand", "created_at"]
    list_filter = ["brand"]
    search_fields = ["gtin", "name", "brand__name"]
    inlines = [ProductImageInline]


@admin.register(Item)
class ItemAdmin(ReadOnly):
    list_display = ["product", "serial", "lot", "status", "owner", "registered_at"]
    list_filter = ["status", "product__brand"]
    search_fields = ["=serial", "product__gtin", "lot"]
    list_select_related = ["product", "owner"]
    exclude = ["label_sig", "head_hash"]


@admin.register(ItemEvent)
class ItemEventAdmin(ReadOnly):
    list_display = ["item", "kind", "signer", "occurred_at", "recorded_at"]
    list_filter = ["kind", "signer"]
    search_fields = ["item__product__gtin", "=item__serial", "signer__slug"]
    date_hierarchy = "occurred_at"
    list_select_related = ["item__product", "signer"]
    exclude = ["prev_hash"]


@admin.register(BulkJob)
class BulkJobAdmin(ReadOnly):
    list_display = [
        "id",
        "brand",
        "file_name",
        "state",
        "total_rows",
        "registered_rows",
        "bad_rows",
        "created_at",
    ]
    list_filter = ["state", "file_format"]
    search_fields = ["file_name", "brand__name", "brand__slug"]


@admin.register(LabelJob)
class LabelJobAdmin(ReadOnly):
    list_display = ["id", "brand", "file_format", "state", "total", "done", "created_at"]
    list_filter = ["state", "file_format"]
    search_fields = ["brand__name", "brand__slug"]
