"""The pages that show per-object permissions: a clerk assigns a hotlist manager and a case
investigator in a real browser; at phone width the pages fit and the console stays clean."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from audits.models import AuditEvent
from cameras import services as camera_services
from portal.roles import Role
from sharing import services
from sharing.models import RevocationGrounds
from tests.browser.test_search_and_camera_pages import console_errors, fits_the_width
from tests.browser.test_sign_in import sign_in
from tests.factories import PASSWORD, AgencyFactory, city_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_assigns_a_hotlist_manager_and_a_case_investigator(browser, live_server, city_a):
    clerk = city_user(city_a, Role.CLERK)
    dispatcher = city_user(city_a, Role.DISPATCHER)
    officer = city_user(city_a, Role.OFFICER)
    hotlist = camera_services.hotlist_create(
        city=city_a, by=city_user(city_a, Role.CHIEF), name="Stolen cars", source="local", priority=2
    )
    case = services.revocation_open(
        city=city_a,
        agency=AgencyFactory(name="Some PD"),
        grounds=RevocationGrounds.PROHIBITED_PURPOSE,
        by=clerk,
        summary="Misuse.",
    )
    browser.set_window_size(390, 900)
    sign_in(browser, live_server, clerk.username, PASSWORD)
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))

    browser.get(f"{live_server.url}/c/{city_a.slug}/hotlists/{hotlist.public_id}/")
    Select(browser.find_element(By.ID, "manager-user")).select_by_value(str(dispatcher.public_id))
    browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=managers] > form button").click()
    WebDriverWait(browser, 20).until(
        EC.text_to_be_present_in_element(
            (By.CSS_SELECTOR, "section[aria-labelledby=managers] ul"), dispatcher.username
        )
    )
    assert fits_the_width(browser)
    assert console_errors(browser) == []

    browser.get(f"{live_server.url}/c/{city_a.slug}/revocations/{case.public_id}/")
    Select(browser.find_element(By.ID, "investigator-user")).select_by_value(str(officer.public_id))
    browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=investigators] > form button").click()
    WebDriverWait(browser, 20).until(
        EC.text_to_be_present_in_element(
            (By.CSS_SELECTOR, "section[aria-labelledby=investigators] ul"), officer.username
        )
    )
    assert fits_the_width(browser)
    assert console_errors(browser) == []
    assert AuditEvent.objects.filter(event_type="permission.granted", actor=clerk).count() == 2


def test_a_clerk_lets_an_auditor_edit_one_draft(browser, live_server, city_a):
    from sharing.models import AgreementState
    from tests.sharing.conftest import make_agreement

    clerk = city_user(city_a, Role.CLERK)
    auditor = city_user(city_a, Role.AUDITOR)
    draft = make_agreement(
        city_a, AgencyFactory(name="Kent PD"), state=AgreementState.DRAFT, drafted_by=clerk
    )
    browser.set_window_size(390, 900)
    sign_in(browser, live_server, clerk.username, PASSWORD)
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))

    browser.get(f"{live_server.url}/c/{city_a.slug}/agreements/{draft.public_id}/")
    Select(browser.find_element(By.ID, "editor-user")).select_by_value(str(auditor.public_id))
    browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=editors] > form button").click()
    WebDriverWait(browser, 20).until(
        EC.text_to_be_present_in_element(
            (By.CSS_SELECTOR, "section[aria-labelledby=editors] ul"), auditor.username
        )
    )
    assert fits_the_width(browser)
    assert console_errors(browser) == []
    granted = AuditEvent.objects.get(event_type="permission.granted", actor=clerk)
    assert granted.target_id == str(draft.public_id) and granted.details["user"] == auditor.username
