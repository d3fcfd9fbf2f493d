"""Headless Chromium for browser tests: Debian's chromium and chromedriver, installed by
this set-up when missing (as root, with apt-get), driven by selenium without its manager."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def apt_install(*packages: str) -> subprocess.CompletedProcess | None:
    """Debian packages, installed when run as root with apt-get; None when it cannot be."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], env=env, check=False, capture_output=True, timeout=600)
    return subprocess.run(
        ["apt-get", "install", "-y", "-q", *packages], env=env, check=False, capture_output=True, timeout=900
    )


def ensure_chromium() -> None:
    if os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER):
        return
    required = os.environ.get("IPCHAIN_REQUIRE_BROWSER") == "1"
    done = apt_install("chromium", "chromium-driver")
    if done is not None:
        if done.returncode == 0:
            return
        if required:
            pytest.fail(f"could not install chromium: {done.stderr.decode()[-500:]}")
    if required:
        pytest.fail("chromium is required (IPCHAIN_REQUIRE_BROWSER=1) and could not be installed")
    pytest.skip("needs Debian's chromium and chromium-driver (run as root to have them installed)")


def ensure_cjk_font() -> None:
    """Chinese screenshots need a CJK font (Debian's fonts-noto-cjk), else every character
    is a box: installed here when missing and run as root, as chromium is."""
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    if listed.stdout.strip():
        return
    apt_install("fonts-noto-cjk")
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    if not listed.stdout.strip():
        if os.environ.get("IPCHAIN_REQUIRE_BROWSER") == "1":
            pytest.fail("a CJK font is required for the Chinese screenshots and could not be installed")
        pytest.skip("needs a CJK font (Debian's fonts-noto-cjk) for the Chinese screenshots")


def chrome(
    *, width: int = 390, height: int = 844, camera_file: str | None = None, profile: str, lang: str = "en"
):
    ensure_chromium()
    os.environ["SE_OFFLINE"] = "true"
    os.environ["SE_AVOID_STATS"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
        f"--lang={lang}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # for csp_violations
    if camera_file:
        options.add_argument("--use-fake-ui-for-media-stream")
        options.add_argument("--use-fake-device-for-media-stream")
        options.add_argument(f"--use-file-for-fake-video-capture={camera_file}")
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def phone(browser, width: int = 390, height: int = 844) -> None:
    """A phone's viewport exactly (a window's size would include the browser's own)."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


def keep(browser, folder: Path, name: str) -> None:
    """A screenshot in `folder`, copied to $IPCHAIN_SHOTS_DIR when set, to be looked at."""
    shot = Path(folder) / f"{name}.png"
    browser.save_screenshot(str(shot))
    if os.environ.get("IPCHAIN_SHOTS_DIR"):
        os.makedirs(os.environ["IPCHAIN_SHOTS_DIR"], exist_ok=True)
        shutil.copy(shot, os.path.join(os.environ["IPCHAIN_SHOTS_DIR"], shot.name))


def csp_violations(browser) -> list[str]:
    """What the page's Content-Security-Policy refused, from the browser's console."""
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]
