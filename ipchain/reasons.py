"""Why an operation was refused, in words people use and in their language.

Services raise a DomainError with a machine-readable reason and an English message (for the
API and the logs). Pages show `explain(exc)`: the reason's sentence below, translated, or the
English message for a reason not listed here. The API maps the same reasons to HTTP statuses
(ipchain/api_errors.py).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

REASON_TEXT = {
    # Codes and identifiers.
    "bad_gtin": _("A GTIN is 8, 12, 13 or 14 digits."),
    "bad_check_digit": _("The GTIN's check digit is wrong: a typing error, or not a real GTIN."),
    "bad_serial": _("The serial number is missing or has characters a serial cannot have."),
    "bad_country": _("Choose a country or office from the list (WIPO ST.3 codes)."),
    "bad_lot": _("A lot number is at most 20 characters."),
    "bad_date": _("Give the date as year-month-day, not in the future."),
    # Products and items.
    "name_required": _("Give the product a name."),
    "duplicate_gtin": _("A product with this GTIN is already registered."),
    "unknown_product": _("This GTIN is not one of your products: add the product first."),
    "already_registered": _("An item with this GTIN and serial number is already registered."),
    # Bulk files, row by row.
    "duplicate_in_file": _("The same GTIN and serial number appear earlier in the file."),
    "unreadable_row": _("This line cannot be read: check its columns and quotes."),
    "bad_row": _("Each value must be text or a number."),
    "too_many_rows": _("The file has more rows than one upload takes: split it."),
    "not_a_brand": _("Only a rights holder registers items."),
    "brand_not_admitted": _("The IP office has not admitted this rights holder yet."),
    "bad_event": _("This event cannot be recorded here."),
    "item_final": _("This item was destroyed or decommissioned: nothing more can be recorded."),
    "not_allowed": _("Your organisation may not record this event for this item."),
    "bad_details": _("A detail is too long or not text."),
    "unknown_organisation": _("Choose the new owner from the list."),
    "same_owner": _("The item already belongs to that organisation."),
    "owner_is_customs": _("Goods cannot be transferred to a customs authority."),
    # Keys.
    "no_active_key": _("Your organisation has no signing key: create one on the Keys page."),
    "key_not_held": _("Your key is kept by you, not by this node: sign the records yourself."),
    "active_key_exists": _("You already have an active key: choose to replace it."),
    "duplicate_key": _("This key is already registered."),
    "bad_public_key": _("This is not an ECDSA P-256 public key in PEM form."),
    "already_revoked": _("This key is already revoked."),
    "reason_required": _("Give a reason."),
    "effective_in_future": _("A revocation cannot take effect in the future."),
    # Files and labels.
    "bad_file_type": _("Upload a .csv, .json or .jsonl file."),
    "file_too_large": _("The file is too large."),
    "empty_file": _("The file is empty."),
    "bad_format": _("Choose PDF, PNG or SVG."),
    "bad_sheet": _("Choose A4 or Letter paper and a label size from the list."),
    "no_items": _("No items match: change the filter."),
    "too_many_labels": _("Too many labels for one batch: narrow the filter."),
    "not_ready": _("The labels are not ready yet."),
    # Rights holders and the office.
    "duplicate_slug": _("That identifier is taken."),
    "bad_right_kind": _("Choose the kind of IP right from the list."),
    "bad_registration_number": _("Give the IP right's registration number."),
    "bad_nice_class": _("Nice classes run from 1 to 45, and only trade marks have them."),
    # IP rights (ipchain/registry/rights.py, docs/rules.md).
    "bad_locarno_class": _("Locarno classes run from 1 to 32, or 99, and only designs have them."),
    "bad_text": _("This text is too long or has characters it cannot have."),
    "right_not_live": _("This IP right is no longer in force."),
    "right_live": _("This IP right is in force: there is nothing to restore."),
    "no_term": _("This IP right has no term to renew."),
    "not_renewable_now": _(
        "Renewal is open only in the months before expiry and in the grace period after it."
    ),
    "consent_required": _(
        "The office records an assignment only on the owner's consent: give the deed's reference."
    ),
    "bad_new_owner": _("A right moves to another rights holder."),
    "stale_owner": _("The right changed hands meanwhile: look at it again."),
    "bad_licensee": _("A licence is granted to another rights holder."),
    "bad_territory": _("Give the territory as country or office codes (WIPO ST.3), comma-separated."),
    "bad_gtins": _("A licence covers only products this right protects."),
    "exclusive_taken": _("An exclusive licence of this right is already in force."),
    "licence_ended": _("This licence has already ended."),
    "bad_rights": _("A product stands on one or more of your own IP rights."),
    "right_lapsed": _("No IP right protecting this product is in force: its labels cannot be signed."),
    "not_right_holder": _("The IP right protecting this product is held by another rights holder."),
    "outside_licence": _("Your licence for this product is not in force today."),
    "no_right": _("No IP right of yours protects this product: link one on the right's page."),
    "right_held_elsewhere": _("Another rights holder already relies on this IP right."),
    "no_ip_right": _("A rights holder is admitted against at least one IP right."),
    "no_change": _("Nothing to change: that decision is already in force."),
    "bad_decision": _("Choose to admit or to suspend."),
    # Customs authorities and their offices.
    "name_required_org": _("Give the organisation's name."),
    "bad_position": _("Give both latitude (-90 to 90) and longitude (-180 to 180), or neither."),
    "duplicate_customs_office": _("This authority already has a customs office of that name."),
    "bad_customs_office_code": _("An office's reference number is 2 letters and up to 15 letters or digits."),
    "customs_office_required": _("Choose the customs office where they will work."),
    "wrong_customs_office": _("That customs office belongs to another authority."),
    "office_not_for_role": _("Only customs staff work at a customs office."),
    "not_a_customs_authority": _("That organisation is not a customs authority."),
    # Detention cases.
    "case_closed": _("This case is no longer open to that."),
    "right_not_in_force": _("Customs act only on IP rights in force: this one lapsed or was invalidated."),
    "deadline_passed": _("The answer period is over; ask customs for an extension."),
    "no_extension": _(
        "No extension: perishable goods, an extension already given, or the holder not yet notified."
    ),
    "not_confirmed": _("Goods are destroyed only after the rights holder confirms they are counterfeit."),
    "bad_outcome": _("A case closes with the goods released or destroyed."),
    "bad_goods": _("Describe the goods and give a quantity of at least 1."),
    "no_item": _("A case names the registered item whose label the goods bear."),
}

NOT_PERMITTED = _("Your role does not allow this. Ask your organisation's administrator.")


def explain(exc: Exception) -> str:
    """What a refused operation means, for the person who tried it, in their language."""
    if isinstance(exc, PermissionDenied):
        return str(NOT_PERMITTED)
    return explain_reason(getattr(exc, "reason", None), str(exc))


def explain_reason(reason: str, message: str = "") -> str:
    """A reason code's sentence in the reader's language; the English message for a reason
    not listed (a bulk file's row problems are stored as codes and messages)."""
    return str(REASON_TEXT[reason]) if reason in REASON_TEXT else message
