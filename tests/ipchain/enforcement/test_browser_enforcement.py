"""The customs workflow around the IP right in a real browser on a phone (390 x 844), in
English and Arabic: an officer finds unlabelled goods in the catalogue and detains them under
the holder's application with a photo, the holder answers in its portal, the goods are
destroyed; a parcel is destroyed once the declarant's period ran out with no objection (a
controlled clock); an ex officio case gets an application in time. Screenshots are kept under
$IPCHAIN_SHOTS_DIR when set, to be looked at."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from ipchain.accounts.models import Role
from ipchain.enforcement import mandates, risk_alerts
from ipchain.enforcement.models import Application
from tests import factories
from tests.verifier.browser import chrome, keep, phone
from tests.verifier.test_browser_offline import sign_in
from verifier import cases
from verifier.models import Case

pytestmark = pytest.mark.django_db(transaction=True)

NO_SIDEWAYS_SCROLL = "return document.documentElement.scrollWidth <= window.innerWidth"
MONDAY = datetime(2026, 12, 7, 9, tzinfo=UTC)


@pytest.fixture
def world():
    acme = factories.brand("acme")
    acme.name = "Acme Outdoor GmbH"
    acme.save()
    customs = factories.customs("nl-customs")
    factories.user(acme, Role.BRAND_ADMIN, username="holder")
    factories.user(customs, Role.CUSTOMS_OFFICER, username="officer")
    factories.user(customs, Role.CUSTOMS_SUPERVISOR, username="supervisor")
    tent = factories.product(acme, name="Ridge Tent 2P", genuine_features="Embroidered logo on the door")
    return {"acme": acme, "customs": customs, "tent": tent, "right": acme.ip_rights.get()}


@pytest.fixture(params=["en", "ar"])
def browser(request, tmp_path):
    driver = chrome(profile=str(tmp_path / "profile"), lang=request.param)
    phone(driver)
    driver.lang = request.param
    yield driver
    driver.quit()


def looks_right(browser, tmp_path, name: str) -> None:
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == browser.lang
    assert html.get_attribute("dir") == ("rtl" if browser.lang == "ar" else "ltr")
    assert browser.execute_script(NO_SIDEWAYS_SCROLL), name
    keep(browser, tmp_path, f"{name}-{browser.lang}")


def as_user(browser, base: str, username: str, page: str) -> None:
    browser.delete_all_cookies()
    sign_in(browser, base, username=username, next_page=page)


def click(browser, selector: str) -> None:
    element = browser.find_element(By.CSS_SELECTOR, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def confirm(browser) -> None:
    """The page that asks first: yes."""
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "main form.actions"))
    click(browser, "main form.actions button[type=submit]")


def case_action(browser, name: str) -> None:
    click(browser, f'form input[name=action][value="{name}"] ~ button')


def from_the_catalogue(browser, base, tmp_path, *, small: bool = False) -> Case:
    browser.get(base + "/verify/catalogue/")
    field = browser.find_element(By.NAME, "q")
    field.send_keys("ridge")
    field.submit()
    card = WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.CSS_SELECTOR, ".catalogue [data-gtin] a")
    )
    looks_right(browser, tmp_path, "catalogue" + ("-parcel" if small else ""))
    card.click()
    WebDriverWait(browser, 20).until(lambda b: "Embroidered logo on the door" in b.page_source)
    click(browser, 'a[href^="/verify/cases/new?gtin="]')
    goods = WebDriverWait(browser, 20).until(lambda b: b.find_element(By.NAME, "goods"))
    goods.send_keys("Tents, no label" if not small else "One tent in a parcel")
    quantity = browser.find_element(By.NAME, "quantity")
    quantity.clear()
    quantity.send_keys("1" if small else "25")
    if small:
        click(browser, "input[name=small_consignment]")
        browser.find_element(By.NAME, "tracking_ref").send_keys("LX123456789CN")
    picture = tmp_path / "goods.png"
    Image.new("RGB", (64, 48), "green").save(picture)
    browser.find_element(By.NAME, "photos").send_keys(str(picture))
    looks_right(browser, tmp_path, "case-form" + ("-parcel" if small else ""))
    click(browser, "main form button.danger[type=submit]")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "[data-procedure]"))
    return Case.objects.latest("pk")


def test_unlabelled_goods_found_in_the_catalogue_are_destroyed_under_the_application(
    live_server, world, browser, tmp_path
):
    factories.application(world["acme"], world["customs"])
    base = live_server.url
    as_user(browser, base, "officer", "/verify/")
    case = from_the_catalogue(browser, base, tmp_path)
    assert case.procedure == "application" and case.item is None and case.photos.count() == 1
    assert (
        browser.find_element(By.CSS_SELECTOR, "[data-procedure]").get_attribute("data-procedure")
        == "application"
    )
    looks_right(browser, tmp_path, "case-opened")

    as_user(browser, base, "holder", "/portal/cases/")
    click(browser, f'[data-case="{case.pk}"] button[value=counterfeit]')
    confirm(browser)
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".messages .msg-success"))
    looks_right(browser, tmp_path, "holder-answered")

    as_user(browser, base, "officer", f"/verify/cases/{case.pk}/")
    case_action(browser, "declarant_agreed")
    confirm(browser)
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, 'input[value="destroyed"]'))
    case_action(browser, "destroyed")
    confirm(browser)
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, '[data-state="destroyed"]'))
    looks_right(browser, tmp_path, "case-destroyed")
    case.refresh_from_db()
    assert case.state == Case.State.DESTROYED


def test_a_parcel_is_destroyed_when_the_declarants_period_runs_out(live_server, world, browser, tmp_path):
    with time_machine.travel(MONDAY, tick=True) as clock:
        factories.application(world["acme"], world["customs"], small_consignment=True)
        base = live_server.url
        as_user(browser, base, "officer", "/verify/")
        case = from_the_catalogue(browser, base, tmp_path, small=True)
        assert case.procedure == "small_consignment" and case.state == Case.State.AWAITING_DECLARANT
        assert not browser.find_elements(By.CSS_SELECTOR, 'input[value="destroyed"]')
        looks_right(browser, tmp_path, "parcel-waiting")

        clock.move_to(MONDAY + timedelta(days=15))  # ten working days and more, no objection
        as_user(browser, base, "officer", f"/verify/cases/{case.pk}/")
        case_action(browser, "destroyed")
        confirm(browser)
        WebDriverWait(browser, 20).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, '[data-state="destroyed"]')
        )
        looks_right(browser, tmp_path, "parcel-destroyed")
        case.refresh_from_db()
        assert case.state == Case.State.DESTROYED


def test_an_ex_officio_case_gets_an_application_in_time(live_server, world, browser, tmp_path):
    base = live_server.url
    as_user(browser, base, "officer", "/verify/cases/new")
    browser.find_element(By.NAME, "right_number").send_keys(world["right"].registration_number)
    browser.find_element(By.NAME, "goods").send_keys("Tents with the ACME mark")
    click(browser, "main form button.danger[type=submit]")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "[data-procedure]"))
    case = Case.objects.get()
    assert case.procedure == "ex_officio" and case.state == Case.State.AWAITING_APPLICATION
    looks_right(browser, tmp_path, "ex-officio-case")

    as_user(browser, base, "holder", "/portal/cases/")
    click(browser, f'[data-case="{case.pk}"] a[href*="?case="]')
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.NAME, "contact_name"))
    assert browser.find_element(
        By.CSS_SELECTOR, f'input[name=rights][value="{world["right"].pk}"]'
    ).is_selected()
    browser.find_element(By.NAME, "contact_name").send_keys("Brand protection")
    browser.find_element(By.NAME, "contact_email").send_keys("bp@acme.example")
    click(browser, "input[name=liability_undertaking]")
    looks_right(browser, tmp_path, "application-form")
    click(browser, "main form[method=post] button[type=submit]")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".messages .msg-success"))
    filed = Application.objects.get()

    as_user(browser, base, "supervisor", f"/portal/applications/{filed.ref}/")
    click(browser, f'form[action$="{filed.ref}/decide/"] button[type=submit]')
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".messages .msg-success"))
    looks_right(browser, tmp_path, "application-granted")
    case.refresh_from_db()
    assert case.application_ref == filed.ref and case.state == Case.State.AWAITING_HOLDER


def test_the_holders_and_the_representatives_pages_fit_a_phone(live_server, world, browser, tmp_path):
    factories.application(world["acme"], world["customs"])
    cases.open_case(
        actor=factories.user(world["customs"], Role.CUSTOMS_OFFICER),
        goods="Tents",
        quantity=12,
        product=world["tent"],
        details={"origin_country": "CN", "transport_mode": "sea", "estimated_value": "2400"},
    )
    firm = mandates.create_representative(
        actor=factories.office_admin(), name="Brandguard Legal", slug="brandguard", country="NL"
    )
    holder = world["acme"].members.get(user__username="holder").user
    mandates.grant(actor=holder, holder=world["acme"], representative=firm)
    factories.user(firm, Role.REPRESENTATIVE, username="lawyer")
    risk_alerts.post_alert(
        actor=holder,
        holder=world["acme"],
        kind="route",
        title="Fake tents via Hamburg",
        authorities=[world["customs"]],
        ends=(datetime.now(UTC) + timedelta(days=30)).date(),
    )
    base = live_server.url
    as_user(browser, base, "holder", "/portal/applications/")
    for page, name in [
        ("/portal/applications/", "holder-applications"),
        ("/portal/applications/sharing/", "holder-sharing"),
        ("/portal/applications/statistics/?by=origin", "holder-statistics"),
        ("/portal/applications/alerts/", "holder-alerts"),
        ("/portal/applications/representatives/", "holder-mandates"),
    ]:
        browser.get(base + page)
        looks_right(browser, tmp_path, name)
    as_user(browser, base, "lawyer", "/portal/applications/representatives/")
    click(browser, '[data-client="acme"] button[type=submit]')
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, '[data-acting-for="acme"]'))
    looks_right(browser, tmp_path, "representative-acting")
    as_user(browser, base, "officer", "/verify/")
    assert "Fake tents via Hamburg" in browser.page_source
    looks_right(browser, tmp_path, "officer-alerts")
