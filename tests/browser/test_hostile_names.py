"""Names that staff type are shown to other people as text, never as markup, on every map too."""

import pytest
from selenium.webdriver.common.by import By

from tests.browser.pages import console_errors, open_page
from tests.factories import CameraFactory, CityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = '<b id="injected">Main St</b><img src=x onerror="window.injected=1">'


def test_a_camera_name_with_markup_is_text_in_the_public_maps_tooltip_and_popup(browser, live_server):
    city = CityFactory(publish_camera_locations=True)
    CameraFactory(city=city, name=HOSTILE)
    open_page(browser, f"{live_server.url}/p/{city.slug}/")
    marker = browser.find_element(By.CSS_SELECTOR, "#map path.leaflet-interactive")
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));"
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));",
        marker,
    )
    tooltip = browser.find_element(By.CSS_SELECTOR, ".leaflet-tooltip")
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content")
    assert HOSTILE in tooltip.text and HOSTILE in popup.text
    assert browser.find_elements(By.ID, "injected") == []
    assert browser.execute_script("return window.injected === undefined")
    assert console_errors(browser) == []
