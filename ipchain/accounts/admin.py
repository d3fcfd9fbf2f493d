from django.contrib import admin
from django.db import models

from .models import Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug", "country", "status", "created_at"]
    list_filter = ["kind", "status", "country"]
    search_fields = ["name", "slug", "contact_email"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "customs_office"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["organisation"]
