"""A partner agency's user, in a real browser: the home page lists the cities that share with the
agency, and the hotlist alerts section works (live when a city sends alerts, a plain sentence and
no socket at all when none does)."""

import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.pages import check_page, open_page, sign_in
from tests.factories import AgencyFactory, partner_user
from tests.sharing.conftest import make_agreement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def websocket_attempts(browser) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def test_partner_with_alerts_sees_the_alerts_section_live(browser, daphne_server, city_a):
    agency = AgencyFactory(name="Kent Police Department")
    make_agreement(city_a, agency, hotlist_alerts=True, permitted_offense_types=["stolen_vehicle"])
    user = partner_user(agency)
    sign_in(browser, daphne_server, user.username)
    open_page(browser, f"{daphne_server}/home/")
    assert "Hotlist" not in browser.title and browser.title.startswith("Kent Police Department")
    section = browser.find_element(By.CSS_SELECTOR, "main section[aria-labelledby=alerts]")
    assert "Hotlist alerts shared with your agency" in section.text
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "alert-connection"), "live"))
    table = browser.find_element(By.CSS_SELECTOR, "main table").text
    assert "Alpha" in table and "Stolen vehicle" in table and "stolen_vehicle" not in table
    check_page(browser, phone=False)


def test_partner_without_alerts_gets_a_sentence_and_no_socket(browser, live_server, city_a):
    agency = AgencyFactory(name="Renton Police Department")
    make_agreement(city_a, agency, hotlist_alerts=False)
    user = partner_user(agency)
    sign_in(browser, live_server.url, user.username)
    open_page(browser, f"{live_server.url}/home/")
    section = browser.find_element(By.CSS_SELECTOR, "main section[aria-labelledby=alerts]")
    assert "No city sends hotlist alerts to your agency" in section.text
    assert browser.find_elements(By.ID, "alert-connection") == []
    browser.implicitly_wait(0)
    import time

    time.sleep(2)  # long enough for any retry loop to show itself
    assert websocket_attempts(browser) == []
    check_page(browser)
