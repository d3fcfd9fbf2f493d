"""Detention case pages: customs open and close cases, the rights holder answers."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from ipchain.errors import DomainError
from ipchain.reasons import explain

from . import cases, plugins
from .confirmations import CONFIRM, confirm_page
from .evidence_package import case_package
from .forms import CaseForm, PhotosForm
from .models import Case
from .selectors import officer_scan, product_by_gtin, right_by_number, scan_product

# Colour and icon of a case's state, always shown with its words (icons every phone
# font has: no emoji).
STATE_STYLE = {
    Case.State.DETAINED: ("warn", "!"),
    Case.State.AWAITING_APPLICATION: ("warn", "…"),
    Case.State.AWAITING_HOLDER: ("warn", "…"),
    Case.State.AWAITING_DECLARANT: ("warn", "…"),
    Case.State.PROCEEDINGS: ("warn", "§"),
    Case.State.CONFIRMED_COUNTERFEIT: ("bad", "✖"),
    Case.State.CONFIRMED_GENUINE: ("ok", "✔"),
    Case.State.RELEASED: ("ok", "✔"),
    Case.State.DESTROYED: ("bad", "✖"),
}

CLOCK_LABELS = {
    "notify": gettext_lazy("Notify the rights holder by"),
    "application": gettext_lazy("The rights holder files an application for action by"),
    "holder": gettext_lazy("The rights holder answers by"),
    "declarant": gettext_lazy("The declarant may object until"),
}

ACTIONS = (
    "genuine",
    "counterfeit",
    "proceedings",
    "declarant_agreed",
    "declarant_objected",
    "extend",
    "released",
    "destroyed",
)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    visible = cases.visible_cases(request.user).select_related(
        "item__product", "product", "brand", "authority"
    )
    rows = cases.work_order(visible)[:200]
    context = {"rows": [_styled(case) for case in rows], "role": cases.side_of(request.user)}
    return render(request, "verifier/cases.html", context)


def _styled(case: Case) -> dict:
    style, icon = STATE_STYLE[case.state]
    return {"case": case, "style": style, "icon": icon}


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Detain goods: those just scanned (?scan=), a product found in the catalogue (?gtin=), or
    goods with no registered product at all, named by the IP right they infringe."""
    source = request.POST if request.method == "POST" else request.GET
    scan, product, peer = None, None, None
    if source.get("scan"):
        scan = officer_scan(user=request.user, ref=source["scan"])
        product = scan_product(scan)
        if product is None:  # goods a peer office registered?
            peer = plugins.peer_holder(scan.gtin, scan.serial)
    elif source.get("gtin"):
        product = product_by_gtin(source["gtin"])
        if product is None:
            raise Http404("no registered product has this GTIN")
    form = CaseForm(request.POST or None, request.FILES or None, needs_right=product is None and peer is None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rights = [] if product is not None or peer else [right_by_number(data["right_number"])]
            case = cases.open_case(
                actor=request.user,
                goods=data["goods"],
                quantity=data["quantity"],
                item=scan.item if scan else None,
                scan=scan,
                product=product,
                rights=rights,
                notes=data["notes"],
                perishable=data["perishable"],
                small_consignment=data["small_consignment"],
                photos=data["photos"],
                details=form.details(),
            )
        except DomainError as exc:
            form.add_error(None, explain(exc))
        else:
            messages.success(request, _(OPENED[case.procedure]))
            return redirect(case)
    context = {
        "form": form,
        "scan": scan,
        "item": scan.item if scan else None,
        "product": product,
        "peer": peer,
        "notify_days": settings.IPCHAIN_CASE_CLOCKS["notify_working_days"],
        "notices": plugins.officer_notices(request.user),
    }
    return render(request, "verifier/case_new.html", context, status=400 if form.errors else 200)


# What the officer is told once the case is open, by procedure.
OPENED = {
    Case.Procedure.APPLICATION: gettext_lazy(
        "Case opened under the holder's application. The rights holder is being notified."
    ),
    Case.Procedure.EX_OFFICIO: gettext_lazy(
        "Case opened ex officio: no application covers these goods here. "
        "The rights holder is told and may file one."
    ),
    Case.Procedure.SMALL_CONSIGNMENT: gettext_lazy(
        "Small consignment: tell the declarant now. "
        "The goods are destroyed unless the declarant objects in time."
    ),
}


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case, its clocks and its decisions; the detaining authority adds photos here."""
    case = get_object_or_404(
        cases.visible_cases(request.user).select_related(
            "item__product__brand", "product", "authority", "brand"
        ),
        pk=pk,
    )
    role = cases.side_of(request.user)
    photo_form = None
    if role == "customs" and case.is_open:
        photo_form = PhotosForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and photo_form.is_valid():
            try:
                cases.add_photos(actor=request.user, case=case, photos=photo_form.cleaned_data["photos"])
            except (DomainError, PermissionDenied) as exc:
                photo_form.add_error(None, explain(exc))
            else:
                messages.success(request, _("Photos added to the case."))
                return redirect(case)
    clocks = [row | {"label": CLOCK_LABELS[row["clock"]]} for row in cases.clocks_of(case)]
    style, icon = STATE_STYLE[case.state]
    context = {
        "case": case,
        "case_style": style,
        "case_icon": icon,
        "clocks": clocks,
        "photos": case.photos.all(),
        "role": role,
        "actions": _actions(case, role),
        "photo_form": photo_form,
        "history": case.actions.select_related("actor"),
        "rights": case.rights.all(),
        "parties": _parties(case) if cases.parties_shown(case, role) else [],
    }
    return render(
        request, "verifier/case.html", context, status=400 if photo_form and photo_form.errors else 200
    )


def _parties(case: Case) -> list[tuple]:
    rows = [
        (_("Declarant or holder of the goods"), case.declarant),
        (_("Consignor"), case.consignor),
        (_("Consignee"), case.consignee),
        (_("Country of origin"), case.origin_country),
        (_("Country of dispatch"), case.dispatch_country),
        (_("Transport"), case.get_transport_mode_display() if case.transport_mode else ""),
        (_("Declaration reference (MRN)"), case.declaration_ref),
        (_("Parcel tracking number"), case.tracking_ref),
        (_("Unit"), case.get_unit_display()),
        (_("Estimated value of the genuine goods, in euro"), case.estimated_value),
    ]
    return [(label, value) for label, value in rows if value not in ("", None)]


def _actions(case: Case, role: str) -> list[dict]:
    """The buttons this side may press now (the services check again on POST)."""
    if case.closed_at:
        return []
    if role == "brand":
        return _holder_actions(case)
    if role != "customs":
        return []
    actions = []
    if cases.answered_through_customs(case):
        actions += [
            {"name": name, "label": HOLDER_BY_CUSTOMS[name], "style": "secondary"}
            for name in cases.holder_options(case)
        ]
    if (
        case.declarant_deadline
        and not case.declarant_answer
        and case.state != Case.State.PROCEEDINGS
        and timezone.now() <= case.declarant_deadline
    ):
        actions += [
            {
                "name": "declarant_agreed",
                "label": _("The declarant agrees to destruction"),
                "style": "secondary",
            },
            {"name": "declarant_objected", "label": _("The declarant objects"), "style": "secondary"},
        ]
    if case.state == Case.State.AWAITING_HOLDER and not case.perishable and not case.extended:
        actions.append({"name": "extend", "label": _("Extend the holder's period"), "style": "secondary"})
    actions.append({"name": "released", "label": _("Release the goods"), "style": "secondary"})
    if cases.destruction_blocked(case) is None:
        actions.append({"name": "destroyed", "label": _("Destroy the goods"), "style": "danger"})
    return actions


HOLDER_BUTTONS = {
    "genuine": (gettext_lazy("Our genuine goods"), "secondary"),
    "counterfeit": (gettext_lazy("Counterfeit: destroy them"), "danger"),
    "proceedings": (gettext_lazy("We started court proceedings"), "secondary"),
}


# What the officer records for a peer office's holder, which has no one here to answer.
HOLDER_BY_CUSTOMS = {
    "genuine": gettext_lazy("The rights holder says: genuine"),
    "counterfeit": gettext_lazy("The rights holder confirms: counterfeit"),
    "proceedings": gettext_lazy("The rights holder started court proceedings"),
}


def _holder_actions(case: Case) -> list[dict]:
    return [
        {"name": name, "label": HOLDER_BUTTONS[name][0], "style": HOLDER_BUTTONS[name][1]}
        for name in cases.holder_options(case)
    ]


@require_POST
@login_required
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    """One button on the case page: answer (holder), extend or close (customs). What cannot be
    undone is asked first (CONFIRM)."""
    case = get_object_or_404(cases.visible_cases(request.user), pk=pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest("unknown action: give one of " + ", ".join(ACTIONS))
    offered = {offer["name"] for offer in _actions(case, cases.side_of(request.user))}
    if action in CONFIRM and action in offered and request.POST.get("confirm") != "yes":
        return confirm_page(request, case, action, reverse("case-action", args=[case.pk]), {"action": action})
    try:
        if action in cases.HOLDER_ANSWERS:
            cases.holder_answer(actor=request.user, case=case, answer=action)
        elif action.startswith("declarant_"):
            cases.declarant_answer(actor=request.user, case=case, agreed=action == "declarant_agreed")
        elif action == "extend":
            cases.extend(actor=request.user, case=case)
        else:
            cases.close(actor=request.user, case=case, outcome=action)
    except DomainError as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect(case)


@require_safe
@login_required
def case_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's evidence package (evidence_package.py), for the case's parties."""
    case = get_object_or_404(
        cases.visible_cases(request.user).select_related("authority", "item__product"), pk=pk
    )
    response = HttpResponse(case_package(case), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="case-{case.pk}-evidence.zip"'
    return response
