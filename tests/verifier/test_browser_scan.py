"""A phone pointed at a label: headless Chromium with a fake camera showing the label reads
the code with the vendored decoder and lands on the right verdict."""

import io

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

from .browser import chrome, csp_violations

pytestmark = pytest.mark.django_db(transaction=True)


def camera_file(uri: str, path) -> str:
    """The simplest fake camera: one JPEG saved by Pillow, named .mjpeg (shared/MEASURED.md)."""
    label = Image.open(io.BytesIO(render_png(qr_matrix(uri), module_px=6))).convert("RGB")
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(label.resize((400, 400)), (120, 40))
    frame.save(path, format="JPEG", quality=95)
    return str(path)


@pytest.fixture
def labels(settings):
    settings.IPCHAIN_PUBLIC_HOST = "ipo.example"
    brand = factories.brand("acme")
    product = factories.product(brand, name="Trail Jacket")
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="CAM-1"
    )
    log.integrate_pending()
    forger = PrivateKey.generate()
    return {
        "genuine": items.label_uri(item),
        "forged": build_label_uri(
            "ipo.example",
            product.gtin,
            "CAM-1",
            item.key.kid,
            forger.sign(label_message(product.gtin, "CAM-1")),
        ),
        "unknown": f"https://ipo.example/01/{product.gtin}/21/NOT-MADE",
    }


# Injected by the test before any page's own script (never part of the app), one clock for
# all: when the scanner page opens, when its camera shows its first frame (the code is in view
# from then on: the fake camera shows nothing else), when the verdict page is on screen.
STOPWATCH = """
if (!sessionStorage.getItem("scanner-opened")) {
  sessionStorage.setItem("scanner-opened", String(Date.now()));
}
document.addEventListener("DOMContentLoaded", () => {
  const video = document.querySelector("video.camera");
  if (video) video.addEventListener("playing", () => sessionStorage.setItem("code-in-view", String(Date.now())), { once: true });
  if (document.querySelector(".verdict-word")) sessionStorage.setItem("verdict-shown", String(Date.now()));
});
"""
READ_STOPWATCH = """
return {
  opened: Number(sessionStorage.getItem("scanner-opened")),
  inView: Number(sessionStorage.getItem("code-in-view")),
  shown: Number(sessionStorage.getItem("verdict-shown")),
};
"""
SCAN_TO_VERDICT_MS = 1000  # the aim: from the code in view to the verdict on screen


@pytest.mark.parametrize(
    ("label", "expected"), [("genuine", "Genuine"), ("forged", "Forged label"), ("unknown", "Unknown item")]
)
def test_the_camera_reads_the_label_and_shows_the_verdict(live_server, labels, tmp_path, label, expected):
    browser = chrome(
        camera_file=camera_file(labels[label], tmp_path / "camera.mjpeg"), profile=str(tmp_path / "profile")
    )
    try:
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": STOPWATCH})
        browser.get(live_server.url + "/verify/")
        # The scanner posts the code (and the device's position) to /verify/.
        WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".verdict-word"))
        heading = browser.find_element(By.CSS_SELECTOR, ".verdict-word").text
        assert heading == expected
        assert csp_violations(browser) == []  # the camera's decoder (wasm) runs under the CSP
        clock = browser.execute_script(READ_STOPWATCH)
        in_view_to_verdict = clock["shown"] - clock["inView"]
        print(
            f"{label}: scanner opened -> verdict shown {clock['shown'] - clock['opened']:.0f} ms, "
            f"code in view -> verdict shown {in_view_to_verdict:.0f} ms"
        )
        assert clock["inView"] > clock["opened"] > 0
        assert 0 < in_view_to_verdict <= SCAN_TO_VERDICT_MS
        browser.save_screenshot(str(tmp_path / f"{label}.png"))
    finally:
        browser.quit()


def test_verdict_page_on_a_phone_in_english_and_arabic(live_server, labels, tmp_path):
    """Screenshots to look at: a phone-sized window, left to right and right to left."""
    officer = factories.user(factories.customs("nl"), Role.CUSTOMS_OFFICER)
    del officer
    path = labels["genuine"].split("ipo.example", 1)[1]
    shots = {}
    for lang in ("en", "ar"):
        browser = chrome(profile=str(tmp_path / f"profile-{lang}"), lang=lang)
        try:
            browser.get(live_server.url + path)
            shots[lang] = browser.find_element(By.TAG_NAME, "html").get_attribute("dir")
            browser.save_screenshot(str(tmp_path / f"verdict-{lang}.png"))
        finally:
            browser.quit()
    assert shots == {"en": "ltr", "ar": "rtl"}
