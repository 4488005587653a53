"""A person signs in with a real browser and sees their city's home page."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from audits.models import AuditEvent
from portal.roles import Role
from tests.browser.pages import sign_in as sign_in_with_code
from tests.factories import PASSWORD, CameraFactory, city_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, username, password):
    """The sign-in form. With the right password, through ``pages.sign_in``, which also enters the
    code of people who need two-step sign-in; with a wrong one, the form alone."""
    if password == PASSWORD:
        sign_in_with_code(browser, live_server.url, username, password)
        return
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()


def test_staff_sign_in_and_see_their_city_home(browser, live_server, city_a):
    CameraFactory(city=city_a, name="Harbour Ave camera")
    chief = city_user(city_a, Role.CHIEF)
    sign_in(browser, live_server, chief.username, PASSWORD)  # the chief also enters a code
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))
    assert browser.find_element(By.TAG_NAME, "h1").text == f"{city_a.name}, {city_a.state}"
    assert "Harbour Ave camera" in browser.page_source
    browser.find_element(By.LINK_TEXT, "Audit log").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Audit log"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Audit log"
    assert "auth.login" in browser.page_source
    assert AuditEvent.objects.filter(event_type="audit.viewed", actor=chief).exists()


def test_a_wrong_password_shows_a_clear_error(browser, live_server, city_a):
    officer = city_user(city_a, Role.OFFICER)
    sign_in(browser, live_server, officer.username, "not the password")
    alert = (
        WebDriverWait(browser, 20)
        .until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
        .text
    )
    assert "correct username and password" in alert
