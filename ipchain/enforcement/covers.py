"""Which application for action covers goods customs detain, and the ex officio cases an
application granted in time carries (Reg. 608/2013 Art. 5(3), 17, 18, 26; docs/enforcement.md).

The verifier asks through its plug-in (verifier.plugins.case_cover): it does not import this
app."""

from datetime import datetime

from django.db.models import Prefetch

from ipchain.federation import peer_applications
from verifier import cases
from verifier.plugins import Cover

from .models import Application


def covering(authority, holder, rights, *, small_consignment: bool, on: datetime) -> Cover | None:
    """The application in force on `on` that asks `authority` to act on any of `rights` of
    `holder`: the one granted for most of them, the small-consignment one first for a parcel.
    For a peer office's holder, the application it filed there naming `authority`."""
    if holder.home_office:
        found = peer_applications.covering(
            authority=authority, holder=holder, small_consignment=small_consignment, on=on
        )
        return Cover(found[0], (), found[1]) if found else None
    rights = list(rights)
    if not rights:
        return None
    found = (
        Application.objects.filter(
            holder=holder,
            status__in=Application.IN_FORCE,
            valid_until__gte=on.date(),
            authorities=authority,
            granted_rights__in=rights,
        )
        .distinct()
        .prefetch_related(
            Prefetch("granted_rights", to_attr="granted"),
            Prefetch("small_consignment_rights", to_attr="small"),
        )
    )
    best = None
    for application in found:
        granted = tuple(r for r in application.granted if r in rights)
        small = small_consignment and any(r in application.small for r in granted)
        rank = (small, len(granted), application.valid_until, application.ref)
        if best is None or rank > best[0]:
            best = (rank, Cover(application.ref, granted, small))
    return best[1] if best else None


def carry_waiting_cases(application: Application) -> list:
    """The open ex officio cases of the holder at the application's authorities, on its
    granted rights, still within their period: the application carries them now."""
    granted = list(application.granted_rights.all())
    waiting = cases.waiting_for_application(
        authorities=application.authorities.all(), holder=application.holder, rights=granted
    )
    return [
        cases.application_granted(case=case, application_ref=application.ref, rights=granted)
        for case in waiting
    ]
