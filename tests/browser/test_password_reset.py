"""The password reset pages in a real browser, under the content security policy, at 390 px."""

import re

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from portal.roles import Role
from tests.factories import city_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_overflow(browser):
    return browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def test_reset_a_password_from_the_sign_in_page(browser, live_server, city_a):
    officer = city_user(city_a, Role.OFFICER, email="officer@alpha.example")
    browser.set_window_size(390, 844)
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.LINK_TEXT, "Forgot your password?").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Reset your password"))
    assert no_overflow(browser)
    browser.find_element(By.ID, "id_email").send_keys("officer@alpha.example")
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Check your email"))
    assert no_overflow(browser)
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    browser.get(f"{live_server.url}{link}")
    WebDriverWait(browser, 20).until(EC.title_contains("Choose a new password"))
    assert no_overflow(browser)
    browser.find_element(By.ID, "id_new_password1").send_keys("a-brand-new-passphrase-26")
    browser.find_element(By.ID, "id_new_password2").send_keys("a-brand-new-passphrase-26")
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 20).until(EC.title_contains("Password changed"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Password changed"
    assert no_overflow(browser)
    officer.refresh_from_db()
    assert officer.check_password("a-brand-new-passphrase-26")
