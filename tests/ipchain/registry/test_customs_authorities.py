"""The office stands up customs authorities through the product, not the Django admin: each
comes with its signing key admitted in the log, its customs offices and positions, a first
supervisor by invitation, who invites the officers; the same by API and by command."""

import json
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from ipchain.accounts.models import CustomsOffice, Invitation, Membership, Organisation, Role
from ipchain.ledger.models import LogEntry
from ipchain.registry.models import OrgKey
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a long-enough pass phrase 42"


def link_in(message) -> str:
    return re.search(r"https?://\S+(/accounts/invitation/\S+/)", message.body).group(1)


def accept(client, path, username):
    client.logout()
    done = client.post(path, {"username": username, "password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302, done.content.decode()[:2000]
    return Membership.objects.get(user__username=username)


def test_the_office_adds_an_authority_its_office_and_first_supervisor_who_invites_an_officer(client):
    client.force_login(factories.office_admin())
    page = client.get("/portal/office/customs/")
    assert page.status_code == 200 and "Add a customs authority" in page.content.decode()

    added = client.post("/portal/office/customs/", {"name": "Douane Rotterdam", "country": "NL"}, follow=True)
    assert "added, with its signing key" in added.content.decode()
    authority = Organisation.objects.get(kind="customs")
    assert (authority.slug, authority.status) == ("douane-rotterdam", "admitted")
    key = authority.keys.get()
    assert key.status == OrgKey.Status.ACTIVE and key.custody == OrgKey.Custody.NODE
    record = json.loads(bytes(LogEntry.objects.get(pk=key.registration_entry_id).body))
    assert (record["type"], record["org"], record["key"]["kid"]) == (
        "key.registered",
        authority.slug,
        key.kid,
    )

    client.post(
        "/portal/customs/douane-rotterdam/offices/",
        {"name": "Rotterdam Maasvlakte", "code": "nl000396", "latitude": "51.95", "longitude": "4.03"},
    )
    office = CustomsOffice.objects.get(authority=authority)
    assert (office.code, office.latitude, office.longitude) == ("NL000396", 51.95, 4.03)
    page = client.get("/portal/office/customs/").content.decode()
    assert "Rotterdam Maasvlakte" in page and "Invite its first supervisor" in page

    client.post(
        "/portal/office/customs/douane-rotterdam/invite/",
        {"email": "chief@douane.example", "customs_office": str(office.pk)},
    )
    (message,) = mail.outbox
    supervisor = accept(client, link_in(message), "chief")
    assert (supervisor.organisation, supervisor.role) == (authority, Role.CUSTOMS_SUPERVISOR)
    assert (supervisor.customs_office, supervisor.latitude, supervisor.longitude) == (
        "Rotterdam Maasvlakte",
        51.95,
        4.03,
    )

    # The supervisor runs the team: an officer at one of the authority's offices.
    client.force_login(supervisor.user)
    team = client.get("/portal/team/").content.decode()
    assert "Customs offices" in team and "Works at" in team
    client.post(
        "/portal/team/",
        {"email": "ana@douane.example", "role": Role.CUSTOMS_OFFICER, "customs_office": office.pk},
    )
    officer = accept(client, link_in(mail.outbox[1]), "ana")
    assert (officer.role, officer.customs_office, officer.latitude) == (
        Role.CUSTOMS_OFFICER,
        "Rotterdam Maasvlakte",
        51.95,
    )
    # An officer neither manages the team nor adds offices.
    client.force_login(officer.user)
    assert client.get("/portal/team/").status_code == 403
    client.post("/portal/customs/douane-rotterdam/offices/", {"name": "Schiphol"})
    assert authority.customs_offices.count() == 1


def test_a_supervisor_adds_offices_to_its_own_authority_only(client):
    mine, theirs = factories.customs("mine"), factories.customs("theirs")
    supervisor = factories.user(mine, Role.CUSTOMS_SUPERVISOR)
    client.force_login(supervisor)
    client.post("/portal/customs/mine/offices/", {"name": "Venlo"})
    client.post("/portal/customs/theirs/offices/", {"name": "Venlo"})
    assert list(CustomsOffice.objects.values_list("authority__slug", flat=True)) == ["mine"]
    # Nor does it invite into another authority, or invite to an office of another authority.
    other_office = CustomsOffice.objects.create(authority=theirs, name="Emmerich")
    client.post(
        "/portal/team/",
        {"email": "x@y.example", "role": Role.CUSTOMS_OFFICER, "customs_office": other_office.pk},
    )
    assert not Invitation.objects.exists()
    assert client.get("/portal/office/customs/").status_code == 403


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"name": "Port", "latitude": "91", "longitude": "4"}, "less than or equal to 90"),
        ({"name": "Port", "latitude": "51"}, "Give both latitude and longitude, or neither."),
        ({"name": "Port", "latitude": "nan", "longitude": "4"}, "Enter a number."),
        ({"name": "Port\x00", "latitude": "", "longitude": ""}, "Null characters are not allowed."),
        ({"name": "Port", "code": "12345"}, "reference number is 2 letters"),
    ],
)
def test_a_bad_customs_office_is_refused_in_words_and_nothing_is_written(client, fields, error):
    factories.customs("nl")
    client.force_login(factories.office_admin())
    page = client.post("/portal/customs/nl/offices/", fields, follow=True)
    assert page.status_code == 200
    assert error in page.content.decode()
    assert not CustomsOffice.objects.exists()


def test_only_the_office_adds_customs_authorities(client):
    brand = factories.brand("acme")
    client.force_login(factories.brand_admin(brand))
    assert client.get("/portal/office/customs/").status_code == 403
    denied = client.post(
        "/api/v1/customs-authorities", {"name": "Fake", "country": "NL"}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert not Organisation.objects.filter(kind="customs").exists()


def test_the_api_adds_an_authority_an_office_and_invites_its_supervisor(client):
    client.force_login(factories.office_admin())
    made = client.post(
        "/api/v1/customs-authorities",
        {"name": "Zoll Hamburg", "country": "DE", "slug": "zoll-hh"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    assert made.json()["key_id"] == Organisation.objects.get(slug="zoll-hh").keys.get().kid
    again = client.post(
        "/api/v1/customs-authorities",
        {"name": "Other", "country": "DE", "slug": "zoll-hh"},
        content_type="application/json",
    )
    assert (again.status_code, again.json()["error"]["reason"]) == (409, "duplicate_slug")
    bad_country = client.post(
        "/api/v1/customs-authorities", {"name": "X", "country": "QQ"}, content_type="application/json"
    )
    assert (bad_country.status_code, bad_country.json()["error"]["reason"]) == (400, "bad_country")

    post = {"name": "Waltershof", "latitude": 53.53, "longitude": 9.93}
    office = client.post("/api/v1/customs-authorities/zoll-hh/offices", post, content_type="application/json")
    assert office.status_code == 201 and office.json()["customs_offices"][0]["latitude"] == 53.53
    twice = client.post("/api/v1/customs-authorities/zoll-hh/offices", post, content_type="application/json")
    assert (twice.status_code, twice.json()["error"]["reason"]) == (409, "duplicate_customs_office")
    for bad in (
        {"name": "A", "latitude": 100, "longitude": 0},
        {"name": ["A"]},
        {"name": "A", "latitude": "x"},
    ):
        refused = client.post(
            "/api/v1/customs-authorities/zoll-hh/offices", bad, content_type="application/json"
        )
        assert refused.status_code == 400, bad

    invited = client.post(
        "/api/v1/invitations",
        {
            "organisation": "zoll-hh",
            "email": "chef@zoll.example",
            "role": "customs_supervisor",
            "customs_office": "Waltershof",
        },
        content_type="application/json",
    )
    assert invited.status_code == 201, invited.json()
    assert invited.json()["emailed"] is True and "/accounts/invitation/" in invited.json()["link"]
    assert Invitation.objects.get().customs_office.name == "Waltershof"
    wrong = client.post(
        "/api/v1/invitations",
        {
            "organisation": "zoll-hh",
            "email": "b@zoll.example",
            "role": "customs_officer",
            "customs_office": "Nowhere",
        },
        content_type="application/json",
    )
    assert (wrong.status_code, wrong.json()["error"]["reason"]) == (400, "wrong_customs_office")
    # The office invites an authority's supervisors only, not its officers directly.
    officer = client.post(
        "/api/v1/invitations",
        {
            "organisation": "zoll-hh",
            "email": "c@zoll.example",
            "role": "customs_officer",
            "customs_office": "Waltershof",
        },
        content_type="application/json",
    )
    assert officer.status_code == 403


def test_the_commands_do_the_same_for_automation():
    factories.office()
    out, err = StringIO(), StringIO()
    call_command(
        "ipchain_add_customs_authority", "--name", "Douane Lille", "--country", "fr", stdout=out, stderr=err
    )
    slug = out.getvalue().strip()
    assert slug == "douane-lille" and "signing key" in err.getvalue()
    assert Organisation.objects.get(slug=slug).keys.get().registration_entry_id is not None
    call_command(
        "ipchain_add_customs_office",
        "--authority",
        slug,
        "--name",
        "Lille Lesquin",
        "--latitude",
        "50.57",
        "--longitude",
        "3.1",
        stdout=StringIO(),
    )
    with pytest.raises(CommandError, match="latitude"):
        call_command(
            "ipchain_add_customs_office",
            "--authority",
            slug,
            "--name",
            "X",
            "--latitude",
            "95",
            "--longitude",
            "0",
        )
    with pytest.raises(CommandError, match="no customs authority"):
        call_command("ipchain_add_customs_office", "--authority", "nope", "--name", "X")

    out = StringIO()
    call_command(
        "ipchain_invite",
        "boss@douane.example",
        "--org",
        slug,
        "--role",
        "customs_supervisor",
        "--customs-office",
        "Lille Lesquin",
        stdout=out,
        stderr=StringIO(),
    )
    assert re.fullmatch(r"https://\S+/accounts/invitation/\S+/", out.getvalue().strip())
    assert Invitation.objects.get().invited_by is None

    call_command(
        "ipchain_adduser",
        "marc",
        "--org",
        slug,
        "--role",
        "customs_officer",
        "--password",
        PASSWORD,
        "--customs-office",
        "Lille Lesquin",
        stdout=StringIO(),
    )
    marc = Membership.objects.get(user__username="marc")
    assert (marc.customs_office, marc.latitude, marc.longitude) == ("Lille Lesquin", 50.57, 3.1)
    with pytest.raises(CommandError, match="has no customs office 'Calais'"):
        call_command(
            "ipchain_adduser",
            "paul",
            "--org",
            slug,
            "--role",
            "customs_officer",
            "--password",
            PASSWORD,
            "--customs-office",
            "Calais",
        )
    assert not Membership.objects.filter(user__username="paul").exists()


def test_an_authority_made_before_keys_came_with_it_is_given_one():
    factories.office()
    old = Organisation.objects.create(
        kind="customs", slug="old-customs", name="Old", country="NL", status="admitted"
    )
    err = StringIO()
    call_command(
        "ipchain_add_customs_authority", "--slug", "old-customs", "--key", stdout=StringIO(), stderr=err
    )
    key = old.keys.get()
    assert key.status == OrgKey.Status.ACTIVE and key.registration_entry_id is not None
    assert "gave customs authority Old signing key" in err.getvalue()
    with pytest.raises(CommandError, match="already has an active signing key"):
        call_command("ipchain_add_customs_authority", "--slug", "old-customs", "--key", stderr=StringIO())
    with pytest.raises(CommandError, match="give --name and --country"):
        call_command("ipchain_add_customs_authority", "--name", "X")


def test_a_customs_role_in_the_office_is_refused_with_the_way_to_do_it():
    office = factories.office()
    # In English whatever language is active in the process (a command speaks to operators).
    with (
        translation.override("fr"),
        pytest.raises(CommandError, match=r"belongs to a Customs authority .*ipchain_add_customs_authority"),
    ):
        call_command(
            "ipchain_adduser", "x", "--org", office.slug, "--role", "customs_officer", "--password", PASSWORD
        )


def test_a_corrected_position_moves_the_office_and_its_officers_from_now_on(client):
    authority = factories.customs("nl")
    office = CustomsOffice.objects.create(authority=authority, name="Venlo", latitude=10.0, longitude=10.0)
    officer = factories.user(authority, Role.CUSTOMS_OFFICER)
    Membership.objects.filter(user=officer).update(customs_office="Venlo", latitude=10.0, longitude=10.0)
    elsewhere = factories.user(authority, Role.CUSTOMS_OFFICER)
    client.force_login(factories.office_admin())
    page = client.get("/portal/office/customs/").content.decode()
    assert "Correct the position" in page
    url = f"/portal/customs/nl/offices/{office.pk}/position/"
    refused = client.post(url, {"latitude": "51.37", "longitude": "999"}, follow=True)
    assert "less than or equal to 180" in refused.content.decode()
    client.post(url, {"latitude": "51.37", "longitude": "6.17"})
    office.refresh_from_db()
    assert (office.latitude, office.longitude) == (51.37, 6.17)
    assert Membership.objects.get(user=officer).latitude == 51.37
    assert Membership.objects.get(user=elsewhere).latitude is None  # not posted there
    # An officer of the authority may not move it; another authority's office is not found.
    client.force_login(officer)
    client.post(url, {"latitude": "0", "longitude": "0"})
    office.refresh_from_db()
    assert office.latitude == 51.37
    other = factories.customs("be")
    client.force_login(factories.user(other, Role.CUSTOMS_SUPERVISOR))
    assert (
        client.post(
            f"/portal/customs/be/offices/{office.pk}/position/", {"latitude": "0", "longitude": "0"}
        ).status_code
        == 404
    )


def announcements() -> list[dict]:
    rows = LogEntry.objects.filter(kind="org.admitted").values_list("body", flat=True)
    return [r for r in (json.loads(bytes(b)) for b in rows) if r.get("kind") == "customs"]


def test_an_authority_is_announced_in_the_log_for_peer_offices_and_older_ones_by_command():
    factories.office()
    call_command("ipchain_add_customs_authority", name="Douane Rotterdam", country="NL", stdout=StringIO())
    (announced,) = announcements()
    assert (announced["org"], announced["name"], announced["country"]) == (
        "douane-rotterdam",
        "Douane Rotterdam",
        "NL",
    )
    older = factories.customs("older-customs")  # made as before announcements existed
    out = StringIO()
    call_command("ipchain_add_customs_authority", announce=True, stdout=out)
    assert out.getvalue().strip() == "announced 1: older-customs"
    assert sorted(a["org"] for a in announcements()) == ["douane-rotterdam", older.slug]
    again = StringIO()
    call_command("ipchain_add_customs_authority", announce=True, stdout=again)
    assert again.getvalue().strip() == "announced 0: none"
