"""Rights holders warn customs: a risk alert (a trend, a suspect route, shipper, consignee or
marketplace) to the authorities the holder chooses, for a period that ends (docs/enforcement.md).
Officers see the active ones on the verifier's home and on the case form."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of, require
from ipchain.errors import DomainError, checked_text
from ipchain.registry.st3 import STATES

from .models import RiskAlert

LIMITS = {"title": 120, "details": 2000, "party": 200}


class RiskAlertError(DomainError):
    pass


def _text(value, name: str, *, required: bool = False) -> str:
    return checked_text(value, name, LIMITS[name], error=RiskAlertError, required=required)


def _country(value, name: str) -> str:
    code = (value or "").strip().upper()
    if code and code not in STATES:
        raise RiskAlertError("bad_country", f"{name} is a country's two-letter code (ISO 3166-1)")
    return code


@transaction.atomic
def post_alert(
    *,
    actor,
    holder: Organisation,
    kind: str,
    title: str,
    authorities,
    ends: date,
    starts: date | None = None,
    details: str = "",
    origin_country: str = "",
    dispatch_country: str = "",
    party: str = "",
    products=(),
) -> RiskAlert:
    require(actor, "enforcement.add_application", holder)
    if kind not in RiskAlert.Kind.values:
        raise RiskAlertError("bad_kind", f"kind is one of {', '.join(RiskAlert.Kind.values)}")
    authorities = list(authorities)
    if not authorities or any(a.kind != Organisation.Kind.CUSTOMS for a in authorities):
        raise RiskAlertError("bad_authority", "an alert goes to one or more customs authorities")
    products = list(products)
    if any(p.brand_id != holder.pk for p in products):
        raise RiskAlertError("bad_products", "an alert names your own products")
    today = timezone.now().date()
    starts = starts or today
    longest = settings.IPCHAIN_RISK_ALERT_MAX_DAYS
    if not isinstance(ends, date) or not isinstance(starts, date):
        raise RiskAlertError("bad_date", "give the dates as YYYY-MM-DD")
    if not (today <= ends and starts <= ends <= starts + timedelta(days=longest)):
        raise RiskAlertError(
            "bad_period", f"an alert ends after it starts, today or later, within {longest} days"
        )
    alert = RiskAlert.objects.create(
        holder=holder,
        kind=kind,
        title=_text(title, "title", required=True),
        details=_text(details, "details"),
        origin_country=_country(origin_country, "origin_country"),
        dispatch_country=_country(dispatch_country, "dispatch_country"),
        party=_text(party, "party"),
        starts=starts,
        ends=ends,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    alert.authorities.set(authorities)
    alert.products.set(products)
    return alert


def withdraw(*, actor, alert: RiskAlert) -> RiskAlert:
    require(actor, "enforcement.add_application", alert.holder)
    RiskAlert.objects.filter(pk=alert.pk, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    alert.refresh_from_db()
    return alert


def active_for(authority_id: int | None, *, on: date | None = None):
    on = on or timezone.now().date()
    return (
        RiskAlert.objects.filter(
            authorities=authority_id, withdrawn_at__isnull=True, starts__lte=on, ends__gte=on
        )
        .select_related("holder")
        .prefetch_related("products")
        .distinct()
    )


def officer_notices(user) -> list[dict]:
    """The verifier's plug-in: the active alerts for the officer's authority."""
    membership = membership_of(user)
    if membership is None or membership.organisation.kind != Organisation.Kind.CUSTOMS:
        return []
    return [
        {
            "holder": alert.holder.name,
            "kind": alert.get_kind_display(),
            "title": alert.title,
            "details": alert.details,
            "origin_country": alert.origin_country,
            "dispatch_country": alert.dispatch_country,
            "party": alert.party,
            "products": [p.name for p in alert.products.all()],
            "ends": alert.ends,
        }
        for alert in active_for(membership.organisation_id)[:20]
    ]


def visible_alerts(user):
    """The holder its own alerts; a customs authority those sent to it; the office all."""
    membership = membership_of(user)
    if membership is None:
        raise PermissionDenied("sign in to see risk alerts")
    org = membership.organisation
    found = RiskAlert.objects.select_related("holder").prefetch_related("authorities", "products")
    if org.kind == Organisation.Kind.OFFICE:
        return found
    if org.kind == Organisation.Kind.BRAND:
        return found.filter(holder=org)
    return found.filter(authorities=org).distinct()
