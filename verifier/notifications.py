"""Telling the rights holder that customs detained goods bearing its labels (Art. 17(3))."""

from django.conf import settings
from django.core.mail import send_mail

from . import cases


def notify_holder(case_id: int) -> bool:
    """E-mail the holder and start its clock; False when the case needs no notification (done
    already, closed, or being notified by another worker). Raises OSError when the mail
    server cannot be reached, leaving the case to be claimed again by the retry."""
    case = cases.claim_notification(case_id)
    if case is None:
        return False
    recipients = [case.brand.contact_email] if case.brand.contact_email else []
    try:
        if recipients:
            send_mail(
                subject=f"[ipchain] Goods detained: case {case.pk}",
                message=_message(case),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
    except OSError:
        cases.release_notification(case)
        raise
    how = ""
    if case.brand.home_office:  # a peer office's holder: its office reads the case's record
        how = f"through the case's record in this log, which {case.brand.home_office} mirrors"
    cases.mark_notified(case, note=how)
    return True


def _message(case) -> str:
    what = (
        f"bearing the label of {case.item}"
        if case.item_id
        else f"concerning {case.product or 'your IP rights'}"
    )
    where = case.customs_office or "a border post"
    ask = (
        "No application for action covers them here: file one in the ipchain portal within "
        f"{settings.IPCHAIN_CASE_CLOCKS['application_working_days']} working days, or the goods are released."
        if case.procedure == "ex_officio" and not case.application_ref
        else "Please confirm in the ipchain portal whether they are genuine or counterfeit."
    )
    return f"{case.authority} detained {case.quantity} x {case.goods} {what} at {where}.\n{ask}"
