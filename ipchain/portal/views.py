"""Brand portal and office pages: server-rendered, thin, calling registry services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of, representative_of
from ipchain.reasons import explain, explain_reason
from ipchain.registry import admission, bulk, catalogue, keys, label_jobs
from ipchain.registry import items as item_services
from ipchain.registry.errors import RegistryError
from ipchain.registry.holders import create_rights_holder
from ipchain.registry.labels import LABEL_SIZES_MM
from ipchain.registry.models import BulkJob, Item, LabelJob, OrgKey, Product
from ipchain.registry.rights import set_product_rights
from ipchain.registry.selectors import item_history, visible_items
from ipchain.registry.signing import PublicKey, SignatureError
from ipchain.registry.wording import detail_lines, event_label
from verifier.models import Alert

from . import forms
from .guards import brand_only, brand_or_representative, office_only


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home.html")  # the public's way in: check a product
    org = organisation_of(request.user)
    if org is None:
        return redirect("admin:index") if request.user.is_staff else render(request, "portal/no_org.html")
    if representative_of(request.user) is not None:
        return redirect("representatives")  # its clients, and the one it acts for
    if org.kind == Organisation.Kind.BRAND:
        return redirect("portal:overview")
    if org.kind == Organisation.Kind.OFFICE:
        # The administrator on call lands on the node's state; others on the rights holders.
        if request.user.has_perm("dashboard.view_office_dashboard"):
            return redirect("dashboard:page")
        return redirect("portal:holders")
    return redirect("/verify/")


@brand_only
def overview(request, org):
    by_status = dict(Item.objects.filter(product__brand=org).values_list("status").annotate(n=Count("id")))
    context = {
        "org": org,
        "products": Product.objects.filter(brand=org).count(),
        "items": sum(by_status.values()),
        "by_status": by_status,
        "jobs": BulkJob.objects.filter(brand=org)[:5],
        "active_key": org.keys.filter(status=OrgKey.Status.ACTIVE).first(),
        "alerts": _alerts(org)[:10],
    }
    return render(request, "portal/overview.html", context)


def _alerts(org):
    """Customs alerts about the brand's items."""
    return Alert.objects.filter(brand=org).select_related("item__product").order_by("-created_at")


@brand_only
def alerts(request, org):
    page = Paginator(_alerts(org), 50).get_page(request.GET.get("page"))
    return render(request, "portal/alerts.html", {"org": org, "page": page})


@brand_or_representative
def products(request, org):
    form = forms.ProductForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = catalogue.create_product(actor=request.user, brand=org, **form.cleaned_data)
        except (RegistryError, PermissionDenied) as exc:
            form.add_error(None, explain(exc))
        else:
            messages.success(request, _("Product %(name)s added.") % {"name": product.name})
            return redirect("portal:product", gtin=product.gtin)
    rows = Product.objects.filter(brand=org).annotate(n_items=Count("items"))
    licensed = (
        Product.objects.filter(rights__licences__licensee=org, rights__licences__status="active")
        .exclude(brand=org)
        .select_related("brand")
        .distinct()
    )
    return render(
        request, "portal/products.html", {"org": org, "products": rows, "licensed": licensed, "form": form}
    )


@brand_or_representative
def product(request, org, gtin):
    # A licensee opens a licensed product to register its own items; the guide and the
    # rights stay the owner's to change.
    product = get_object_or_404(
        Product.objects.filter(Q(brand=org) | Q(rights__licences__licensee=org)).distinct(), gtin=gtin
    )
    licensed = product.brand_id != org.pk
    if licensed and request.method == "POST" and "register" not in request.POST:
        raise PermissionDenied
    guide = forms.ProductGuideForm(instance=product)
    item_form = forms.ItemForm()
    photo_form = forms.ProductPhotoForm()
    rights_form = forms.ProductRightsForm(holder=org, initial={"rights": product.rights.all()})
    if request.method == "POST" and "set_rights" in request.POST:
        rights_form = forms.ProductRightsForm(request.POST, holder=org)
        if rights_form.is_valid():
            try:
                set_product_rights(
                    actor=request.user, product=product, rights=rights_form.cleaned_data["rights"]
                )
            except (RegistryError, PermissionDenied) as exc:
                rights_form.add_error(None, explain(exc))
            else:
                messages.success(request, _("The product's IP rights are recorded in the ledger."))
                return redirect("portal:product", gtin=product.gtin)
    elif request.method == "POST" and "photo" in request.FILES:
        photo_form = forms.ProductPhotoForm(request.POST, request.FILES)
        if photo_form.is_valid():
            try:
                catalogue.add_photo(actor=request.user, product=product, **photo_form.cleaned_data)
            except PermissionDenied as exc:
                photo_form.add_error(None, explain(exc))
            else:
                messages.success(request, _("Photo added to the identification guide."))
                return redirect("portal:product", gtin=product.gtin)
    elif request.method == "POST" and "register" in request.POST:
        item_form = forms.ItemForm(request.POST)
        if item_form.is_valid():
            try:
                item = item_services.register_item(
                    actor=request.user, brand=org, gtin=product.gtin, **item_form.cleaned_data
                )
            except (RegistryError, PermissionDenied) as exc:
                item_form.add_error(None, explain(exc))
            else:
                messages.success(request, _("Item %(serial)s registered.") % {"serial": item.serial})
                return redirect("portal:item", gtin=product.gtin, serial=item.serial)
    elif request.method == "POST":
        guide = forms.ProductGuideForm(request.POST, request.FILES, instance=product)
        if guide.is_valid():
            try:
                catalogue.update_product(actor=request.user, product=product, **guide.cleaned_data)
            except (RegistryError, PermissionDenied) as exc:
                guide.add_error(None, explain(exc))
            else:
                messages.success(request, _("Identification guide saved."))
                return redirect("portal:product", gtin=product.gtin)
    recent = (
        product.items.filter(owner=org).order_by("-id")[:20]
        if licensed
        else product.items.order_by("-id")[:20]
    )
    return render(
        request,
        "portal/product.html",
        {
            "org": org,
            "product": product,
            "licensed": licensed,
            "guide": guide,
            "item_form": item_form,
            "recent": recent,
            "photo_form": photo_form,
            "rights_form": rights_form,
            "rights": product.rights.order_by("office", "registration_number"),
        },
    )


@brand_only
def items(request, org):
    rows = visible_items(org).select_related("product", "registration_entry").order_by("-id")
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(serial__startswith=q)
    if gtin := request.GET.get("gtin", "").strip():
        rows = rows.filter(product__gtin=gtin)
    if status := request.GET.get("status", ""):
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request, "portal/items.html", {"org": org, "page": page, "q": q, "statuses": Item.Status.choices}
    )


@brand_only
def item(request, org, gtin, serial):
    item = get_object_or_404(
        visible_items(org).select_related("product__brand", "key", "owner", "registration_entry"),
        product__gtin=gtin,
        serial=serial,
    )
    form = forms.EventForm(request.POST or None, holder=org)
    if request.method == "POST" and form.is_valid():
        try:
            item_services.record_event(
                actor=request.user, item=item, kind=form.cleaned_data["event"], details=form.details()
            )
        except (RegistryError, PermissionDenied) as exc:
            form.add_error(None, explain(exc))
        else:
            messages.success(request, _("Event recorded in the ledger."))
            return redirect("portal:item", gtin=gtin, serial=serial)
    return render(
        request,
        "portal/item.html",
        {
            "org": org,
            "item": item,
            "history": _history_rows(item),
            "form": form,
            "label_uri": item_services.label_uri(item),
            "print_sizes": LABEL_SIZES_MM,
        },
    )


def _history_rows(item) -> list[dict]:
    """The item's history in words: each event's name, its details labelled, organisations
    by name (a transfer's new owner too)."""
    history = item_history(item, with_entries=True)
    owners = {step["details"].get("to") for step in history} - {None}
    names = dict(Organisation.objects.filter(slug__in=owners).values_list("slug", "name"))
    for step in history:
        step["label"] = event_label(step["event"])
        step["lines"] = detail_lines(step["details"], names)
    return history


@brand_only
def bulk_upload(request, org):
    form = forms.BulkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = bulk.create_job(
                actor=request.user,
                brand=org,
                upload=form.cleaned_data["file"],
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
            )
        except (RegistryError, PermissionDenied) as exc:
            form.add_error("file", explain(exc))
        else:
            return redirect("portal:bulk_job", job_id=job.pk)
    return render(
        request,
        "portal/bulk.html",
        {"org": org, "form": form, "jobs": BulkJob.objects.filter(brand=org)[:20]},
    )


@brand_only
def bulk_job(request, org, job_id):
    job = get_object_or_404(BulkJob, brand=org, pk=job_id)
    # Each bad row's problem in words; the stored English message kept where it says more.
    problems = [
        {"line": e.get("line"), "words": explain_reason(e.get("reason", ""), e.get("message", "")), **e}
        for e in job.errors
    ]
    return render(
        request,
        "portal/bulk_job.html",
        {"org": org, "job": job, "problems": problems, "state_labels": _labels(BulkJob.State)},
    )


def _labels(choices) -> dict[str, str]:
    """A job's states in words, for the page's script that follows its progress."""
    return {value: str(label) for value, label in choices.choices}


@brand_only
def key_list(request, org):
    rotating = org.keys.filter(status=OrgKey.Status.ACTIVE).exists()
    form = forms.KeyForm(request.POST or None, rotating=rotating)
    if request.method == "POST" and form.is_valid():
        pem = form.cleaned_data["public_pem"].strip()
        try:
            keys.add_key(
                actor=request.user,
                organisation=org,
                public_key=PublicKey.from_pem(pem) if pem else None,
                rotate=form.cleaned_data["rotate"],
            )
        except SignatureError:
            form.add_error("public_pem", explain(RegistryError("bad_public_key", "")))
        except (RegistryError, PermissionDenied) as exc:
            form.add_error(None, explain(exc))
        else:
            messages.success(request, _("Key registered in the ledger."))
            return redirect("portal:keys")
    return render(
        request,
        "portal/keys.html",
        {
            "org": org,
            "keys": org.keys.order_by("-created_at"),
            # What the keys may sign for: the rights in force the organisation holds or is
            # licensed under (docs/rules.md).
            "rights": org.ip_rights.filter(status="registered").order_by("office", "registration_number"),
            "licences": org.licences_held.filter(status="active").select_related("right", "licensor"),
            "form": form,
            "revoke_form": forms.RevokeForm(),
        },
    )


@require_POST
@brand_only
def key_revoke(request, org, kid):
    key = get_object_or_404(OrgKey, organisation=org, kid=kid)
    form = forms.RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A revocation needs a reason."))
        return redirect("portal:keys")
    try:
        keys.revoke_key_for(
            actor=request.user,
            key=key,
            reason=form.cleaned_data["reason"],
            effective_at=form.cleaned_data["effective_at"],
        )
    except (RegistryError, PermissionDenied) as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, _("Key %(kid)s revoked.") % {"kid": kid})
    return redirect("portal:keys")


@brand_only
def label_list(request, org):
    # "Make labels for this upload" links here with the upload's number filled in.
    initial = {k: v for k in ("gtin", "lot", "bulk_job") if (v := request.GET.get(k, "")) and v.isascii()}
    form = forms.LabelJobForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        item_filter = {k: d[k] for k in ("gtin", "lot", "bulk_job") if d.get(k)}
        try:
            label_jobs.create_job(
                actor=request.user,
                brand=org,
                item_filter=item_filter,
                file_format=d["format"],
                paper=d["paper"],
                label_mm=d["label_mm"],
            )
        except (RegistryError, PermissionDenied) as exc:
            form.add_error(None, explain(exc))
        else:
            messages.success(request, _("Labels asked for: their progress is shown below."))
            return redirect("portal:labels")
    return render(
        request,
        "portal/labels.html",
        {
            "org": org,
            "form": form,
            "jobs": LabelJob.objects.filter(brand=org)[:20],
            "state_labels": _labels(LabelJob.State),
        },
    )


# --- the office ---------------------------------------------------------------------------


@office_only
def holders(request, org):
    form = forms.HolderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            holder = _create_holder(request, form)
        except (RegistryError, PermissionDenied) as exc:
            form.add_error(None, explain(exc))
        else:
            messages.success(
                request, _("%(name)s added; admit it when its rights are checked.") % {"name": holder.name}
            )
            return redirect("portal:holders")
    rows = (
        Organisation.objects.filter(kind=Organisation.Kind.BRAND)
        .prefetch_related("ip_rights")
        .annotate(
            n_items=Count("products__items", distinct=True),
            n_members=Count("members", distinct=True),
            n_cases=Count("brand_cases", distinct=True),
        )
    )
    for row in rows:  # a form each, with ids of its own
        row.right_form = forms.HolderRightForm(auto_id=f"h{row.pk}-%s")
    return render(
        request,
        "portal/holders.html",
        {
            "org": org,
            "holders": rows,
            "form": form,
            "decision_form": forms.DecisionForm(),
            "new_link": request.session.pop(forms.INVITATION_LINK_KEY, None),
        },
    )


def _create_holder(request, form):
    d = form.cleaned_data
    return create_rights_holder(
        actor=request.user,
        slug=d["slug"],
        name=d["name"],
        country=d["country"],
        contact_email=d["contact_email"],
        ip_rights=[form.right()],
    )


@require_POST
@office_only
def holder_right(request, org, slug):
    """The office records an IP right of a holder: one it admits against it, or one more."""
    holder = get_object_or_404(Organisation, kind=Organisation.Kind.BRAND, slug=slug)
    form = forms.HolderRightForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("portal:holders")
    try:
        admission.add_ip_right(holder=holder, actor=request.user, **form.right())
    except (RegistryError, PermissionDenied) as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, _("IP right recorded for %(name)s.") % {"name": holder.name})
    return redirect("portal:holders")


@require_POST
@office_only
def holder_decision(request, org, slug):
    holder = get_object_or_404(Organisation, kind=Organisation.Kind.BRAND, slug=slug)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        try:
            admission.decide(actor=request.user, holder=holder, **form.cleaned_data)
        except (RegistryError, PermissionDenied) as exc:
            messages.error(request, explain(exc))
        else:
            messages.success(request, _("Decision recorded in the ledger."))
    return redirect("portal:holders")


@login_required
def signing_guide(request):
    """docs/signing.md, for holders who sign records with their own keys: the exact bytes
    signed and the ipchain-sign tool. Shown as the text it is, from the node's own copy."""
    text = (settings.BASE_DIR / "docs" / "signing.md").read_text(encoding="utf-8")
    return render(request, "portal/signing_guide.html", {"org": organisation_of(request.user), "text": text})
