from django import template
from django.utils.safestring import mark_safe

from ipchain.dashboard import charts

register = template.Library()


@register.simple_tag
def bar(value: int, top: int) -> str:
    """A table cell's bar: `value` out of the table's largest (charts.bar builds numbers only)."""
    return mark_safe(charts.bar(int(value), int(top)))  # noqa: S308 - numbers only, no user text
