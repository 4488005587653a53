"""Two-step sign-in in a real browser at phone width: the code step, enrolment with the QR code and
the recovery codes, the status page, and a chief's reset from the staff page."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from audits.models import AuditEvent
from portal.roles import Role
from tests.browser.pages import PHONE_WIDTH, check_page, drain_logs, open_page, sign_in, wait_loaded
from tests.factories import PASSWORD, city_user
from tests.mfa import confirmed_device, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    """The whole test at a 390 px phone's width (pages are checked without reloading them, so a
    page answering a POST is checked as it came)."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def check_here(browser, **kwargs) -> None:
    wait_loaded(browser)
    width = browser.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    assert width <= PHONE_WIDTH, f"{browser.current_url} is {width} px wide"
    check_page(browser, phone=False, **kwargs)


def password_step(browser, base_url: str, username: str) -> None:
    browser.get(f"{base_url}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: "/accounts/login/" not in b.current_url)


def submit_code(browser, code: str) -> None:
    field = browser.find_element(By.ID, "id_code")
    field.clear()
    field.send_keys(code)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def test_a_chief_signs_in_with_a_code_from_the_app(phone, live_server, city_a):
    browser = phone
    chief = city_user(city_a, Role.CHIEF)
    device = confirmed_device(chief)
    password_step(browser, live_server.url, chief.username)
    assert browser.current_url.startswith(f"{live_server.url}/accounts/mfa/verify/")
    check_here(browser)

    wrong = "000000" if current_code(device) != "000000" else "111111"
    submit_code(browser, wrong)
    alert = WebDriverWait(browser, 20).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]"))
    )
    assert "not right" in alert.text
    check_here(browser, allowed_statuses={"/accounts/mfa/verify/": 400})
    assert AuditEvent.objects.filter(event_type="auth.mfa_failed", actor=chief).exists()

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )
    submit_code(browser, current_code(device))
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))
    assert browser.find_element(By.TAG_NAME, "h1").text == f"{city_a.name}, {city_a.state}"
    check_here(browser)
    assert AuditEvent.objects.filter(event_type="auth.mfa_verified", actor=chief).exists()


def test_a_clerk_sets_up_the_app_and_keeps_the_recovery_codes(phone, live_server, city_a):
    browser = phone
    clerk = city_user(city_a, Role.CLERK)
    password_step(browser, live_server.url, clerk.username)
    assert browser.current_url.startswith(f"{live_server.url}/accounts/mfa/enrol/")
    qr = browser.find_element(By.CSS_SELECTOR, "img.qr")
    WebDriverWait(browser, 20).until(lambda b: b.execute_script("return arguments[0].naturalWidth", qr) > 0)
    check_here(browser)
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    shown = browser.find_element(By.ID, "mfa-secret").text.replace(" ", "")
    assert shown in device.config_url

    submit_code(browser, current_code(device))
    codes = WebDriverWait(browser, 20).until(
        EC.presence_of_all_elements_located((By.CSS_SELECTOR, "#recovery-codes li"))
    )
    assert len(codes) == 10
    check_here(browser)
    browser.find_element(By.LINK_TEXT, "Continue").click()
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))
    check_here(browser)

    open_page(browser, f"{live_server.url}/accounts/mfa/")
    assert browser.find_element(By.ID, "codes-left").text == "10"
    check_here(browser)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "recovery-codes")))
    check_here(browser)
    assert AuditEvent.objects.filter(event_type="auth.mfa_enrolled", actor=clerk).exists()


def test_a_chief_resets_a_clerks_app_from_the_staff_page(phone, live_server, city_a):
    browser = phone
    chief = city_user(city_a, Role.CHIEF)
    clerk = city_user(city_a, Role.CLERK)
    confirmed_device(clerk)
    sign_in(browser, live_server.url, chief.username)
    open_page(browser, f"{live_server.url}/c/{city_a.slug}/")
    browser.find_element(By.CSS_SELECTOR, "#city-nav .nav-toggle").click()
    browser.find_element(By.LINK_TEXT, "Staff").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Staff"))
    check_here(browser)
    row = browser.find_element(By.XPATH, f"//tr[td[contains(., '{clerk.username}')]]")
    row.find_element(By.LINK_TEXT, "Reset").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Reset two-step sign-in"))
    check_here(browser)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Staff"))
    assert f"Two-step sign-in of {clerk.username} was reset." in browser.page_source
    check_here(browser)
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert AuditEvent.objects.filter(
        event_type="auth.mfa_reset", actor=chief, target_id=str(clerk.public_id)
    ).exists()
    drain_logs(browser)
