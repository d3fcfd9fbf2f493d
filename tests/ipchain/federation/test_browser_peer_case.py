"""In a real browser on a phone-sized window, in English and Arabic: an officer detains the
goods of a peer office's item from its verdict page; the office then finds that rights holder
on its holders page and records its right, and admits a legal representative firm."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from ipchain.accounts.models import Organisation, Role
from ipchain.federation import peer_keys
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.signing import PrivateKey
from tests import factories
from tests.ipchain.enforcement.test_browser_enforcement import as_user, click, looks_right
from tests.verifier.browser import chrome, phone
from verifier import evidence, verification
from verifier.models import Case

from .conftest import add_peer
from .peerlog import PeerLog
from .test_peer_items import GTIN, PeerOffice, sync

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["en", "ar"])
def browser(request, tmp_path):
    driver = chrome(profile=str(tmp_path / "profile"), lang=request.param)
    phone(driver)
    driver.lang = request.param
    yield driver
    driver.quit()


@pytest.fixture
def peer_item():
    evidence.forget()
    verification.forget()
    peer_keys.forget()
    office = PeerOffice(PeerLog(origin="node-a.example/log"))
    office.register("P1")
    # A label of the peer's item signed by another key: forged.
    forged = build_label_uri(
        "x.example",
        GTIN,
        "P1",
        office.brand.public_key.key_id,
        PrivateKey.generate().sign(label_message(GTIN, "P1")),
    )
    with office.log.serve() as served:
        sync(add_peer(office.log, url=served.url, name="office-a"))
        yield forged
    peer_keys.forget()


def test_an_officer_detains_a_peer_item_and_the_office_takes_its_holder_in(
    live_server, peer_item, browser, tmp_path
):
    customs = factories.customs("nl-customs")
    factories.user(customs, Role.CUSTOMS_OFFICER, username="officer")
    factories.user(factories.office(), Role.OFFICE_ADMIN, username="admin")
    base = live_server.url
    as_user(browser, base, "officer", "/verify/")
    browser.get(base + peer_item.removeprefix("https://x.example"))
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "[data-verdict]"))
    looks_right(browser, tmp_path, "peer-verdict")
    click(browser, 'a[href^="/verify/cases/new?scan="]')
    goods = WebDriverWait(browser, 20).until(lambda b: b.find_element(By.NAME, "goods"))
    assert browser.find_elements(By.CSS_SELECTOR, "[data-peer-holder]")
    goods.send_keys("Hiking boots")
    looks_right(browser, tmp_path, "peer-case-form")
    click(browser, "main form button.danger[type=submit]")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "[data-procedure]"))
    looks_right(browser, tmp_path, "peer-case-opened")
    assert browser.find_elements(By.CSS_SELECTOR, "[data-peer-goods]")
    case = Case.objects.get()
    assert (case.procedure, case.brand.home_office, case.serial) == ("ex_officio", "node-a.example/log", "P1")

    as_user(browser, base, "admin", "/portal/office/holders/")
    card = f'[data-holder="{case.brand.slug}"]'
    assert browser.find_elements(By.CSS_SELECTOR, f"{card} [data-peer-holder]")
    Select(browser.find_element(By.CSS_SELECTOR, f"{card} select[name=right_office]")).select_by_value("EM")
    browser.find_element(By.CSS_SELECTOR, f"{card} input[name=right_number]").send_keys("018000001")
    looks_right(browser, tmp_path, "office-peer-holder")
    click(browser, f"{card} details.add-right button[type=submit]")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".messages .msg-success"))
    assert case.brand.ip_rights.get().registration_number == "018000001"

    browser.get(base + "/portal/office/representatives/")
    browser.find_element(By.NAME, "name").send_keys("Brandguard Legal")
    Select(browser.find_element(By.NAME, "country")).select_by_value("NL")
    click(browser, "main form.stack-form button[type=submit]")
    WebDriverWait(browser, 20).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, '[data-firm="brandguard-legal"]')
    )
    looks_right(browser, tmp_path, "office-representatives")
    assert Organisation.objects.filter(kind="representative", slug="brandguard-legal").exists()
