"""The admin: every model is there, every change list and change page renders for a superuser,
and the ledger's rows (and what the registry signed into it) cannot be added, changed or
deleted there."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from ipchain.accounts import invitations
from ipchain.accounts.models import CustomsOffice, Role
from ipchain.enforcement import applications, mandates, portfolio, risk_alerts
from ipchain.enforcement.models import ExpiryReminder
from ipchain.federation.models import (
    Cosignature,
    MirroredCheckpoint,
    MirroredEntry,
    MirroredProduct,
    MirroredTile,
    Peer,
    SplitViewEvidence,
    WitnessedHead,
)
from ipchain.ledger import log
from ipchain.ledger.audit import audit_log
from ipchain.ledger.logkey import log_verifier
from ipchain.ledger.models import SignedCheckpoint
from ipchain.operations.models import CaptureJob, CaseReminder, FailedTask
from ipchain.registry import items, rights, rule_runs
from ipchain.registry.models import BulkJob, LabelJob, ProductImage, RenewalReminder
from tests import factories
from verifier import cases
from verifier.models import CasePhoto, Scan, StatusChange

pytestmark = pytest.mark.django_db

# Every model of these apps must be in the admin, and the fixture below gives each a row.
COVERED_APPS = {"accounts", "ledger", "registry", "federation", "verifier", "operations", "enforcement"}
LEDGER_MODELS = ["ledger.logentry", "ledger.hashtile", "ledger.signedcheckpoint", "ledger.auditrun"]


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.org", "x-test-pass")


@pytest.fixture
def staff_client(client, superuser, django_capture_on_commit_callbacks):
    """A superuser, and at least one row of every model in the admin."""
    org = factories.brand("acme")
    product = factories.product(org)
    ProductImage.objects.create(product=product, image="products/jacket.png", caption="front")
    admin_user = factories.brand_admin(org)
    item = items.register_item(actor=admin_user, brand=org, gtin=product.gtin, serial="A1")
    items.record_event(actor=admin_user, item=item, kind="shipped")
    nl_customs = factories.customs("nl-customs")
    CustomsOffice.objects.create(authority=nl_customs, name="Rotterdam", latitude=51.95, longitude=4.03)
    officer = factories.user(nl_customs, Role.CUSTOMS_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.open_case(actor=officer, goods="Jackets", quantity=1, item=item)
    CasePhoto.objects.create(case=case, image="cases/photo.jpg", caption="pallet")
    Scan.objects.create(code="(01)x", gtin=product.gtin, serial="A1", verdict="genuine", item=item)
    StatusChange.objects.create(item=item, gtin=product.gtin, serial=item.serial, status="recalled")
    BulkJob.objects.create(
        brand=org, created_by=admin_user, upload="bulk/rows.csv", file_name="rows.csv", file_format="csv"
    )
    LabelJob.objects.create(brand=org, created_by=admin_user, file_format="pdf")
    invitations.invite(actor=admin_user, organisation=org, email="new@acme.example", role=Role.BRAND_OPERATOR)
    log.integrate_pending()
    audit_log(verifier=log_verifier())
    checkpoint = SignedCheckpoint.objects.latest()
    peer = Peer.objects.create(
        name="peer-b", origin="b.example/log", log_vkey="b.example/log+00000000+AA", url="http://b.example/"
    )
    WitnessedHead.objects.create(peer=peer, tree_size=3, root_hash=b"\0" * 32, note="b.example/log\n3\n")
    Cosignature.objects.create(
        checkpoint=checkpoint, witness=peer, line="— b.example/witness AAAA\n", timestamp=1
    )
    MirroredCheckpoint.objects.create(
        peer=peer, tree_size=3, root_hash=b"\0" * 32, signed_size=3, note="n", cosignatures=0
    )
    MirroredTile.objects.create(peer=peer, level=0, index=0, hashes=b"\0" * 96)
    MirroredEntry.objects.create(
        peer=peer, leaf_index=0, body=b'{"type":"x"}', leaf_hash=b"\0" * 32, kind="x"
    )
    MirroredProduct.objects.create(peer=peer, brand="acme", gtin="09506000134352")
    SplitViewEvidence.objects.create(
        peer=peer,
        seen_by="mirror",
        reason="root_mismatch",
        first_size=3,
        first_note="a",
        second_size=3,
        second_note="b",
    )
    FailedTask.objects.create(
        task_name="ipchain.ledger.tasks.integrate_pending", task_id="t1", exception_type="OperationalError"
    )
    CaseReminder.objects.create(case=case, clock="notify", due=case.notify_by, stage="due_soon")
    CaptureJob.objects.create(capture_id="c1", organisation=org, created_by=admin_user, events=1, captured=1)
    Token.objects.create(user=admin_user)
    right = org.ip_rights.get()
    rights.grant_licence(actor=admin_user, right=right, licensee=factories.brand("lic"), territory=["FR"])
    rule_runs.run_rules()
    RenewalReminder.objects.create(right=right, expiry=right.expiry_date, stage=180)
    application = applications.file_application(
        actor=admin_user,
        holder=org,
        competent_authority=nl_customs,
        rights=[right],
        contact_name="Jane",
        contact_email="jane@acme.example",
        liability_undertaking=True,
    )
    ExpiryReminder.objects.create(application=application, valid_until=right.expiry_date, stage=30)
    portfolio.share(actor=admin_user, holder=org, authority=nl_customs)
    firm = mandates.create_representative(
        actor=factories.office_admin(), name="Brandguard", slug="brandguard", country="NL"
    )
    mandates.grant(actor=admin_user, holder=org, representative=firm)
    portfolio.record_view(user=officer, product=product)
    risk_alerts.post_alert(
        actor=admin_user,
        holder=org,
        kind="route",
        title="Fake jackets via Hamburg",
        authorities=[nl_customs],
        ends=timezone.now().date() + timedelta(days=30),
    )
    client.force_login(superuser)
    return client


def registered():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


def test_every_model_of_the_project_is_in_the_admin():
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in COVERED_APPS and m not in admin.site._registry
    ]
    assert missing == []


@pytest.mark.parametrize("model", registered(), ids=lambda m: m._meta.label)
def test_every_change_list_and_a_change_page_render(staff_client, model):
    meta = model._meta
    changelist = staff_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    searched = staff_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"), {"q": "1"})
    assert searched.status_code == 200
    row = model.objects.first()
    if row is None:
        assert meta.app_label not in COVERED_APPS, f"the fixture has no {meta.label} row"
        return  # another app's model the fixture does not know how to make
    change = staff_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk]))
    assert change.status_code == 200


@pytest.mark.parametrize("label", LEDGER_MODELS)
def test_ledger_rows_cannot_be_added_changed_or_deleted(staff_client, label):
    model = apps.get_model(label)
    meta = model._meta
    row = model.objects.first()
    name = f"admin:{meta.app_label}_{meta.model_name}"
    assert staff_client.get(reverse(f"{name}_add")).status_code == 403
    change_url = reverse(f"{name}_change", args=[row.pk])
    page = staff_client.get(change_url)
    assert page.status_code == 200  # shown, read-only
    assert b'name="_save"' not in page.content
    assert staff_client.post(change_url, {}).status_code == 403
    assert staff_client.get(reverse(f"{name}_delete", args=[row.pk])).status_code == 403
    deleted = staff_client.post(
        reverse(f"{name}_changelist"), {"action": "delete_selected", "_selected_action": [row.pk]}
    )
    assert model.objects.filter(pk=row.pk).exists()
    assert deleted.status_code in (200, 302)


def test_signed_registry_rows_cannot_be_added_in_the_admin(staff_client):
    assert staff_client.get("/admin/registry/item/add/").status_code == 403
    assert staff_client.get("/admin/registry/itemevent/add/").status_code == 403
    assert staff_client.get("/admin/verifier/scan/add/").status_code == 403
