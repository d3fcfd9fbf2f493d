"""The verifier's words, in the reader's language: verdicts, what to do next, reasons, why a
code cannot be read. Pages, the API's reason texts and the dashboard read them from here."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ipchain.registry.models import Item

VERDICT_LABELS = {
    "genuine": _("Genuine"),
    "registered": _("Registered, label not checked"),
    "unknown": _("Unknown item"),
    "forged": _("Forged label"),
    "revoked": _("Revoked signature"),
    "recalled": _("Recalled"),
    "stolen": _("Reported stolen"),
    "destroyed": _("Destroyed"),
    "suspected_clone": _("Suspected clone"),
}

# What the phone said offline (offline.js), named when the node's verdict is shown beside it.
OFFLINE_VERDICT_LABELS = {
    "offline_valid": _("signature valid, status not checked"),
    "recalled": _("recalled, by the status list"),
    "stolen": _("stolen, by the status list"),
    "destroyed": _("destroyed, by the status list"),
    "suspected_clone": _("suspected clone, by the status list"),
    "listed": _("possibly listed, to check online"),
    "forged": _("forged label"),
    "revoked": _("key revoked"),
    "unknown_product": _("not a product of the signing rights holder"),
    "unchecked": _("nothing to check"),
}

# What the officer should do next, by verdict.
VERDICT_ADVICE = {
    "genuine": _("Registered by the rights holder. Check the goods match the guide below."),
    "registered": _(
        "This item is registered, but the code was typed or carries no label signature, so the"
        " label itself was not checked: compare the goods with the guide."
    ),
    "unknown": _(
        "No item with this code is registered: goods bearing it may be counterfeit. Detain them or"
        " record a suspicion; the rights holder is told."
    ),
    "forged": _("The label is not the rights holder's. Consider detaining the goods."),
    "revoked": _("Signed with a compromised key. Treat as suspect; ask the rights holder."),
    "recalled": _("The rights holder recalled this item."),
    "stolen": _("Reported stolen. Consider detaining the goods and tell the rights holder."),
    "destroyed": _("This item was destroyed: a label on goods is a copy."),
    "suspected_clone": _("The same label was seen elsewhere. Consider detaining the goods."),
}
# What someone who is not customs should do, by verdict (no officer's instructions).
PUBLIC_ADVICE = {
    "genuine": _("The label is the rights holder's and the product is registered."),
    "registered": _(
        "The product is registered, but this code carries no label signature, so it cannot be"
        " checked. Buy from sellers you trust, or ask the rights holder."
    ),
    "unknown": _("This product is not registered here. If in doubt, ask the seller or the rights holder."),
    "forged": _(
        "This label is not the rights holder's: the product may be counterfeit. Keep the receipt"
        " and report it to the rights holder or to the authorities."
    ),
    "revoked": _(
        "The label was signed with a key the rights holder no longer trusts. Ask the rights holder."
    ),
    "recalled": _("The rights holder recalled this item: stop using it and contact them."),
    "stolen": _("This item was reported stolen. Please tell the police or the rights holder."),
    "destroyed": _("This item was destroyed, so this label is a copy. Report it to the rights holder."),
    "suspected_clone": _(
        "This label has been seen in too many places: it may be a copy. Report it to the rights holder."
    ),
}
# A genuine item whose rights holder gave no identification guide.
GENUINE_NO_GUIDE_ADVICE = _(
    "Registered by the rights holder, who gave no identification guide for this product. If the"
    " goods look wrong, record a suspicion."
)
# A peer office's item: this node holds no identification guide for it (not in the peer's log).
PEER_GENUINE_ADVICE = _(
    "Registered by the rights holder at another office. This node has no guide for it: ask the"
    " rights holder if the goods look wrong."
)

# Why a code cannot be read, by reason code (digital_link.py), for the scanner page online
# and for offline.js, in the officer's language.
CODE_REASONS = {
    "not_a_code": _("Not a GS1 Digital Link address or element string."),
    "too_long": _("Too long for a code."),
    "bad_gtin": _("A GTIN is 8, 12, 13 or 14 digits."),
    "bad_check_digit": _("The GTIN's check digit is wrong: a typing error, or not a real GTIN."),
    "bad_serial": _("The serial number is missing or has characters a serial cannot have."),
    "malformed_signature": _("The signature in the code is damaged."),
    "no_office_key": _("This node has no office key yet."),
    "no_trust_list": _("Open the verifier once with a network so that it keeps the trust list."),
    "bad_trust_list": _("The stored trust list is not signed by the office: it is not used."),
}


def verdict_label(verdict: str) -> str:
    return str(VERDICT_LABELS.get(verdict, verdict))


def reason_text(reason) -> str:
    """A verdict's reason (or an evidence note) in the request's language."""
    values = dict(reason.values)
    if "status" in values:
        values["status"] = str(Item.Status(values["status"]).label).lower()
    return gettext(reason.template) % values if values else gettext(reason.template)
