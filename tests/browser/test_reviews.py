"""The compliance review in a real browser: charts, filters, CSV and PDF, marking, signing, the public list."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from audits.checkpoints import checkpoint_sign
from audits.reviews.models import Finding, Review, ReviewStatus
from audits.reviews.services import review_request, review_run
from portal.roles import Role
from tests.audits.review_data import MONTH, Planter, at
from tests.browser.test_sign_in import sign_in
from tests.factories import PASSWORD, city_user, partner_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAILED_REQUESTS = """
return performance.getEntriesByType('resource')
  .filter(e => e.responseStatus && e.responseStatus >= 400).map(e => e.name + ' ' + e.responseStatus);
"""
WIDE_ELEMENTS = """
return Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll, main > table'))
  .slice(0, 8).map(e => e.tagName + '.' + e.className);
"""
FETCH_STATUS = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: 'same-origin'})
  .then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type'), b.byteLength])))
  .catch(e => done(['error', String(e), 0]));
"""


def assert_page_is_clean(browser, *, narrow_check: bool = True):
    # (A JSON document has no icon link, so the browser asks for /favicon.ico on its own.)
    errors = [
        entry
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "/favicon.ico" not in entry["message"]
    ]
    assert errors == [], errors
    assert browser.execute_script(FAILED_REQUESTS) == []
    if narrow_check:
        size = browser.get_window_size()
        browser.set_window_size(390, 844)
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        wide = browser.execute_script(WIDE_ELEMENTS)
        browser.set_window_size(size["width"], size["height"])
        assert overflow <= 0, f"page overflows a 390 px screen by {overflow} px: {wide}"


@pytest.fixture
def review(city_a):
    plant = Planter(city_a)
    agent = partner_user(plant.federal_agency())
    plant.search(
        at(8, 9), user=agent, plate="SIDE001", outcome="denied", rule="agency.immigration_enforcement"
    )
    plant.search(at(8, 12), user=plant.partner, plate="SIDE001")
    plant.search(at(3), reason="investigation")
    created = review_request(city=city_a, month=MONTH)
    review_run(review_id=created.pk)
    return Review.all_cities.get(pk=created.pk)


def test_auditor_reads_the_review_marks_findings_and_the_chief_signs(browser, live_server, city_a, review):
    auditor = city_user(city_a, Role.AUDITOR)
    sign_in(browser, live_server, auditor.username, PASSWORD)
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))
    browser.find_element(By.LINK_TEXT, "Reviews").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Compliance reviews"))
    browser.find_element(By.LINK_TEXT, "September 2026").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Review September 2026"))
    # The charts are drawn by the vendored Chart.js.
    WebDriverWait(browser, 20).until(
        lambda b: b.execute_script("return !!(window.Chart && Chart.getChart('chart-severity'))")
    )
    assert "side.after_refusal" in browser.page_source
    assert_page_is_clean(browser)
    for link_id, content_type in (("review-csv", "text/csv"), ("review-pdf", "application/pdf")):
        href = browser.find_element(By.ID, link_id).get_attribute("href")
        status, kind, size = browser.execute_async_script(FETCH_STATUS, href)
        assert (status, kind.split(";")[0]) == (200, content_type) and size > 100
    # Filters.
    browser.find_element(By.ID, "id_severity").send_keys("Low")
    browser.find_element(By.CSS_SELECTOR, "form[aria-label='Filter findings'] button").click()
    WebDriverWait(browser, 20).until(EC.url_contains("severity=low"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.findings tbody tr")
    assert len(rows) == 1 and "hygiene.vague_reason" in rows[0].text
    browser.get(f"{live_server.url}/c/{city_a.slug}/reviews/{review.public_id}/")
    for finding in Finding.all_cities.filter(review=review):
        form = browser.find_element(By.CSS_SELECTOR, f"#f-{finding.public_id} form.mark")
        form.find_element(By.TAG_NAME, "textarea").send_keys("Checked the audit entries and the agreement.")
        form.find_element(By.TAG_NAME, "button").click()
        WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".messages")))
    assert "Reviewed" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "header.site form button").click()
    chief = city_user(city_a, Role.CHIEF)
    sign_in(browser, live_server, chief.username, PASSWORD)
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))
    browser.get(f"{live_server.url}/c/{city_a.slug}/reviews/{review.public_id}/")
    browser.find_element(By.ID, "sign-review").click()
    WebDriverWait(browser, 20).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main"), "Signed by the chief")
    )
    assert Review.all_cities.get(pk=review.pk).status == ReviewStatus.SIGNED
    assert_page_is_clean(browser)


def test_the_public_page_lists_signed_reviews_and_checkpoints_without_plates(
    browser, live_server, city_a, review
):
    Finding.all_cities.filter(review=review).update(status="reviewed", note="ok")
    Review.all_cities.filter(pk=review.pk).update(status=ReviewStatus.SIGNED, signed_at=review.finished_at)
    checkpoint_sign(city=city_a, reason="daily")
    browser.get(f"{live_server.url}/p/{city_a.slug}/")
    table = browser.find_element(By.ID, "public-reviews")
    count = Finding.all_cities.filter(review=review).count()
    assert "September 2026" in table.text and str(count) in table.text
    assert browser.find_element(By.ID, "public-checkpoints").find_elements(By.TAG_NAME, "code")
    assert "SIDE001" not in browser.page_source
    assert_page_is_clean(browser)
    browser.find_element(By.LINK_TEXT, "all checkpoints as JSON").click()
    assert '"algorithm": "Ed25519"' in browser.page_source
    browser.get(f"{live_server.url}/p/{city_a.slug}/report/2026/")
    assert "licence plate readers in 2026" in browser.find_element(By.TAG_NAME, "h1").text
    assert "SIDE001" not in browser.page_source
    assert_page_is_clean(browser)
    href = browser.find_element(By.ID, "report-pdf").get_attribute("href")
    status, kind, _ = browser.execute_async_script(FETCH_STATUS, href)
    assert (status, kind) == (200, "application/pdf")


def test_a_review_asked_for_shows_its_progress(browser, live_server, city_a):
    chief = city_user(city_a, Role.CHIEF)
    sign_in(browser, live_server, chief.username, PASSWORD)
    WebDriverWait(browser, 20).until(EC.url_to_be(f"{live_server.url}/c/{city_a.slug}/"))
    browser.get(f"{live_server.url}/c/{city_a.slug}/reviews/")
    month = browser.find_element(By.ID, "id_month")
    browser.execute_script("arguments[0].value = '2026-08'", month)
    browser.find_element(By.CSS_SELECTOR, "form[aria-label='Ask for a review'] button").click()
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "review-progress")))
    # Without a worker in this test the review stays queued; the page keeps polling without errors.
    WebDriverWait(browser, 20).until(
        lambda b: b.execute_script(
            "return performance.getEntriesByType('resource').some(e => e.name.includes('progress.json'))"
        )
    )
    assert "Waiting for a worker" in browser.find_element(By.ID, "review-progress-label").text
    assert_page_is_clean(browser)
