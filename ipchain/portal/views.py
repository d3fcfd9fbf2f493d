"""Brand portal and office pages: server-rendered, thin, calling registry services."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of
from ipchain.registry import admission, bulk, catalogue, keys, label_jobs
from ipchain.registry import items as item_services
from ipchain.registry.errors import RegistryError
from ipchain.registry.models import BulkJob, Item, LabelJob, OrgKey, Product
from ipchain.registry.signing import PublicKey, SignatureError

from . import forms


def member_of(kind: str):
    """Only members of a `kind` organisation; the view gets it as `org`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            org = organisation_of(request.user)
            if org is None or org.kind != kind:
                raise PermissionDenied
            return view(request, org, *args, **kwargs)

        return wrapped

    return decorator


brand_only = member_of(Organisation.Kind.BRAND)
office_only = member_of(Organisation.Kind.OFFICE)


@login_required
def home(request):
    org = organisation_of(request.user)
    if org is None:
        return redirect("admin:index") if request.user.is_staff else render(request, "portal/no_org.html")
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
    """Customs alerts about the brand's items, when the verifier app is installed."""
    try:
        from verifier.models import Alert
    except ImportError:
        return []
    return Alert.objects.filter(brand=org).order_by("-created_at")


@brand_only
def alerts(request, org):
    page = Paginator(_alerts(org), 50).get_page(request.GET.get("page"))
    return render(request, "portal/alerts.html", {"org": org, "page": page})


@brand_only
def products(request, org):
    form = forms.ProductForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = catalogue.create_product(actor=request.user, brand=org, **form.cleaned_data)
        except RegistryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Product %(name)s added.") % {"name": product.name})
            return redirect("portal:product", gtin=product.gtin)
    rows = Product.objects.filter(brand=org).annotate(n_items=Count("items"))
    return render(request, "portal/products.html", {"org": org, "products": rows, "form": form})


@brand_only
def product(request, org, gtin):
    product = get_object_or_404(Product, brand=org, gtin=gtin)
    guide = forms.ProductGuideForm(instance=product)
    item_form = forms.ItemForm()
    photo_form = forms.ProductPhotoForm()
    if request.method == "POST" and "photo" in request.FILES:
        photo_form = forms.ProductPhotoForm(request.POST, request.FILES)
        if photo_form.is_valid():
            catalogue.add_photo(actor=request.user, product=product, **photo_form.cleaned_data)
            messages.success(request, _("Photo added to the identification guide."))
            return redirect("portal:product", gtin=product.gtin)
    elif request.method == "POST" and "register" in request.POST:
        item_form = forms.ItemForm(request.POST)
        if item_form.is_valid():
            try:
                item = item_services.register_item(
                    actor=request.user, brand=org, gtin=product.gtin, **item_form.cleaned_data
                )
            except RegistryError as exc:
                item_form.add_error(None, str(exc))
            else:
                messages.success(request, _("Item %(serial)s registered.") % {"serial": item.serial})
                return redirect("portal:item", gtin=product.gtin, serial=item.serial)
    elif request.method == "POST":
        guide = forms.ProductGuideForm(request.POST, request.FILES, instance=product)
        if guide.is_valid():
            guide.save()
            messages.success(request, _("Identification guide saved."))
            return redirect("portal:product", gtin=product.gtin)
    recent = product.items.order_by("-id")[:20]
    return render(
        request,
        "portal/product.html",
        {
            "org": org,
            "product": product,
            "guide": guide,
            "item_form": item_form,
            "recent": recent,
            "photo_form": photo_form,
        },
    )


@brand_only
def items(request, org):
    rows = (
        Item.objects.filter(Q(product__brand=org) | Q(owner=org))
        .select_related("product", "registration_entry")
        .order_by("-id")
    )
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
        Item.objects.select_related("product", "key", "owner", "registration_entry").filter(
            Q(product__brand=org) | Q(owner=org)
        ),
        product__gtin=gtin,
        serial=serial,
    )
    form = forms.EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item_services.record_event(
                actor=request.user, item=item, kind=form.cleaned_data["event"], details=form.details()
            )
        except RegistryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Event recorded in the ledger."))
            return redirect("portal:item", gtin=gtin, serial=serial)
    history = item_services.item_history(item)
    return render(
        request,
        "portal/item.html",
        {
            "org": org,
            "item": item,
            "history": history,
            "form": form,
            "label_uri": item_services.label_uri(item),
        },
    )


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
        except RegistryError as exc:
            form.add_error("file", str(exc))
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
    return render(request, "portal/bulk_job.html", {"org": org, "job": job})


@brand_only
def key_list(request, org):
    form = forms.KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _create_or_rotate_key(request, org, form.cleaned_data["public_pem"].strip())
        except (RegistryError, SignatureError, PermissionDenied) as exc:
            form.add_error(None, str(exc) or _("You may not manage keys."))
        else:
            messages.success(request, _("Key registered in the ledger."))
            return redirect("portal:keys")
    return render(
        request,
        "portal/keys.html",
        {
            "org": org,
            "keys": org.keys.order_by("-created_at"),
            "form": form,
            "revoke_form": forms.RevokeForm(),
        },
    )


def _create_or_rotate_key(request, org, pem: str):
    from ipchain.accounts.roles import require

    require(request.user, "registry.manage_keys", org)
    public_key = PublicKey.from_pem(pem) if pem else None
    if org.keys.filter(status=OrgKey.Status.ACTIVE).exists():
        return keys.rotate_key(organisation=org, public_key=public_key)
    if public_key is None:
        return keys.create_node_key(organisation=org)
    return keys.register_holder_key(organisation=org, public_key=public_key)


@require_POST
@brand_only
def key_revoke(request, org, kid):
    from ipchain.accounts.roles import require

    key = get_object_or_404(OrgKey, organisation=org, kid=kid)
    form = forms.RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A revocation needs a reason."))
        return redirect("portal:keys")
    try:
        require(request.user, "registry.manage_keys", org)
        keys.revoke_key(
            key=key, reason=form.cleaned_data["reason"], effective_at=form.cleaned_data["effective_at"]
        )
    except (RegistryError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("You may not manage keys."))
    else:
        messages.success(request, _("Key %(kid)s revoked.") % {"kid": kid})
    return redirect("portal:keys")


@brand_only
def label_list(request, org):
    form = forms.LabelJobForm(request.POST or None)
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
        except RegistryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Labels are being made; this page shows their progress."))
            return redirect("portal:labels")
    return render(
        request,
        "portal/labels.html",
        {"org": org, "form": form, "jobs": LabelJob.objects.filter(brand=org)[:20]},
    )


# --- the office ---------------------------------------------------------------------------


@office_only
def holders(request, org):
    form = forms.HolderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            holder = _create_holder(request, d)
        except (RegistryError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(name)s added; admit it when its rights are checked.") % {"name": holder.name}
            )
            return redirect("portal:holders")
    rows = (
        Organisation.objects.filter(kind=Organisation.Kind.BRAND)
        .prefetch_related("ip_rights")
        .annotate(n_items=Count("products__items"))
    )
    return render(
        request,
        "portal/holders.html",
        {"org": org, "holders": rows, "form": form, "decision_form": forms.DecisionForm()},
    )


def _create_holder(request, d):
    from django.db import IntegrityError, transaction

    from ipchain.accounts.roles import require
    from ipchain.registry.st3 import is_st3_code

    require(request.user, "accounts.add_organisation")
    if not is_st3_code(d["country"].upper()):
        raise RegistryError("bad_country", _("%(code)s is not a WIPO ST.3 code") % {"code": d["country"]})
    nice = [int(c) for c in d["right_nice"].replace(",", " ").split() if c.isdigit()]
    try:
        with transaction.atomic():
            holder = Organisation.objects.create(
                kind=Organisation.Kind.BRAND,
                slug=d["slug"],
                name=d["name"],
                country=d["country"].upper(),
                contact_email=d["contact_email"],
            )
            admission.add_ip_right(
                holder=holder,
                kind=d["right_kind"],
                office=d["right_office"],
                registration_number=d["right_number"],
                nice_classes=nice,
            )
    except IntegrityError:
        raise RegistryError("duplicate_slug", _("That identifier is taken.")) from None
    return holder


@require_POST
@office_only
def holder_decision(request, org, slug):
    holder = get_object_or_404(Organisation, kind=Organisation.Kind.BRAND, slug=slug)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        try:
            admission.decide(actor=request.user, holder=holder, **form.cleaned_data)
        except (RegistryError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Decision recorded in the ledger."))
    return redirect("portal:holders")
