"""An officer's camera page shows counts, not plates; a search shows the plate and its crop, under
the search; at phone width neither page overflows and the console stays clean."""

import pytest
from django.core.files.base import ContentFile
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from audits.models import AuditEvent
from cameras.models import Read, private_storage
from portal.roles import Role
from tests.browser.test_sign_in import sign_in
from tests.factories import PASSWORD, CameraFactory, city_user
from tests.sharing.conftest import PURPOSE, make_read

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def console_errors(browser):
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def fits_the_width(browser) -> bool:
    """The page's own content (``main``) fits; the site header is the layout's business."""
    wide = browser.execute_script(
        "const w = document.documentElement.clientWidth;"
        "const scrolls = e => { for (let a = e.parentElement; a; a = a.parentElement) {"
        "  if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true; } return false; };"
        "return [...document.querySelectorAll('main, main *')]"
        ".filter(e => e.getBoundingClientRect().right > w + 1 && !scrolls(e))"
        ".map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 30) + ' ' + Math.round(e.getBoundingClientRect().right) + '/' + w);"
    )
    assert wide == [], wide
    return True


def test_camera_page_counts_and_a_search_opens_the_crop(browser, live_server, city_a, private_storage_dir):
    camera = CameraFactory(city=city_a, name="Harbour Ave camera")
    read = make_read(camera, "KNOWN42")
    name = private_storage().save(f"crops/{read.public_id.hex}.png", ContentFile(PNG))
    Read.all_cities.filter(pk=read.pk).update(crop=name)
    officer = city_user(city_a, Role.OFFICER)
    browser.set_window_size(390, 900)
    sign_in(browser, live_server, officer.username, PASSWORD)
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))

    browser.get(f"{live_server.url}/c/{city_a.slug}/cameras/{camera.public_id}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Harbour Ave camera"
    assert "Reads, last 24 hours" in browser.page_source and "KNOWN42" not in browser.page_source
    assert fits_the_width(browser)
    assert console_errors(browser) == []

    browser.get(f"{live_server.url}/c/{city_a.slug}/search/")
    browser.find_element(By.NAME, "plate").send_keys("KNOWN42")
    browser.find_element(By.NAME, "reason").send_keys(PURPOSE["reason"])
    offense = browser.find_element(By.NAME, "offense_type")
    if offense.tag_name == "select":
        from selenium.webdriver.support.ui import Select

        Select(offense).select_by_value(PURPOSE["offense_type"])
    else:
        offense.send_keys(PURPOSE["offense_type"])
    browser.find_element(By.NAME, "case_number").send_keys(PURPOSE["case_number"])
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    link = WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.LINK_TEXT, "Plate image")))
    assert "KNOWN42" in browser.page_source and "/searches/" in link.get_attribute("href")
    assert fits_the_width(browser)
    browser.get(link.get_attribute("href"))  # the link sits in the table's scroll region at this width
    WebDriverWait(browser, 20).until(lambda b: "crop.jpg" in b.current_url)
    assert browser.execute_script("return document.images.length && document.images[0].naturalWidth") == 1
    assert console_errors(browser) == []
    assert AuditEvent.objects.filter(event_type="read.crop_viewed", actor=officer).count() == 1
