from django.contrib import admin

from ipchain.readonly_admin import ReadOnlyAdmin

from .models import OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "task", "args", "created_at", "attempts", "last_error"]
