"""A dispatcher, in a real browser on the full stack (Daphne, Redis channel layer, a Celery worker),
sees a hit appear the moment a read matches, dispositions it, and loses no hit across a gap."""

import time

import pytest
import requests
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from cameras.models import Hit, HotlistSource, Read
from cameras.services import camera_create, hotlist_create, hotlist_entry_add, reads_match
from portal.roles import Role
from tests.browser.pages import check_page, visit
from tests.factories import PASSWORD, city_user

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stage(city_a):
    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(
        city=city_a, by=clerk, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    for plate in ("ABC1234", "GAP0001", "GAP0002"):
        hotlist_entry_add(hotlist=hotlist, by=clerk, plate=plate, state="WA", reason="stolen vehicle")
    camera, key = camera_create(
        city=city_a, by=clerk, name="Harbour Ave", latitude="47.3", longitude="-122.2"
    )
    return {"dispatcher": city_user(city_a, Role.DISPATCHER), "camera": camera, "key": key}


def open_board(browser, base, city, dispatcher):
    browser.get(f"{base}/accounts/login/?next=/c/{city.slug}/hits/")
    browser.find_element(By.ID, "id_username").send_keys(dispatcher.username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "connection"), "live"))


def shown_hit_ids(browser):
    return [el.get_attribute("data-id") for el in browser.find_elements(By.CSS_SELECTOR, "#hits article.hit")]


def test_dispatcher_sees_a_hit_live_and_dispositions_it(
    browser, daphne_server, celery_worker_process, city_a, stage
):
    open_board(browser, daphne_server, city_a, stage["dispatcher"])
    camera = stage["camera"]
    response = requests.post(
        f"{daphne_server}/api/v1/c/{city_a.slug}/cameras/{camera.public_id}/reads/",
        json={"reads": [{"plate": "ABC1234", "confidence": 0.97, "captured_at": timezone.now().isoformat()}]},
        headers={"Authorization": f"Camera {stage['key']}"},
        timeout=20,
    )
    assert response.status_code == 201, response.text
    card = WebDriverWait(browser, 30).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "#hits article.hit"))
    )
    assert "ABC1234" in card.text and "NOT VERIFIED" in card.text and "Harbour Ave" in card.text
    Select(card.find_element(By.NAME, "disposition")).select_by_value("correct_read")
    card.find_element(By.NAME, "action_taken").send_keys("unit 7 dispatched")
    card.find_element(By.CSS_SELECTOR, "form.dispose button").click()
    WebDriverWait(browser, 15).until(lambda _: "Confirmed" in card.find_element(By.CLASS_NAME, "status").text)
    # The form goes away once the hit is decided (a CSS rule used to keep it on screen).
    WebDriverWait(browser, 5).until(
        lambda _: not card.find_element(By.CSS_SELECTOR, "form.dispose").is_displayed()
    )
    assert "unit 7 dispatched" in card.text and "Correct read" in card.text
    hit = Hit.all_cities.get()
    assert (hit.status, hit.action_taken, hit.disposed_by) == (
        "confirmed",
        "unit 7 dispatched",
        stage["dispatcher"],
    )
    check_page(browser)  # the board itself: console, requests, axe-core, 390 px
    # The history shows the hit with its outcome; the hit's page maps its camera.
    visit(browser, f"{daphne_server}/c/{city_a.slug}/hits/history/")
    assert "Correct read" in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.CSS_SELECTOR, "main table a").click()
    WebDriverWait(browser, 10).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "#map .leaflet-interactive"))
    )
    check_page(browser)


def test_hits_made_while_disconnected_arrive_on_reconnect_once(browser, daphne_server, city_a, stage):
    open_board(browser, daphne_server, city_a, stage["dispatcher"])
    camera = stage["camera"]

    def hit_for(plate):
        read = Read.all_cities.create(
            city=city_a,
            camera=camera,
            source="device",
            plate=plate,
            confidence=0.9,
            captured_at=timezone.now(),
        )
        return reads_match(city=city_a, read_ids=[read.pk])[0]

    first = hit_for("ABC1234")
    WebDriverWait(browser, 15).until(lambda b: str(first.public_id) in shown_hit_ids(b))
    # Drop the socket and stay away for 4 seconds; hits pushed meanwhile are lost to the socket.
    browser.execute_script("stewardHits.setRetryDelay(4000); stewardHits.socket().close();")
    WebDriverWait(browser, 5).until(lambda b: "live" not in b.find_element(By.ID, "connection").text)
    missed = [hit_for("GAP0001"), hit_for("GAP0002")]
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "connection"), "live"))
    wanted = {str(h.public_id) for h in [first, *missed]}
    WebDriverWait(browser, 15).until(lambda b: wanted <= set(shown_hit_ids(b)))
    time.sleep(1)  # let any late duplicate arrive before counting
    ids = shown_hit_ids(browser)
    assert sorted(ids) == sorted(wanted)  # each exactly once
