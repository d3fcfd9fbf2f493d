"""The registry's words for people: an event's name, and its details as labelled values with
names, not identifiers (the portal's item history, the verifier's)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import ItemEvent

DETAIL_LABELS = {
    "to": _("New owner"),
    "licensee": _("Licensee"),
    "note": _("Note"),
    "case": _("Case"),
    "office": _("Customs office"),
}


def event_label(kind: str) -> str:
    if kind == "registered":
        return gettext("Registered")
    try:
        return ItemEvent.Kind(kind).label
    except ValueError:  # a peer running a newer version may record kinds this node lacks
        return kind


def detail_lines(details: dict, names: dict[str, str]) -> list[dict]:
    """Each detail as {"key", "label", "value"}: an organisation named by `names` (identifier →
    name); empty values left out (customs records once wrote a missing case as "None")."""
    lines = []
    for key, value in details.items():
        if value in (None, "", "None"):
            continue
        value = names.get(value, value) if key == "to" else value
        lines.append({"key": key, "label": DETAIL_LABELS.get(key, key), "value": value})
    return lines
