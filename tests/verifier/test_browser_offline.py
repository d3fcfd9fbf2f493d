"""The verifier as an offline web app, in headless Chromium: the service worker installs
and caches the scanner, the offline page and the signed trust list; with the network gone
(the page switched offline through the DevTools protocol, and the node refusing every
connection) a code is checked on the phone with WebCrypto; back online, the queued scan
is sent and logged as an offline scan."""

import contextlib
import socket
import time
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items, keys
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.signing import PrivateKey
from tests import factories
from verifier.models import Scan

from .browser import chrome, keep, phone
from .test_browser_scan import camera_file

pytestmark = pytest.mark.django_db(transaction=True)

READY = """
const done = arguments[arguments.length - 1];
(async () => {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const list = await caches.match("/verify/trust-list.json");
  const page = await caches.match("/verify/offline/");
  // Activated is enough: the next navigation goes through it. (The page that registered it
  // may stay uncontrolled when its own navigation began before the activation.)
  done(Boolean(registration && registration.active && registration.active.state === "activated" && list && page));
})().catch(() => done(false));
"""


@pytest.fixture
def world(settings):
    settings.IPCHAIN_PUBLIC_HOST = "ipo.example"
    settings.IPCHAIN_TRUST_LIST_MAX_AGE = 4  # seconds: the cached list is old by the first check
    brand = factories.brand("acme")
    product = factories.product(brand, name="Trail Jacket")
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="OFF-1")
    # A label signed with a key revoked since (compromised): the phone cannot tell whether
    # the label was registered before the revocation; the node can (genuine here).
    beta = factories.brand("beta")
    beta_product = factories.product(beta, name="Boot")
    early = items.register_item(
        actor=factories.brand_admin(beta), brand=beta, gtin=beta_product.gtin, serial="B-1"
    )
    old_key = keys.active_key(beta)
    keys.rotate_key(organisation=beta)
    keys.revoke_key(key=old_key, reason="laptop stolen")
    log.integrate_pending()
    officer = factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER, username="officer")
    forger = PrivateKey.generate()
    gtin = product.gtin
    # A key no rights holder registered: "signed by an unknown key".
    stranger = build_label_uri(
        "ipo.example", gtin, "OFF-3", "k-stranger", forger.sign(label_message(gtin, "OFF-3"))
    )
    brand_kid = keys.active_key(brand).kid
    # Beta's own valid key on Acme's product: a holder's key on another holder's goods.
    beta_key, beta_private = keys.signing_key(beta)
    borrowed = build_label_uri(
        "ipo.example", gtin, "OFF-4", beta_key.kid, beta_private.sign(label_message(gtin, "OFF-4"))
    )
    return {
        "admin": admin,
        "borrowed": borrowed,
        "officer": officer,
        "item": item,
        "genuine": items.label_uri(item),
        "forged": build_label_uri(
            "ipo.example", gtin, "OFF-1", brand_kid, forger.sign(label_message(gtin, "OFF-1"))
        ),
        "stranger": stranger,
        "revoked": items.label_uri(early),
    }


class Outage:
    """The node unreachable: its open connections (the browser keeps some alive) are cut
    and every new one is closed unanswered. Tracks connections from the start."""

    def __init__(self, live_server):
        self.server = live_server.thread.httpd
        self.refused = 0
        self.down = False
        self._open = []
        self._process = self.server.process_request
        self.server.process_request = self._accept

    def _accept(self, request, client_address):
        if self.down:
            self.refused += 1
            self.server.shutdown_request(request)
            return
        self._open.append(request)
        self._process(request, client_address)

    def __enter__(self):
        self.down = True
        for connection in self._open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._open.clear()
        return self

    def __exit__(self, *exc):
        self.down = False


def set_offline(browser, offline: bool) -> None:
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def sign_in(browser, base: str, username: str = "officer", next_page: str = "/verify/") -> None:
    browser.get(f"{base}/accounts/login/?next={next_page}")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys("x-test-pass")
    browser.find_element(By.CSS_SELECTOR, "main form [type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: urlsplit(b.current_url).path == next_page)


def paste(browser, code: str) -> None:
    """Paste a code in the scanner page's form, as a scanner app would hand it over."""
    browser.find_element(By.CSS_SELECTOR, "details summary").click()
    field = browser.find_element(By.ID, "code")
    field.clear()
    field.send_keys(code)
    field.submit()


def assert_valid_offline(browser, text: str) -> None:
    """A valid signature offline: with the status list on the phone (fetched when the scanner
    opened online), "not on the status list" and the list's age; without, "status not checked"."""
    status_age = browser.find_element(By.ID, "status-age").text
    if status_age.startswith("Status list of"):
        assert "Offline: signature valid, not on the status list" in text
    else:
        assert status_age == "No status list on this phone: recalls and thefts are not known offline."
        assert "Offline: signature valid, status not checked" in text


def offline_verdict(browser) -> tuple[str, str, str]:
    WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.ID, "offline-verdict").get_attribute("data-verdict") not in (None, "")
    )
    box = browser.find_element(By.ID, "offline-verdict")
    return box.get_attribute("data-verdict"), box.get_attribute("data-reason"), box.text


def test_offline_the_phone_checks_signatures_and_sends_its_scans_later(live_server, world, tmp_path):
    outage = Outage(live_server)
    browser = chrome(profile=str(tmp_path / "profile"))
    try:
        phone(browser)
        sign_in(browser, live_server.url)
        WebDriverWait(browser, 30).until(lambda b: b.execute_async_script(READY))
        cached = time.monotonic()
        # Chromium's own verdict on the manifest and service worker: installable.
        assert browser.execute_cdp_cmd("Page.getInstallabilityErrors", {}) == {"installabilityErrors": []}
        assert browser.execute_cdp_cmd("Page.getAppManifest", {})["errors"] == []

        with outage:
            set_offline(browser, True)
            assert browser.execute_script("return navigator.onLine") is False
            # Meanwhile, at the node, the rights holder reports the item stolen: the phone
            # cannot know, and must hear of it once its scans reach the node.
            items.record_event(actor=world["admin"], item=world["item"], kind="stolen")
            browser.get(live_server.url + "/verify/")  # the scanner from the cache
            assert browser.find_element(By.TAG_NAME, "h1").text == "Verify an item"

            time.sleep(max(0.0, 5.5 - (time.monotonic() - cached)))
            paste(browser, world["genuine"])
            verdict, reason, text = offline_verdict(browser)
            assert (verdict, reason) == ("offline_valid", "signature_valid")
            assert_valid_offline(browser, text)
            age = browser.find_element(By.ID, "list-age")
            # Cached over 5 s ago: older than IPCHAIN_TRUST_LIST_MAX_AGE, flagged.
            assert "It is old: keys revoked since are not known." in age.text
            assert "warn" in age.get_attribute("class") and age.get_attribute("role") == "alert"
            assert "Trust list of" in age.text
            keep(browser, tmp_path, "offline-genuine-en")

            assert "Signed with the key of Acme." in text

            browser.get(live_server.url + "/verify/")
            paste(browser, world["forged"])
            verdict, reason, text = offline_verdict(browser)
            assert (verdict, reason) == ("forged", "bad_signature")
            assert "the signature does not verify" in text
            assert "Acme" not in text  # a forged label is nobody's: not "— Acme"
            keep(browser, tmp_path, "offline-forged-en")

            # Any other page of the app: the app's own offline page, never the browser's error.
            browser.get(live_server.url + "/verify/cases/")
            verdict, _reason, text = offline_verdict(browser)
            assert verdict == "no_network" and "This page needs the network." in text
            assert browser.find_element(By.CSS_SELECTOR, "a.button[href='/verify/']")

            # A label URI opened by the phone's camera app lands on the offline page too.
            browser.get(world["stranger"].replace("https://ipo.example", live_server.url))
            verdict, reason, text = offline_verdict(browser)
            assert (verdict, reason) == ("forged", "unknown_key")
            assert "unknown key" in text

            browser.get(world["revoked"].replace("https://ipo.example", live_server.url))
            verdict, reason, text = offline_verdict(browser)
            assert (verdict, reason) == ("revoked", "key_revoked")
            assert "key revoked" in text
            browser.get(world["borrowed"].replace("https://ipo.example", live_server.url))
            verdict, reason, text = offline_verdict(browser)
            assert (verdict, reason) == ("unknown_product", "not_holders_product")
            assert "not a product of the signing rights holder" in text and "Beta" in text
            queued = browser.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "IpchainOffline.queuedScans().then((s) => done(s.map((x) => x.offline_verdict)));"
            )
            assert sorted(queued) == ["forged", "forged", "offline_valid", "revoked", "unknown_product"]
            assert Scan.objects.count() == 0
            refused_while_offline = outage.refused

        # Back online: the page sends the queue by itself ("online" event), and shows the
        # node's verdict of each scan, with an alert where it is not what the phone said.
        set_offline(browser, False)
        WebDriverWait(browser, 20).until(lambda b: Scan.objects.filter(offline=True).count() == 5)
        report = WebDriverWait(browser, 10).until(lambda b: b.find_element(By.ID, "sent"))
        WebDriverWait(browser, 10).until(lambda b: report.is_displayed())
        lines = report.find_elements(By.CSS_SELECTOR, "li")
        # (the queue is keyed by the scans' random ids: its order is not the scans')
        assert sorted(line.get_attribute("data-verdict") for line in lines) == [
            "forged",
            "forged",
            "genuine",
            "stolen",
            "unknown",
        ]
        differing = report.find_elements(By.CSS_SELECTOR, "li.differs")
        differing.sort(key=lambda line: line.get_attribute("data-verdict") != "stolen")
        assert [line.get_attribute("data-verdict") for line in differing] == ["stolen", "genuine"]
        assert "Reported stolen" in differing[0].text
        assert "offline the phone said: signature valid, status not checked" in differing[0].text
        assert "offline the phone said: key revoked" in differing[1].text
        assert report.get_attribute("role") == "alert"
        assert "the node does not agree" in report.find_element(By.TAG_NAME, "h2").text
        stolen_link = differing[0].find_element(By.TAG_NAME, "a").get_attribute("href")
        assert stolen_link.startswith(live_server.url + "/verify/?code=")
        keep(browser, tmp_path, "offline-sent-en")
        rows = Scan.objects.order_by("created_at")
        assert [(r.serial, r.offline_verdict, r.verdict) for r in rows] == [
            ("OFF-1", "offline_valid", "stolen"),
            ("OFF-1", "forged", "forged"),
            ("OFF-3", "forged", "forged"),
            ("B-1", "revoked", "genuine"),
            ("OFF-4", "unknown_product", "unknown"),
        ]
        assert all(r.officer == world["officer"] and r.trusted and r.received_at for r in rows)
        assert refused_while_offline > 0  # the browser did try the node, and found nothing
    finally:
        browser.quit()


def test_offline_the_camera_scan_goes_to_the_phones_check(live_server, world, tmp_path):
    """The scanner page itself, offline: the fake camera shows the genuine label; scan.js
    reads it with the vendored decoder and, with no network, opens the offline check."""
    outage = Outage(live_server)
    camera = camera_file(world["genuine"], tmp_path / "camera.mjpeg")
    browser = chrome(profile=str(tmp_path / "profile"), camera_file=camera)
    try:
        sign_in(browser, live_server.url)  # online, the camera lands on the node's verdict
        WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".verdict-word"))
        assert browser.find_element(By.CSS_SELECTOR, ".verdict-word").text == "Genuine"
        WebDriverWait(browser, 30).until(lambda b: b.execute_async_script(READY))
        with outage:
            set_offline(browser, True)
            browser.get(live_server.url + "/verify/")
            WebDriverWait(browser, 20).until(lambda b: "/verify/offline/?code=" in b.current_url)
            verdict, reason, text = offline_verdict(browser)
            assert (verdict, reason) == ("offline_valid", "signature_valid")
            assert_valid_offline(browser, text)
            assert outage.refused > 0
        assert Scan.objects.filter(offline=True).count() == 0
        set_offline(browser, False)
        WebDriverWait(browser, 20).until(lambda b: Scan.objects.filter(offline=True).count() == 1)
        assert Scan.objects.get(offline=True).verdict == "genuine"
    finally:
        browser.quit()


OFFLINE_PAGE_TEXT = """
const done = arguments[arguments.length - 1];
caches.match("/verify/offline/").then((hit) => (hit ? hit.text() : "")).then(done, () => done(""));
"""


def test_the_cached_pages_follow_the_officers_language(live_server, world, tmp_path):
    outage = Outage(live_server)  # before the browser: it tracks the connections to cut
    browser = chrome(profile=str(tmp_path / "profile"))
    try:
        phone(browser)
        sign_in(browser, live_server.url)
        WebDriverWait(browser, 30).until(lambda b: b.execute_async_script(READY))
        assert "Offline: signature valid" in browser.execute_async_script(OFFLINE_PAGE_TEXT)
        Select(browser.find_element(By.NAME, "language")).select_by_value("fr")  # submits itself
        WebDriverWait(browser, 20).until(
            lambda b: b.find_element(By.TAG_NAME, "h1").text == "Vérifier un article"
        )
        WebDriverWait(browser, 20).until(lambda b: "Hors ligne" in b.execute_async_script(OFFLINE_PAGE_TEXT))
        with outage:
            set_offline(browser, True)
            browser.get(live_server.url + "/verify/")
            assert browser.find_element(By.TAG_NAME, "h1").text == "Vérifier un article"
            paste(browser, world["genuine"])
            verdict, _, text = offline_verdict(browser)
            assert verdict == "offline_valid"
            assert "Hors ligne : signature valide, absent de la liste de statuts" in text or (
                "Hors ligne : signature valide, statut non vérifié" in text
            )  # in French either way: with the status list on the phone, or without
            assert "(il y a moins d'une minute)" in browser.find_element(By.ID, "list-age").text
            keep(browser, tmp_path, "offline-genuine-fr")
    finally:
        browser.quit()


QUEUED = """
const done = arguments[arguments.length - 1];
IpchainOffline.queuedScans().then((scans) => done(scans.length), (e) => done(String(e)));
"""

FLUSH = """
const [code, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  if (code) await IpchainOffline.queueScan({ code, offline_verdict: "offline_valid" });
  let sent = null;
  try { sent = (await IpchainOffline.flushQueue()).length; } catch (e) { sent = String(e.message); }
  done({ sent, left: (await IpchainOffline.queuedScans()).length });
})().catch((e) => done({ error: String(e) }));
"""


def test_scans_queued_while_signed_out_wait_for_the_officer(live_server, world, tmp_path):
    browser = chrome(profile=str(tmp_path / "profile"))
    try:
        browser.get(live_server.url + "/verify/")
        # Not signed in: the node refuses (403 not_authenticated) and the phone keeps them.
        kept = browser.execute_async_script(FLUSH, world["genuine"])
        assert kept == {"sent": "sign in to send the scans made offline", "left": 1}
        sign_in(browser, live_server.url)  # the scanner page sends the queue when it opens
        WebDriverWait(browser, 20).until(lambda b: Scan.objects.filter(offline=True).exists())
        # The page drops the scan from its queue once the node's answer is read, a moment
        # after the row is committed: wait for that, not just for the row.
        WebDriverWait(browser, 20).until(lambda b: b.execute_async_script(QUEUED) == 0)
        assert browser.execute_async_script(FLUSH, None) == {"sent": 0, "left": 0}
        row = Scan.objects.get(offline=True)
        assert row.officer == world["officer"] and row.verdict == "genuine"
    finally:
        browser.quit()
