"""The offline status list on the phone, in headless Chromium at phone size: the scanner
fetches the signed list with the network, then a delta after a theft; with the network gone,
an item stolen since (in the delta) reads "reported stolen", a recalled one in the compact
list "possibly recalled, check online", an unlisted one valid, each with the list's age."""

import time

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from tests import factories

from .browser import chrome, keep, phone
from .test_browser_offline import READY, Outage, offline_verdict, paste, set_offline, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

VERSION = """
const done = arguments[arguments.length - 1];
const request = indexedDB.open("ipchain-status", 1);
request.onupgradeneeded = () => request.result.createObjectStore("kv");
request.onsuccess = () => {
  const get = request.result.transaction("kv").objectStore("kv").get("version");
  get.onsuccess = () => done(get.result === undefined ? null : get.result);
  get.onerror = () => done(null);
};
request.onerror = () => done(null);
"""


LOOKUPS = """
const [gtin, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  await window.IpchainStatus.lookup(gtin, "warm-up");
  const started = performance.now();
  for (let i = 0; i < 1000; i++) await window.IpchainStatus.lookup(gtin, "X-" + i);
  done((performance.now() - started) / 1000);
})();
"""


@pytest.fixture
def world(settings):
    settings.IPCHAIN_PUBLIC_HOST = "ipo.example"
    brand = factories.brand("acme")
    product = factories.product(brand, name="Trail Jacket")
    admin = factories.brand_admin(brand)
    made = {
        s: items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial=s)
        for s in ("G-1", "R-1", "R-2", "S-1")
    }
    items.record_event(actor=admin, item=made["R-1"], kind="recalled")
    log.integrate_pending()
    factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER, username="officer")
    return admin, made


def stored_version(browser):
    return browser.execute_async_script(VERSION)


def test_offline_the_phone_knows_recalls_and_thefts_from_its_status_list(live_server, world, tmp_path):
    admin, made = world
    outage = Outage(live_server)
    browser = chrome(profile=str(tmp_path / "profile"))
    try:
        phone(browser)
        sign_in(browser, live_server.url)
        WebDriverWait(browser, 30).until(lambda b: b.execute_async_script(READY))
        WebDriverWait(browser, 20).until(lambda b: stored_version(b) is not None)
        first = stored_version(browser)
        # At the node, after the phone's list: one item is reported stolen, another recalled.
        items.record_event(actor=admin, item=made["S-1"], kind="stolen")
        items.record_event(actor=admin, item=made["R-2"], kind="recalled")
        browser.get(live_server.url + "/verify/")  # the scanner syncs: a delta since its version
        WebDriverWait(browser, 20).until(lambda b: (stored_version(b) or 0) > first)

        with outage:
            set_offline(browser, True)
            browser.get(live_server.url + "/verify/")
            for serial, verdict, words in (
                ("S-1", "stolen", "Offline: reported stolen"),
                ("R-2", "recalled", "Offline: recalled"),
                ("R-1", "listed", "Offline: possibly recalled, check online"),
                ("G-1", "offline_valid", "not on the status list on this phone"),
            ):
                browser.get(live_server.url + "/verify/")
                paste(browser, items.label_uri(made[serial]))
                shown, _reason, text = offline_verdict(browser)
                assert shown == verdict, text
                assert words in text
                age = browser.find_element("id", "status-age").text
                assert age.startswith("Status list of"), age
                keep(browser, tmp_path, f"status-list-{verdict}-en")
            # The phone's lookup, measured in the browser (figures in the notes, not a test).
            took = browser.execute_async_script(LOOKUPS, made["G-1"].product.gtin)
            print(f"status list lookup in Chromium: {took * 1000:.0f} us each, SHA-256 included")
        set_offline(browser, False)
    finally:
        browser.quit()
    time.sleep(0)
