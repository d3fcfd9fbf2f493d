from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ipchain.readonly_admin import ReadOnlyAdmin

from .models import CaptureJob, CaseReminder, FailedTask
from .workers import RetryRefused, retry_failed_task


@admin.register(FailedTask)
class FailedTaskAdmin(admin.ModelAdmin):
    list_display = ["failed_at", "task_name", "exception_type", "exception_message", "retried_at"]
    list_filter = ["task_name", "exception_type", ("retried_at", admin.EmptyFieldListFilter)]
    search_fields = ["task_name", "=task_id", "exception_message"]
    date_hierarchy = "failed_at"
    exclude = ["traceback"]
    readonly_fields = [field.name for field in FailedTask._meta.fields if field.name != "traceback"] + [
        "traceback_text"
    ]
    actions = ["retry"]

    @admin.display(description=_("traceback"))
    def traceback_text(self, failed):
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', failed.traceback)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected tasks again"))
    def retry(self, request, queryset):
        sent = 0
        for failed in queryset:
            try:
                retry_failed_task(failed, by=request.user)
                sent += 1
            except RetryRefused as exc:
                self.message_user(request, f"{failed.task_name} ({failed.pk}): {exc}", messages.WARNING)
        if sent:
            self.message_user(request, _("%(n)d task(s) sent again.") % {"n": sent}, messages.SUCCESS)


@admin.register(CaseReminder)
class CaseReminderAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "case", "clock", "stage", "due"]
    list_filter = ["clock", "stage"]
    search_fields = ["=case__id"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CaptureJob)
class CaptureJobAdmin(ReadOnlyAdmin):
    """EPCIS captures by brands' systems (epcis_capture.py): what came, what was refused."""

    list_display = ["created_at", "capture_id", "organisation", "events", "captured", "success"]
    list_filter = ["success", "error_behaviour"]
    search_fields = ["=capture_id", "organisation__name"]
