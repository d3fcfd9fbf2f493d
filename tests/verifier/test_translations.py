"""Every user-facing string of the verifier (pages, offline page and its script's
messages, case pages, verdict reasons, the portal's case page) is translated in each
catalogue, and the compiled catalogues the app loads are the ones committed."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

from ipchain.ledger import log
from ipchain.registry import items
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fr", "es", "ru", "ar", "zh_Hans"]
VERIFIER_SOURCES = (
    "verifier/",
    "templates/verifier/",
    "templates/portal/cases.html",
    "ipchain/portal/case_views.py",
)


def verifier_msgids() -> set[str]:
    """The msgids the English catalogue lists as coming from the verifier's sources."""
    text = (ROOT / "locale/en/LC_MESSAGES/django.po").read_text()
    found = set()
    for block in text.split("\n\n"):
        lines = block.splitlines()
        places = " ".join(line[3:] for line in lines if line.startswith("#: "))
        if not any(source in places for source in VERIFIER_SOURCES):
            continue
        msgid, inside = [], False
        for line in lines:
            if line.startswith("msgid "):
                inside = True
                msgid.append(line[6:])
            elif inside and line.startswith('"'):
                msgid.append(line)
            else:
                inside = False if line.startswith("msg") else inside
        found.add("".join(ast.literal_eval(part) for part in msgid))
    return found


def test_the_verifier_has_strings_to_translate():
    msgids = verifier_msgids()
    assert len(msgids) > 100
    assert "Offline: signature valid, status not checked" in msgids
    assert "the label's signature is not the one registered for this item" in msgids  # a reason


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_verifier_string_is_translated_in_the_compiled_catalogue(lang):
    with open(ROOT / f"locale/{lang}/LC_MESSAGES/django.mo", "rb") as f:
        catalogue = gettext.GNUTranslations(f)._catalog
    untranslated = sorted(m for m in verifier_msgids() if not catalogue.get(m))
    assert untranslated == []
    # Placeholders survive translation (a missing one breaks the page or the script).
    for msgid in verifier_msgids():
        names = sorted(re.findall(r"%%?\((\w+)\)s", msgid))
        assert sorted(re.findall(r"%%?\((\w+)\)s", catalogue[msgid])) == names, (lang, msgid)


@pytest.mark.django_db
def test_a_forged_verdict_with_its_reasons_in_arabic(client):
    brand = factories.brand("acme")
    product = factories.product(brand)
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="L1"
    )
    log.integrate_pending()
    uri = items.label_uri(item)
    forged = re.sub(r"s=[^&]+", "s=" + "A" * 86, uri)
    response = client.get(forged, HTTP_ACCEPT_LANGUAGE="ar")
    html = response.content.decode()
    assert 'dir="rtl"' in html
    with translation.override("ar"):
        label = translation.gettext("Forged label")
        reason = translation.gettext("the label's signature is not the one registered for this item")
    assert label != "Forged label" and f'class="verdict-word">{label}<' in html
    assert reason != "the label's signature is not the one registered for this item" and reason in html
    assert "signature is not" not in html  # no English reason left


@pytest.mark.django_db
def test_the_offline_page_in_arabic_carries_the_scripts_messages(client):
    factories.office()
    html = client.get("/verify/offline/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'data-valid="دون اتصال: التوقيع صالح، ولم يُتحقَّق من الحالة"' in html
    assert "%(issued)s" in html and "%%" not in html  # placeholders for offline.js, unescaped
    assert "Offline:" not in html
