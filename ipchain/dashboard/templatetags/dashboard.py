from django import template
from django.utils.safestring import mark_safe

from ipchain.dashboard import charts
from verifier.wording import VERDICT_LABELS

register = template.Library()


@register.simple_tag
def bar(value: int, top: int) -> str:
    """A table cell's bar: `value` out of the table's largest (charts.bar builds numbers only)."""
    return mark_safe(charts.bar(int(value), int(top)))  # noqa: S308 - numbers only, no user text


@register.filter
def kind_label(kind: str) -> str:
    """An alert's kind in words when it is a verdict ("suspected_clone": "Suspected clone")."""
    return str(VERDICT_LABELS.get(kind, kind.replace("_", " ")))
