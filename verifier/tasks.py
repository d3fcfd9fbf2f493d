"""Celery tasks of the verifier: thin wrappers that load by id and call a service."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from .cases import mark_notified
from .models import Case


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_holder(case_id: int) -> None:
    case = Case.objects.select_related("brand", "item__product", "authority").get(pk=case_id)
    if case.notified_at:
        return  # a retried task must not e-mail twice
    recipients = [case.brand.contact_email] if case.brand.contact_email else []
    if recipients:
        send_mail(
            subject=f"[ipchain] Goods detained: case {case.pk}",
            message=(
                f"{case.authority} detained {case.quantity} x {case.goods} bearing the label of "
                f"{case.item} at {case.customs_office or 'a border post'}.\n"
                "Please confirm in the ipchain portal whether they are genuine or counterfeit."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    mark_notified(case)
