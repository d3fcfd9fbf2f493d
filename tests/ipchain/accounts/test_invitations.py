"""People join by invitation: the office invites a rights holder's first administrator, the
holder's administrator invites its staff, each chooses their own password through a link
that works once, until it expires; nobody invites beyond their role."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ipchain.accounts import invitations
from ipchain.accounts.models import Invitation, Organisation, Role
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a long-enough pass phrase 42"


def link_in(message) -> str:
    return re.search(r"https?://\S+(/accounts/invitation/\S+/)", message.body).group(1)


def test_the_office_invites_a_holders_first_administrator_who_signs_in_with_their_own_password(client):
    holder = factories.brand("acme", node_key=False)
    assert not holder.members.exists()
    client.force_login(factories.office_admin())
    page = client.get("/portal/office/holders/").content.decode()
    assert "Invite its first administrator" in page
    response = client.post("/portal/office/holders/acme/invite/", {"email": "Ops@Acme.example"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["ops@acme.example"] and "Acme" in message.subject
    path = link_in(message)
    # The inviter sees the link once, to pass on if the e-mail is lost.
    page = client.get("/portal/office/holders/").content.decode()
    assert path in page
    assert path not in client.get("/portal/office/holders/").content.decode()
    # Only a hash of the secret is stored.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in str(Invitation.objects.values_list().get())

    client.logout()
    form = client.get(path)
    assert form.status_code == 200 and "Join Acme" in form.content.decode()
    weak = client.post(path, {"username": "ops", "password1": "123", "password2": "123"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    differ = client.post(path, {"username": "ops", "password1": PASSWORD, "password2": PASSWORD + "!"})
    assert "The two passwords differ." in differ.content.decode()
    assert not get_user_model().objects.filter(username="ops").exists()
    done = client.post(
        path, {"username": "ops", "first_name": "Olga", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert done.status_code == 302
    user = get_user_model().objects.get(username="ops")
    assert (user.email, user.membership.organisation, user.membership.role) == (
        "ops@acme.example",
        holder,
        Role.BRAND_ADMIN,
    )
    assert client.get("/portal/keys/").status_code == 200  # signed in, as the holder's admin
    # The link worked once.
    client.logout()
    assert client.get(path).status_code == 410
    assert (
        client.post(path, {"username": "x", "password1": PASSWORD, "password2": PASSWORD}).status_code == 410
    )


def test_a_holders_administrator_invites_staff_and_an_operator_cannot(client):
    holder = factories.brand("acme")
    admin = factories.brand_admin(holder)
    client.force_login(admin)
    page = client.get("/portal/team/").content.decode()
    role_menu = re.search(r'<select name="role".*?</select>', page, re.S).group(0)
    assert 'value="brand_operator"' in role_menu and 'value="office_admin"' not in role_menu
    client.post("/portal/team/", {"email": "line@acme.example", "role": "brand_operator"})
    invitation = Invitation.objects.get()
    assert (invitation.organisation, invitation.role) == (holder, Role.BRAND_OPERATOR)
    assert "line@acme.example" in client.get("/portal/team/").content.decode()
    # Invited again: the first link stops working, the new one works.
    first = link_in(mail.outbox[0])
    client.post("/portal/team/", {"email": "line@acme.example", "role": "brand_operator"})
    assert invitations.pending(first.rstrip("/").rsplit("/", 1)[1]) is None
    # A role it may not give is refused by the form and by the service.
    refused = client.post("/portal/team/", {"email": "boss@acme.example", "role": "office_admin"})
    assert refused.status_code == 200 and Invitation.objects.filter(email="boss@acme.example").count() == 0
    other = factories.brand("beta")
    with pytest.raises(PermissionDenied):
        invitations.invite(actor=admin, organisation=other, email="x@beta.example", role=Role.BRAND_ADMIN)

    operator = factories.user(holder, Role.BRAND_OPERATOR)
    client.force_login(operator)
    assert 'href="/portal/team/"' not in client.get("/portal/").content.decode()
    assert (
        client.post("/portal/team/", {"email": "z@acme.example", "role": "brand_operator"}).status_code == 403
    )
    with pytest.raises(PermissionDenied):
        invitations.invite(
            actor=operator, organisation=holder, email="z@acme.example", role=Role.BRAND_OPERATOR
        )


def test_a_withdrawn_or_expired_invitation_no_longer_works(client):
    holder = factories.brand("acme")
    admin = factories.brand_admin(holder)
    invitation, path, sent = invitations.invite(
        actor=admin, organisation=holder, email="a@acme.example", role=Role.BRAND_OPERATOR
    )
    assert sent
    client.force_login(admin)
    assert client.post(f"/portal/team/invitations/{invitation.pk}/withdraw/").status_code == 302
    client.logout()
    assert client.get(path).status_code == 410
    invitation, path, _ = invitations.invite(
        actor=admin, organisation=holder, email="b@acme.example", role=Role.BRAND_OPERATOR
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(path).status_code == 410
    assert client.get("/accounts/invitation/not-a-real-token-at-all-really/").status_code == 410


def test_a_taken_user_name_is_a_form_error_and_the_invitation_stays_good(client):
    holder = factories.brand("acme")
    factories.user(holder, Role.BRAND_OPERATOR, username="taken")
    _, path, _ = invitations.invite(
        actor=factories.brand_admin(holder),
        organisation=holder,
        email="n@acme.example",
        role=Role.BRAND_OPERATOR,
    )
    response = client.post(path, {"username": "taken", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200 and "That user name is taken" in response.content.decode()
    assert client.get(path).status_code == 200


def test_an_e_mail_that_cannot_be_sent_leaves_the_link_with_the_inviter(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    holder = factories.brand("acme")
    client.force_login(factories.office_admin())
    client.post("/portal/office/holders/acme/invite/", {"email": "ops@acme.example"})
    page = client.get("/portal/office/holders/").content.decode()
    assert "could not be sent" in page and "/accounts/invitation/" in page
    assert Invitation.objects.get().organisation == holder


def test_customs_staff_have_no_people_page(client):
    client.force_login(factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER))
    assert client.get("/portal/team/").status_code == 403
    assert Organisation.objects.filter(kind="customs").exists()
