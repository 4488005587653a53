"""A clerk, in a real browser, sees a camera's health with its history, opens the device section,
issues the secret webhook URL and sees it once; the pages load without console errors or failed
requests and fit a 390 px wide phone."""

import datetime as dt

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from cameras.models import CameraEdge
from cameras.services import DeviceRead, camera_create, camera_heartbeat_record, reads_ingest_from_device
from portal.roles import Role
from tests.browser.pages import sign_in
from tests.factories import city_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_problems(browser) -> list[str]:
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    failed = browser.execute_script(
        "return performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))"
        ".filter(e => e.responseStatus >= 400).map(e => e.name + ' ' + e.responseStatus)"
    )
    return problems + failed


def too_wide(browser, selector: str) -> list[str]:
    """Elements inside ``selector`` that reach past the window's right edge. (The site's navigation
    and the camera page's reads table are older than these checks and not measured here.)"""
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ', ' + arguments[0] + ' *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))",
        selector,
    )


def test_clerk_sees_health_and_issues_a_webhook_url(browser, live_server, city_a):
    clerk = city_user(city_a, Role.CLERK)
    camera, _key = camera_create(
        city=city_a, by=clerk, name="Harbour Ave", latitude="47.3", longitude="-122.2"
    )
    reads_ingest_from_device(
        camera=camera, reads=[DeviceRead(plate="ABC1234", confidence=0.9, captured_at=timezone.now())]
    )
    camera_heartbeat_record(
        camera=camera, source_format="openalpr.heartbeat", ok=False, note="stream h265 is not streaming"
    )
    CameraEdge.all_cities.filter(camera=camera).update(last_read_at=timezone.now() - dt.timedelta(minutes=5))

    sign_in(
        browser, live_server.url, clerk.username, next_path=f"/c/{city_a.slug}/cameras/{camera.public_id}/"
    )
    WebDriverWait(browser, 20).until(EC.title_contains("Harbour Ave"))
    status = browser.find_element(By.ID, "camera-health")
    assert status.text == "Degraded" and "stream h265 is not streaming" in browser.page_source
    history = browser.find_element(By.CSS_SELECTOR, "table.health-history").text
    assert "Degraded" in history
    assert page_problems(browser) == []

    browser.find_element(By.CSS_SELECTOR, "details.card summary").click()
    urls = browser.find_element(By.CSS_SELECTOR, "ul.device-urls").text
    assert f"/api/v1/c/{city_a.slug}/cameras/{camera.public_id}/devices/axis-lpv/" in urls
    browser.set_window_size(390, 844)
    assert too_wide(browser, "section[aria-labelledby=health-heading]") == []
    browser.set_window_size(1280, 900)

    browser.find_element(By.XPATH, "//button[contains(., 'Issue a webhook URL')]").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Webhook URL"))
    shown = browser.find_elements(By.CSS_SELECTOR, "ul.device-urls code")
    assert len(shown) == 4
    token = shown[0].text.rstrip("/").rsplit("/", 1)[1]
    assert CameraEdge.all_cities.get(camera=camera).webhook_token_matches(token)
    assert page_problems(browser) == []
    browser.set_window_size(390, 844)
    assert too_wide(browser, "main") == []


def test_chief_sees_the_state_an_edge_device_read_on_the_hit(browser, live_server, city_a):
    from cameras.models import Hit, HotlistSource
    from cameras.services import hotlist_create, hotlist_entry_add

    chief = city_user(city_a, Role.CHIEF)
    hotlist = hotlist_create(
        city=city_a, by=chief, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    hotlist_entry_add(hotlist=hotlist, by=chief, plate="6PK132", state="MO", reason="stolen vehicle")
    camera, _key = camera_create(city=city_a, by=chief, name="Gate", latitude="47.3", longitude="-122.2")
    reads_ingest_from_device(
        camera=camera,
        reads=[
            DeviceRead(
                plate="6PK132",
                confidence=0.9,
                captured_at=timezone.now(),
                region="us-mo",
                candidates=({"plate": "6PK132", "confidence": 0.9}, {"plate": "6PKI32", "confidence": 0.7}),
            )
        ],
    )
    hit = Hit.all_cities.get()
    sign_in(browser, live_server.url, chief.username, next_path=f"/c/{city_a.slug}/hits/{hit.public_id}/")
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "main dl")))
    facts = browser.find_element(By.CSS_SELECTOR, "main dl").text
    assert "6PK132 US-MO" in facts and "Other readings by the device\n6PKI32 (0.70)" in facts
    assert page_problems(browser) == []
