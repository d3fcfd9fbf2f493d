"""A phone opening the label of an item another office registered: the verdict page names the
office and fits a 360 px wide screen."""

import pytest
from selenium.webdriver.common.by import By

from ipchain.federation import mirror, peer_keys
from ipchain.federation.models import Peer
from tests.verifier.browser import chrome, keep, phone

from .conftest import add_peer
from .peerlog import PeerLog
from .test_peer_items import PeerOffice

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_peer_items_verdict_page_on_a_narrow_phone(live_server, tmp_path):
    log = PeerLog(origin="ledger.office-a.example/log")
    office = PeerOffice(log)
    code = office.register("P1")
    with log.serve() as served:
        peer = add_peer(log, url=served.url, name="office-a")
        peer_keys.forget()
        assert mirror.sync_peer(Peer.objects.get(pk=peer.pk)).status == "advanced"
    browser = chrome(profile=str(tmp_path / "profile"), width=360, height=740)
    try:
        phone(browser, 360, 740)
        browser.get(live_server.url + code.removeprefix("https://peer.example"))
        box = browser.find_element(By.CSS_SELECTOR, "[data-verdict]")
        assert box.get_attribute("data-verdict") == "genuine"
        reasons = browser.find_element(By.CSS_SELECTOR, "ul.reasons").text
        assert "registered at office office-a (ledger.office-a.example/log) by Acme Outdoor" in reasons
        evidence = browser.find_element(By.CSS_SELECTOR, "ul.evidence").text
        assert "Inclusion proof checked" in evidence and "trusted" in evidence
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 360
        keep(browser, tmp_path, "peer-verdict-360")
    finally:
        browser.quit()
    peer_keys.forget()
