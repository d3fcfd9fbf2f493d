"""Each user's journey in a real browser on a phone (390 x 844), in English, Arabic and
Chinese: the public checks a product, the officer records a suspicion with a note, the brand
prints a label and transfers an item by its new owner's name and cannot rotate its key on
one tap, the office invites a rights holder's first administrator who then signs in. No page
scrolls sideways. Screenshots are kept under $IPCHAIN_SHOTS_DIR when set, to be looked at."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.signing import PrivateKey
from tests import factories
from verifier.models import Alert

from .browser import chrome, ensure_cjk_font, keep, phone
from .test_browser_offline import paste, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NO_SIDEWAYS_SCROLL = "return document.documentElement.scrollWidth <= window.innerWidth"
LANGS = {"en": "en", "ar": "ar", "zh": "zh-CN"}  # as the phone asks: Django answers zh-hans


@pytest.fixture
def world(settings):
    settings.IPCHAIN_PUBLIC_HOST = "ipo.example"
    brand = factories.brand("acme")
    brand.name = "Acme Outdoor GmbH"
    brand.save()
    beta = factories.brand("beta")
    beta.name = "Beta Retail SA"
    beta.save()
    product = factories.product(brand, name="Ridge Tent 2P", genuine_features="Embroidered logo")
    holder = factories.user(brand, Role.BRAND_ADMIN, username="holder")
    item = items.register_item(actor=holder, brand=brand, gtin=product.gtin, serial="J-1")
    log.integrate_pending()
    factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER, username="officer")
    factories.user(factories.office(), Role.OFFICE_ADMIN, username="officeadmin")
    forged = build_label_uri(
        "ipo.example",
        product.gtin,
        "J-1",
        item.key.kid,
        PrivateKey.generate().sign(label_message(product.gtin, "J-1")),
    )
    return {"product": product, "item": item, "forged": forged}


@pytest.fixture(params=list(LANGS))
def browser(request, tmp_path):
    if request.param == "zh":
        ensure_cjk_font()
    driver = chrome(profile=str(tmp_path / "profile"), lang=LANGS[request.param])
    phone(driver)
    driver.lang = request.param
    yield driver
    driver.quit()


def looks_right(browser, tmp_path, name: str) -> None:
    """The page in the reader's language and direction, whole on a phone; kept to be seen."""
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == {"en": "en", "ar": "ar", "zh": "zh-hans"}[browser.lang]
    assert html.get_attribute("dir") == ("rtl" if browser.lang == "ar" else "ltr")
    assert browser.execute_script(NO_SIDEWAYS_SCROLL), name
    keep(browser, tmp_path, f"{name}-{browser.lang}")


def test_the_public_checks_a_product(live_server, world, browser, tmp_path):
    browser.get(live_server.url + "/")
    assert browser.find_element(By.ID, "check-a-product").get_attribute("href").endswith("/verify/")
    looks_right(browser, tmp_path, "public-home")
    browser.find_element(By.ID, "gtin").send_keys(world["product"].gtin)
    browser.find_element(By.ID, "serial").send_keys("J-1")
    browser.find_element(By.CSS_SELECTOR, "main form.row button[type=submit]").click()
    box = WebDriverWait(browser, 20).until(lambda b: b.find_element(By.CSS_SELECTOR, "[data-verdict]"))
    assert box.get_attribute("data-verdict") == "registered"  # typed: the label is not checked
    assert not browser.find_elements(By.CSS_SELECTOR, 'a[href^="/verify/cases/new"]')  # officers only
    looks_right(browser, tmp_path, "public-verdict")


def test_the_officer_records_a_suspicion_with_a_note(live_server, world, browser, tmp_path):
    sign_in(browser, live_server.url)
    browser.get(live_server.url + "/verify/")
    paste(browser, world["forged"])
    box = WebDriverWait(browser, 20).until(lambda b: b.find_element(By.CSS_SELECTOR, "[data-verdict]"))
    assert box.get_attribute("data-verdict") == "forged"
    detain = browser.find_element(By.CSS_SELECTOR, 'a.danger[href^="/verify/cases/new"]')
    assert detain.is_displayed()  # the worst verdicts: detaining comes first
    looks_right(browser, tmp_path, "officer-forged")
    browser.find_element(By.CSS_SELECTOR, 'a[href^="/verify/suspect"]').click()
    note = WebDriverWait(browser, 20).until(lambda b: b.find_element(By.NAME, "note"))
    note.send_keys("Stitching uneven; logo printed, not embroidered")
    looks_right(browser, tmp_path, "officer-suspicion")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".messages .msg-success"))
    alert = Alert.objects.get(kind="suspected")
    assert "logo printed, not embroidered" in alert.message


def test_the_brand_prints_a_label_and_transfers_an_item_by_name(live_server, world, browser, tmp_path):
    sign_in(browser, live_server.url, username="holder", next_page="/portal/")
    item = world["item"]
    browser.get(f"{live_server.url}/portal/items/{item.product.gtin}/{item.serial}/")
    preview = browser.find_element(By.CSS_SELECTOR, "img.label-preview")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", preview)
    assert browser.find_elements(By.CSS_SELECTOR, '[data-download="png-38"]')
    looks_right(browser, tmp_path, "brand-item")
    Select(browser.find_element(By.NAME, "event")).select_by_value("ownership_transferred")
    owners = Select(browser.find_element(By.NAME, "to"))
    assert [o.text for o in owners.options if o.get_attribute("value")] == ["Beta Retail SA"]
    owners.select_by_visible_text("Beta Retail SA")
    browser.find_element(By.CSS_SELECTOR, "main form[method=post] button[type=submit]").click()
    row = WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.CSS_SELECTOR, 'tr[data-event="ownership_transferred"]')
    )
    assert "Beta Retail SA" in row.text
    looks_right(browser, tmp_path, "brand-item-transferred")

    browser.get(f"{live_server.url}/portal/products/{item.product.gtin}/")
    assert browser.find_element(By.NAME, "remove_image").get_attribute("type") == "checkbox"
    assert not browser.find_elements(By.CSS_SELECTOR, 'input[name="image-clear"]')  # not Django's "Clear"
    looks_right(browser, tmp_path, "brand-product")

    browser.get(live_server.url + "/portal/keys/")
    kids = item.product.brand.keys.count()
    browser.find_element(By.CSS_SELECTOR, "main form[method=post]:not([action]) button[type=submit]").click()
    rotate = browser.find_element(By.NAME, "rotate")
    assert browser.execute_script("return arguments[0].validity.valueMissing", rotate)  # asked, not done
    assert item.product.brand.keys.count() == kids
    looks_right(browser, tmp_path, "brand-keys")


def test_the_office_invites_a_holders_first_administrator(live_server, world, browser, tmp_path):
    gamma = factories.brand("gamma", node_key=False)
    sign_in(browser, live_server.url, username="officeadmin", next_page="/portal/office/holders/")
    row = browser.find_element(By.CSS_SELECTOR, '[data-holder="gamma"]')
    invite = row.find_element(By.CSS_SELECTOR, "details.invite")
    assert invite.get_attribute("open") is not None  # nobody there yet: the form is open
    field = invite.find_element(By.NAME, "email")
    field.clear()
    field.send_keys("first@gamma.example")
    looks_right(browser, tmp_path, "office-holders")
    invite.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    link = WebDriverWait(browser, 20).until(lambda b: b.find_element(By.CSS_SELECTOR, "#invitation-link a"))
    url = link.get_attribute("href")
    looks_right(browser, tmp_path, "office-invited")

    browser.delete_all_cookies()  # the invited person, on their own phone
    browser.get(url)
    browser.find_element(By.NAME, "username").clear()
    browser.find_element(By.NAME, "username").send_keys("gamma-admin")
    for name in ("password1", "password2"):
        browser.find_element(By.NAME, name).send_keys("a long-enough pass phrase 42")
    looks_right(browser, tmp_path, "invitation")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith("/portal/"))
    assert gamma.members.get().user.username == "gamma-admin"
    assert browser.find_elements(By.CSS_SELECTOR, 'nav a[href="/portal/team/"]')
