"""The verifier speaks the officer's language: from the browser, or chosen on the page."""

import pytest

from ipchain.ledger import log
from ipchain.registry import items
from tests import factories

pytestmark = pytest.mark.django_db

GENUINE = {
    "en": "Genuine",
    "zh-hans": "正品",
    "fr": "Authentique",
    "es": "Auténtico",
    "ru": "Подлинный",
    "ar": "أصلي",
}


@pytest.fixture
def label_path():
    brand = factories.brand("acme")
    product = factories.product(brand)
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="L1"
    )
    log.integrate_pending()
    return items.label_uri(item).split("localhost:8000", 1)[1]


@pytest.mark.parametrize(("lang", "word"), GENUINE.items())
def test_the_verdict_in_each_language_from_the_browser(client, label_path, lang, word):
    html = client.get(label_path, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert f'class="verdict-word">{word}<' in html
    assert ('dir="rtl"' in html) is (lang == "ar")


def test_the_officer_chooses_a_language(client, label_path):
    client.post("/i18n/setlang/", {"language": "fr", "next": "/verify/"})
    assert "Vérifier un article" in client.get("/verify/").content.decode()


def test_why_a_code_cannot_be_read_is_said_in_the_officers_language(client):
    from django.utils import translation

    from verifier.wording import CODE_REASONS as OFFLINE_REASONS

    with translation.override("fr"):
        expected = str(OFFLINE_REASONS["bad_check_digit"])
    with translation.override("en"):
        assert expected != str(OFFLINE_REASONS["bad_check_digit"])  # it is translated at all
    response = client.get("/verify/", {"code": "(01)09506000134353(21)X"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    page = response.content.decode()
    assert expected.replace("'", "&#x27;") in page and "check digit" not in page
