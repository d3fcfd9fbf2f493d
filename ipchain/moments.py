"""One way to write a moment on every page: the reader's locale's date and time format, in
the node's time zone, with the zone named, since a deadline set at one border is read by
people in other zones. A template builtin (config/settings.py): `{{ case.closed_at|when }}`."""

from datetime import datetime

from django import template
from django.template.defaultfilters import date as format_date
from django.utils import timezone

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{format_date(value, 'DATETIME_FORMAT')} {format_date(value, 'T')}".strip()
