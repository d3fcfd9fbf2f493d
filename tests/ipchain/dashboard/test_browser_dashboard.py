"""The dashboard in a real browser: nothing wider than a 360 px phone, the charts drawn.
Screenshots go to $IPCHAIN_SHOTS_DIR when set."""

import pytest
from selenium.webdriver.common.by import By

from ipchain.accounts.models import Role
from tests import factories
from tests.verifier.browser import chrome, csp_violations, keep, phone

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(browser, base: str, username: str) -> None:
    browser.get(base + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys("x-test-pass")
    browser.find_element(By.CSS_SELECTOR, "main form [type=submit]").click()


@pytest.mark.parametrize(("width", "height"), [(360, 780), (1366, 900)])
def test_the_page_fits_the_screen(live_server, world, tmp_path, width, height):
    user = factories.user(factories.office(), Role.OFFICE_ADMIN, username="dash-office")
    browser = chrome(width=max(width, 500), height=height, profile=str(tmp_path / "profile"))
    try:
        if width < 500:  # headless Chromium's windows are at least 500 px wide
            phone(browser, width, height)
        sign_in(browser, live_server.url, user.username)
        browser.get(live_server.url + "/office/dashboard/")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Office dashboard"
        scroll, inner = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll <= inner, f"page is {scroll} px wide on a {inner} px screen"
        assert browser.find_elements(By.CSS_SELECTOR, "svg.map path")
        assert browser.find_elements(By.CSS_SELECTOR, "svg.columns rect")
        # Each panel fits too (a wide table scrolls inside its own box, not the page).
        widest = browser.execute_script(
            "return Math.max(...[...document.querySelectorAll('.panel')].map(p => p.getBoundingClientRect().right))"
        )
        assert widest <= inner
        assert csp_violations(browser) == []  # the charts and the language menu under the CSP
        keep(browser, tmp_path, f"dashboard-{width}")
    finally:
        browser.quit()
