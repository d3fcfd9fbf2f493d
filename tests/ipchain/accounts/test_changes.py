"""What a process keeps for writes (ipchain/accounts/changes.py): read once, read again after
any change committed anywhere. "Elsewhere" here is a change written without this process's
signals, then the counter moved as the other process's commit moves it. The tests commit
(transaction=True): inside a transaction holding uncommitted changes nothing is kept."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ipchain.accounts import changes
from ipchain.accounts.models import ChangeCounter, Membership, Role
from ipchain.accounts.roles import assign_role, require
from ipchain.registry.items import registration_terms
from ipchain.registry.models import OrgKey, Product
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def line():
    """A brand's production line: an API token and a product."""
    brand = factories.brand()
    product = factories.product(brand)
    client = APIClient()
    token = Token.objects.create(user=factories.brand_admin(brand))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return brand, product, client


def register(client, product, serial):
    return client.post("/api/v1/items", {"gtin": product.gtin, "serial": serial}, format="json")


def reason(answer) -> str:
    return answer.json()["error"]["reason"]


def elsewhere(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("UPDATE accounts_changecounter SET value = value + 1 WHERE id = 1")


def test_a_registration_after_the_first_reads_only_the_counter_and_writes(line):
    _brand, product, client = line
    assert register(client, product, "A1").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert register(client, product, "A2").status_code == 201
    # What a registration depends on (the integration that follows on commit reads the log).
    reads = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and any(table in q["sql"] for table in ("accounts_", "registry_", "authtoken_", "auth_"))
    ]
    assert reads == ["SELECT value FROM accounts_changecounter WHERE id = 1"], reads
    writes = [
        q["sql"].split()[2].strip('"') for q in queries if q["sql"].lstrip().upper().startswith("INSERT")
    ]
    assert {"ledger_logentry", "registry_item"} <= set(writes), writes
    assert writes.count("registry_item") == 1 and writes.count("ledger_logentry") == 1


def test_a_key_revoked_elsewhere_stops_the_next_registration(line):
    brand, product, client = line
    assert register(client, product, "B1").status_code == 201
    key = OrgKey.objects.get(organisation=brand, status=OrgKey.Status.ACTIVE)
    with connection.cursor() as cursor:  # revoked, and the counter not yet moved
        cursor.execute("UPDATE registry_orgkey SET status = 'revoked' WHERE id = %s", [key.pk])
    assert register(client, product, "B2").status_code == 201  # what this process keeps
    elsewhere("SELECT 1")  # the other process's commit moves the counter
    answer = register(client, product, "B3")
    assert answer.status_code == 400 and reason(answer) == "no_active_key", answer.content


def test_a_product_given_to_another_brand_elsewhere_is_refused_next(line):
    _brand, product, client = line
    assert register(client, product, "C1").status_code == 201
    other = factories.brand()
    register(client, product, "C2")  # the new brand's saves emptied what was kept: kept again
    elsewhere("UPDATE registry_product SET brand_id = %s WHERE id = %s", other.pk, product.pk)
    answer = register(client, product, "C3")
    assert answer.status_code == 400 and reason(answer) == "unknown_product", answer.content


def test_a_token_deleted_elsewhere_no_longer_signs_in(line):
    _brand, product, client = line
    assert register(client, product, "D1").status_code == 201
    elsewhere("DELETE FROM authtoken_token")
    assert register(client, product, "D2").status_code == 401


def test_a_membership_ended_elsewhere_is_refused_next(line):
    brand, product, client = line
    assert register(client, product, "E1").status_code == 201
    elsewhere("DELETE FROM accounts_membership WHERE organisation_id = %s", brand.pk)
    assert register(client, product, "E2").status_code == 403


def test_a_change_here_is_seen_at_once_without_the_counter(line):
    brand, product, client = line
    assert register(client, product, "F1").status_code == 201
    Membership.objects.filter(organisation=brand).get().delete()  # signals: forgotten here now
    assert register(client, product, "F2").status_code == 403


def test_one_transaction_moves_the_counter_once_when_it_commits():
    brand = factories.brand()
    before = changes.current()
    with transaction.atomic():
        for n in range(3):
            Product.objects.create(brand=brand, gtin=factories.gtin(), name=f"P{n}")
        assert ChangeCounter.objects.get(pk=1).value == before  # not before it commits
    assert ChangeCounter.objects.get(pk=1).value == before + 1


def test_a_transaction_rolled_back_moves_nothing():
    brand = factories.brand()
    before = changes.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        Product.objects.create(brand=brand, gtin=factories.gtin(), name="P")
        raise RuntimeError("rolled back")
    assert ChangeCounter.objects.get(pk=1).value == before


def test_a_flushed_database_counts_again():
    ChangeCounter.objects.all().delete()
    assert changes.current() == 0 and ChangeCounter.objects.get(pk=1).value == 0


def test_a_role_given_then_rolled_back_is_not_kept():
    brand, officer_org = factories.brand(), factories.customs()
    user = factories.user(officer_org, Role.CUSTOMS_OFFICER)
    with pytest.raises(RuntimeError), transaction.atomic():
        Membership.objects.filter(user=user).delete()
        assign_role(user, brand, Role.BRAND_ADMIN)
        require(user, "registry.add_item", brand)  # read inside the transaction: its own rows
        raise RuntimeError("rolled back")
    fresh = get_user_model().objects.get(pk=user.pk)
    with pytest.raises(PermissionDenied):
        require(fresh, "registry.add_item", brand)


def test_nothing_is_kept_from_a_transaction_with_changes_not_committed(line):
    _brand, product, _client = line
    with transaction.atomic():
        Product.objects.filter(pk=product.pk).update(name="Renamed")
        changes.changed()
        with CaptureQueriesContext(connection) as first:
            registration_terms(product.brand, [product.gtin])
        with CaptureQueriesContext(connection) as second:
            registration_terms(product.brand, [product.gtin])
    assert len(first) == len(second) > 0  # read each time, kept never
