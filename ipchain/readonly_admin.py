"""An admin that shows records and changes none: for the append-only log and for figures
derived from other tables."""

from django.contrib import admin
from django.db import models


class ReadOnlyAdmin(admin.ModelAdmin):
    # Django 6 reads a URL typed without a scheme as https: say so now (and stop its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
