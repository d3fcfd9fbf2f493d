from django.contrib import admin

from ipchain.ledger.admin import ReadOnlyAdmin as ReadOnly

from .models import Admission, BulkJob, IpRight, Item, ItemEvent, LabelJob, OrgKey, Product, ProductImage


@admin.register(IpRight)
class IpRightAdmin(admin.ModelAdmin):
    list_display = ["holder", "kind", "office", "registration_number", "nice_classes"]
    list_filter = ["kind", "office"]
    search_fields = ["registration_number", "holder__name", "mark"]


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
