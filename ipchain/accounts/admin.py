from django.contrib import admin
from django.db import models

from ipchain.readonly_admin import ReadOnlyAdmin

from .models import ChangeCounter, CustomsOffice, Invitation, Membership, Organisation


@admin.register(ChangeCounter)
class ChangeCounterAdmin(ReadOnlyAdmin):
    list_display = ["value"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug", "country", "status", "created_at"]
    list_filter = ["kind", "status", "country"]
    search_fields = ["name", "slug", "contact_email"]
    readonly_fields = ["created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default


@admin.register(CustomsOffice)
class CustomsOfficeAdmin(admin.ModelAdmin):
    """Added on the portal (the office's Customs authorities page, a supervisor's People page)."""

    list_display = ["name", "authority", "code", "latitude", "longitude"]
    list_filter = ["authority"]
    search_fields = ["name", "code", "authority__name"]
    autocomplete_fields = ["authority"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "customs_office"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made and accepted on the portal (invitations.py): the admin only looks,
    and never shows even the secret's hash."""

    list_display = [
        "email",
        "organisation",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "withdrawn_at",
    ]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["email", "organisation__name"]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
