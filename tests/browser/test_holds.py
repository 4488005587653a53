"""Held searches in a real browser: the chief follows the dashboard tile to the holds page, reads the
request, the rule and the evidence, approves with a reason; the officer then sees the results. A
partner agency's named supervisor finds the hold on their home page. Every page at phone width too,
with a clean console and no failed request."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from portal.models import User
from portal.roles import Role
from portal.services import agency_supervisor_set
from sharing.models import HoldState, SearchHold
from tests.browser.pages import check_page, open_page, sign_in, wait_for_text
from tests.factories import AgencyFactory, CameraFactory, city_user, partner_user
from tests.sharing.conftest import make_agreement, make_read
from tests.sharing.test_holds import PLATE, REASON, held_purpose, hold_search

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chief_decides_a_hold_from_the_dashboard_and_the_officer_sees_the_results(
    browser, live_server, city_a
):
    camera = CameraFactory(city=city_a, name="Harbour Ave camera")
    make_read(camera, PLATE)
    officer = city_user(city_a, Role.OFFICER)
    chief = city_user(city_a, Role.CHIEF)
    purpose = held_purpose(officer, city_a)

    # The officer's search is held: the search page says so and links to the hold.
    sign_in(browser, live_server.url, officer.username)
    search_page = f"/c/{city_a.slug}/search/"
    open_page(browser, f"{live_server.url}{search_page}")
    browser.find_element(By.NAME, "plate").send_keys(PLATE)
    browser.find_element(By.NAME, "reason").send_keys(purpose["reason"])
    Select(browser.find_element(By.NAME, "offense_type")).select_by_value(purpose["offense_type"])
    browser.find_element(By.NAME, "case_number").send_keys(purpose["case_number"])
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    notice = browser.find_element(By.ID, "held-notice")
    assert "Held for a supervisor" in notice.text
    assert 'id="results"' not in browser.page_source  # nothing ran
    check_page(browser, phone=False, allowed_statuses={search_page: 403})  # a held search answers 403
    hold = SearchHold.all_cities.select_related("search").get()
    notice.find_element(By.LINK_TEXT, "Follow this held search").click()
    assert "waits for a supervisor" in browser.find_element(By.ID, "hold-waiting").text
    check_page(browser)
    browser.delete_all_cookies()

    sign_in(browser, live_server.url, chief.username)
    open_page(browser, f"{live_server.url}/c/{city_a.slug}/")
    tile = browser.find_element(By.ID, "attention-holds")
    assert tile.find_element(By.CLASS_NAME, "count").text == "1"
    assert "Searches held for your decision" in tile.text
    check_page(browser)  # reloads the page at phone width: find the tile again

    browser.find_element(By.CSS_SELECTOR, "#attention-holds a").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Searches held for a supervisor"
    assert "Waiting for your decision (1)" in browser.find_element(By.ID, "awaiting").text
    check_page(browser)

    open_page(browser, f"{live_server.url}/c/{city_a.slug}/holds/")
    browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=awaiting] tbody a").click()
    assert hold.search.reason in browser.find_element(By.ID, "request-reason").text
    evidence = browser.find_element(By.ID, "hold-evidence").text
    assert all(str(phrase) in evidence for phrase in hold.search.decision["evidence"])
    assert hold.search.rule in browser.page_source
    check_page(browser)

    browser.find_element(By.ID, "id_decision_0").click()  # approve
    browser.find_element(By.ID, "id_reason").send_keys(REASON)
    browser.find_element(By.CSS_SELECTOR, "#hold-decision button[type=submit]").click()
    assert "Approved: the search ran" in browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert browser.find_element(By.ID, "hold-reason").text == REASON
    check_page(browser)
    assert SearchHold.all_cities.get(pk=hold.pk).state == HoldState.APPROVED

    open_page(browser, f"{live_server.url}/c/{city_a.slug}/")
    assert browser.find_element(By.CSS_SELECTOR, "#attention-holds .count").text == "0"

    browser.delete_all_cookies()
    sign_in(browser, live_server.url, officer.username)
    open_page(browser, f"{live_server.url}/c/{city_a.slug}/holds/{hold.public_id}/")
    assert "Approved" in browser.find_element(By.ID, "hold-status").text
    results = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=results]").text
    assert "1 read" in results and PLATE in results
    check_page(browser)


def test_a_partner_supervisor_finds_the_hold_on_their_home_page_and_refuses_it(browser, live_server, city_a):
    kent = AgencyFactory(name="Kent Police Department", state="WA")
    make_agreement(city_a, kent)
    detective = partner_user(kent)
    supervisor = partner_user(kent)
    staff = User.objects.create_user("installation-admin", password="x", is_staff=True)
    agency_supervisor_set(user=supervisor, supervises=True, by=staff)
    hold = hold_search(detective, city_a)

    sign_in(browser, live_server.url, supervisor.username)
    open_page(browser, f"{live_server.url}/home/")
    section = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=holds]")
    assert "Searches held for your decision (1)" in section.text
    check_page(browser, phone=True)

    browser.find_element(By.CSS_SELECTOR, "#holds-awaiting a").click()
    assert hold.search.reason in browser.find_element(By.ID, "request-reason").text
    check_page(browser)
    browser.find_element(By.ID, "id_decision_1").click()  # refuse
    browser.find_element(By.ID, "id_reason").send_keys("No victim named in the case file; refused.")
    browser.find_element(By.CSS_SELECTOR, "#hold-decision button[type=submit]").click()
    # the decision posts and the page reloads: wait for the new status, not the old page's
    wait_for_text(browser, (By.ID, "hold-status"), "Refused")
    check_page(browser)
    assert SearchHold.all_cities.get(pk=hold.pk).state == HoldState.REFUSED
