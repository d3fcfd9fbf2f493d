"""One navigation a reader: the same links on every page they open, whatever app serves it."""

import re

import pytest

from ipchain.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def nav_links(client, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200, path
    nav = re.search(r'<nav class="nav">(.*?)</nav>', page.content.decode(), re.S).group(1)
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize(
    ("who", "pages", "must"),
    [
        ("brand", ["/portal/", "/portal/items/", "/portal/keys/", "/portal/team/"], "/portal/cases/"),
        (
            "office",
            ["/office/dashboard/", "/portal/office/holders/", "/portal/team/", "/verify/"],
            "/portal/team/",
        ),
        ("supervisor", ["/verify/", "/verify/cases/", "/office/dashboard/"], "/verify/cases/"),
        ("public", ["/", "/verify/"], "/accounts/login/"),
    ],
)
def test_the_navigation_is_the_same_on_every_page(client, who, pages, must):
    users = {
        "brand": lambda: factories.brand_admin(factories.brand("acme")),
        "office": factories.office_admin,
        "supervisor": lambda: factories.user(factories.customs("nl-customs"), Role.CUSTOMS_SUPERVISOR),
    }
    if who in users:
        client.force_login(users[who]())
    first = nav_links(client, pages[0])
    assert must in first
    for path in pages[1:]:
        assert nav_links(client, path) == first, path
