"""Phone-sized screenshots (390 x 844) of the verifier's pages in English and Arabic, and
a check that none of them scrolls sideways at that width or at 360 px. Saved under
$IPCHAIN_SHOTS_DIR when set (e.g. /tmp/shots/verifier), to be looked at."""

import pytest
from selenium.webdriver.common.by import By

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.signing import PrivateKey
from tests import factories
from verifier import cases

from .browser import chrome, keep, phone
from .test_browser_offline import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NO_SIDEWAYS_SCROLL = "return document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def world(settings):
    settings.IPCHAIN_PUBLIC_HOST = "ipo.example"
    brand = factories.brand("acme")
    brand.contact_email, brand.contact_phone = "protect@acme.example", "+31 10 555 0100"
    brand.save()
    product = factories.product(
        brand,
        name="Trail Jacket",
        genuine_features="Woven holographic label inside the collar; serial printed under the code.",
        made_in="Portugal",
    )
    holder = factories.user(brand, Role.BRAND_ADMIN, username="holder")
    item = items.register_item(actor=holder, brand=brand, gtin=product.gtin, serial="SHOT-1")
    log.integrate_pending()
    customs = factories.customs("nl-customs")
    factories.application(brand, customs)  # the case runs under the holder's application
    officer = factories.user(customs, Role.CUSTOMS_OFFICER, username="officer")
    officer.membership.customs_office = "Rotterdam Maasvlakte"
    officer.membership.save()
    case = cases.open_case(
        actor=officer, goods="Trail jackets, blue", quantity=40, item=item, notes="Container MSKU 1234567"
    )
    cases.mark_notified(case)
    gtin = product.gtin
    forger = PrivateKey.generate()
    forged = build_label_uri(
        "ipo.example", gtin, "SHOT-1", item.key.kid, forger.sign(label_message(gtin, "SHOT-1"))
    )
    path = lambda uri: uri.split("ipo.example", 1)[1]  # noqa: E731
    return {"genuine": path(items.label_uri(item)), "forged": path(forged), "case": case}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_verdict_and_case_pages_on_a_phone(live_server, world, tmp_path, lang):
    browser = chrome(profile=str(tmp_path / f"profile-{lang}"), lang=lang)
    try:
        for width in (390, 360):
            phone(browser, width)
            for name in ("genuine", "forged"):
                browser.get(live_server.url + world[name])
                verdict = browser.find_element(By.CSS_SELECTOR, "[data-verdict]").get_attribute(
                    "data-verdict"
                )
                assert verdict == name
                assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == (
                    "rtl" if lang == "ar" else "ltr"
                )
                assert browser.execute_script(NO_SIDEWAYS_SCROLL), (name, width)
                if width == 390:
                    keep(browser, tmp_path, f"verdict-{name}-{lang}")
        phone(browser, 390)
        sign_in(browser, live_server.url)
        browser.get(live_server.url + world["genuine"])
        keep(browser, tmp_path, f"verdict-officer-{lang}")
        # Under a genuine verdict, detaining sits behind a second look, not as the first button.
        detain = browser.find_element(By.CSS_SELECTOR, 'a[href^="/verify/cases/new?scan="]')
        assert not detain.is_displayed()
        browser.find_element(By.CSS_SELECTOR, "details.second-look summary").click()
        keep(browser, tmp_path, f"verdict-officer-second-look-{lang}")
        detain.click()
        assert browser.find_element(By.NAME, "goods") and browser.find_element(By.NAME, "photos")
        assert browser.execute_script(NO_SIDEWAYS_SCROLL)
        keep(browser, tmp_path, f"case-new-{lang}")
        browser.get(f"{live_server.url}/verify/cases/{world['case'].pk}/")
        assert (
            browser.find_element(By.CSS_SELECTOR, "[data-state]").get_attribute("data-state")
            == "awaiting_holder"
        )
        assert browser.find_elements(By.CSS_SELECTOR, '[data-clock="holder"]')
        assert browser.execute_script(NO_SIDEWAYS_SCROLL)
        keep(browser, tmp_path, f"case-{lang}")
        browser.get(f"{live_server.url}/verify/")
        assert browser.execute_script(NO_SIDEWAYS_SCROLL)
        keep(browser, tmp_path, f"scanner-{lang}")
    finally:
        browser.quit()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_holders_case_page_in_the_portal_on_a_phone(live_server, world, tmp_path, lang):
    browser = chrome(profile=str(tmp_path / f"profile-{lang}"), lang=lang)
    try:
        phone(browser, 390)
        sign_in(browser, live_server.url, username="holder", next_page="/portal/cases/")
        keep(browser, tmp_path, f"portal-cases-{lang}")
        row = f'[data-case="{world["case"].pk}"]'
        assert browser.find_elements(By.CSS_SELECTOR, f'{row} button[value="counterfeit"]')
        assert browser.execute_script(NO_SIDEWAYS_SCROLL)
    finally:
        browser.quit()
