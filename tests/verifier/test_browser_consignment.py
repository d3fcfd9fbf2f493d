"""Consignment mode in headless Chromium at phone size, with a fake camera cycling through a
carton's labels: every code is read and counted once, faster than 5 distinct codes a
second, each verified by the node; the consignment verdict, and one case for the suspect
items."""

import io
import json

import numpy as np
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.labels import render_png
from ipchain.registry.qr import qr_matrix
from ipchain.registry.signing import PrivateKey
from tests import factories
from verifier.models import Case, Scan

from .browser import chrome, csp_violations, keep, phone
from .test_browser_offline import READY, Outage, set_offline, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

FPS, FRAMES_EACH = 25, 3  # each label in view 120 ms: 8.3 labels a second, the carton going by
SSCC = "(00)106141411234567897"


def carton_video(uris: list[str], path) -> str:
    """A Y4M video (what Chromium's fake camera plays, looping) showing each label in turn."""
    width, height = 320, 240
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for uri in uris:
            label = Image.open(io.BytesIO(render_png(qr_matrix(uri), module_px=4))).convert("RGB")
            frame = Image.new("RGB", (width, height), "white")
            frame.paste(label.resize((220, 220)), (50, 10))
            y, cb, cr = frame.convert("YCbCr").split()
            planes = np.asarray(y).tobytes() + b"".join(
                np.asarray(c.resize((width // 2, height // 2))).tobytes() for c in (cb, cr)
            )
            for _ in range(FRAMES_EACH):
                out.write(b"FRAME\n" + planes)
    return str(path)


@pytest.fixture
def carton(settings):
    settings.IPCHAIN_PUBLIC_HOST = "ipo.example"
    brand = factories.brand("acme")
    product = factories.product(brand, name="Trail Jacket")
    admin = factories.brand_admin(brand)
    genuine = [
        items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial=f"C-{n}") for n in range(9)
    ]
    log.integrate_pending()
    forger = PrivateKey.generate()
    forged = [
        build_label_uri(
            "ipo.example",
            product.gtin,
            item.serial,
            item.key.kid,
            forger.sign(label_message(product.gtin, item.serial)),
        )
        for item in genuine[7:]
    ]
    unknown = f"https://ipo.example/01/{product.gtin}/21/NOT-MADE"
    factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER, username="officer")
    return [items.label_uri(item) for item in genuine[:7]] + forged + [unknown]


def test_a_carton_is_scanned_without_leaving_the_camera(live_server, carton, tmp_path):
    video = carton_video(carton, tmp_path / "carton.y4m")
    browser = chrome(camera_file=video, profile=str(tmp_path / "profile"))
    try:
        phone(browser)
        sign_in(browser, live_server.url, next_page="/verify/consignment/")
        browser.find_element(By.ID, "consignment-ref").send_keys(
            "(00)106141411234567890"
        )  # wrong check digit
        browser.find_element(By.CSS_SELECTOR, "#consignment-start button").click()
        assert browser.find_element(By.ID, "consignment-scan").get_attribute("hidden") is not None
        field = browser.find_element(By.ID, "consignment-ref")
        field.clear()
        field.send_keys(SSCC)
        browser.find_element(By.CSS_SELECTOR, "#consignment-start button").click()
        assert browser.find_element(By.ID, "consignment-label").text == "SSCC 106141411234567897"
        counts = "return window.IpchainConsignment.counts()"
        WebDriverWait(browser, 30).until(lambda b: b.execute_script(counts)["n"] == len(carton))
        WebDriverWait(browser, 30).until(lambda b: b.execute_script(counts)["pending"] == 0)
        times = browser.execute_script("return [...window.IpchainConsignment.seen.values()].map((e) => e.at)")
        rate = (len(times) - 1) / ((max(times) - min(times)) / 1000)
        assert rate >= 5, f"{rate:.1f} distinct codes a second"
        print(f"consignment: {len(times)} distinct codes at {rate:.1f} a second")
        tally = browser.find_element(By.ID, "consignment-tally").text
        assert tally == "10 scanned: 7 genuine, 2 suspect, 1 unknown"
        assert len(browser.find_elements(By.CSS_SELECTOR, "#consignment-items li")) == 10
        keep(browser, tmp_path, "consignment-scanning-en")

        browser.find_element(By.ID, "consignment-finish").click()
        box = browser.find_element(By.ID, "consignment-verdict")
        assert box.get_attribute("data-verdict") == "suspect"
        assert "2 suspect, 1 unknown, of 10 items" in box.text
        browser.find_element(By.ID, "consignment-detain").click()
        WebDriverWait(browser, 20).until(
            lambda b: "Case opened" in b.find_element(By.ID, "consignment-case").text
        )
        keep(browser, tmp_path, "consignment-verdict-en")
        assert csp_violations(browser) == []
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    finally:
        browser.quit()
    # Each code verified once (the video loops: the same labels come round again).
    assert Scan.objects.filter(trusted=True).count() == 10
    (case,) = Case.objects.all()
    assert case.quantity == 2 and "SSCC 106141411234567897" in case.goods
    assert json.dumps(case.notes).count("ipo.example/01/") == 2


def test_offline_the_carton_is_checked_on_the_phone_and_sent_when_back(live_server, carton, tmp_path):
    outage = Outage(live_server)
    video = carton_video(carton, tmp_path / "carton.y4m")
    browser = chrome(camera_file=video, profile=str(tmp_path / "profile"))
    try:
        phone(browser)
        sign_in(browser, live_server.url, next_page="/verify/consignment/")
        WebDriverWait(browser, 30).until(lambda b: b.execute_async_script(READY))
        browser.get(live_server.url + "/verify/consignment/")  # kept by the service worker now
        WebDriverWait(browser, 20).until(lambda b: b.execute_async_script(KEPT))
        with outage:
            set_offline(browser, True)
            browser.get(live_server.url + "/verify/consignment/")
            browser.find_element(By.ID, "consignment-ref").send_keys("MRN 26NL000000123456A1")
            browser.find_element(By.CSS_SELECTOR, "#consignment-start button").click()
            counts = "return window.IpchainConsignment.counts()"
            WebDriverWait(browser, 30).until(lambda b: b.execute_script(counts)["n"] == len(carton))
            WebDriverWait(browser, 30).until(lambda b: b.execute_script(counts)["pending"] == 0)
            tally = browser.find_element(By.ID, "consignment-tally").text
            assert tally == "10 scanned: 7 genuine, 2 suspect, 1 unknown"
            assert "No network" in browser.find_element(By.CSS_SELECTOR, ".scan-status").text
            keep(browser, tmp_path, "consignment-offline-en")
            assert Scan.objects.count() == 0
        set_offline(browser, False)
        # Back online: the phone sends its queued scans, each once.
        WebDriverWait(browser, 30).until(lambda b: Scan.objects.filter(offline=True).count() == 10)
    finally:
        browser.quit()
    assert Scan.objects.filter(offline=True).values("gtin", "serial").distinct().count() == 10


KEPT = """
const done = arguments[arguments.length - 1];
caches.match("/verify/consignment/").then((hit) => done(Boolean(hit))).catch(() => done(false));
"""
