"""What every browser test checks on every page it opens.

``check_page`` fails on a console error, a failed request (any response of 400 or more, any request
that did not complete), serious or critical WCAG 2.1 AA violations found by axe-core (served from
this folder, injected by the test, never from a CDN), and a page wider than a 390 px phone screen.
"""

from __future__ import annotations

import json
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import PASSWORD

AXE = (Path(__file__).parent / "assets" / "axe.min.js").read_text()
PHONE_WIDTH = 390


def sign_in(browser, base_url: str, username: str, password: str = PASSWORD, next_path: str = "") -> None:
    """Sign in through the form; people who need two-step sign-in get a device (when they have
    none) and the code form is filled in with its current code."""
    from portal.mfa import mfa_required_by_role
    from portal.models import User
    from tests.mfa import confirmed_device

    person = User.objects.filter(username=username).first()
    if person is not None and mfa_required_by_role(person):
        confirmed_device(person)
    suffix = f"?next={next_path}" if next_path else ""
    browser.get(f"{base_url}/accounts/login/{suffix}")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: "/accounts/login/" not in b.current_url)
    if "/accounts/mfa/verify/" in browser.current_url:
        enter_code(browser, username)
    drain_logs(browser)


def enter_code(browser, username: str) -> None:
    """The second step of signing in, with the code of the person's authenticator (tests/mfa.py)."""
    from portal.models import User
    from tests.mfa import confirmed_device, current_code

    code = current_code(confirmed_device(User.objects.get(username=username)))
    browser.find_element(By.ID, "id_code").send_keys(code)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: "/accounts/mfa/" not in b.current_url)


def drain_logs(browser) -> None:
    browser.get_log("browser")
    browser.get_log("performance")


def wait_loaded(browser) -> None:
    WebDriverWait(browser, 20).until(lambda b: b.execute_script("return document.readyState") == "complete")


def open_page(browser, url: str) -> None:
    browser.get(url)
    wait_loaded(browser)


def console_errors(browser, *, allowed_statuses: dict[str, int] | None = None) -> list[str]:
    """Console errors, except the browser's note of a status the test expects (a 404 page's own 404)."""
    expected = [
        f"{path} - Failed to load resource: the server responded with a status of {code}"
        for path, code in (allowed_statuses or {}).items()
    ]
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and not any(e in entry["message"] for e in expected)
    ]


def failed_requests(browser, *, allowed_statuses: dict[str, int] | None = None) -> list[str]:
    """Responses of 400 or more and requests that failed, since the log was last read."""
    allowed = allowed_statuses or {}
    urls: dict[str, str] = {}
    failures = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.responseReceived":
            response = params["response"]
            url, status = response["url"], response["status"]
            if status >= 400 and not any(
                url.endswith(path) and status == code for path, code in allowed.items()
            ):
                failures.append(f"{status} {url}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            url = urls.get(params["requestId"])
            if url is None:
                continue  # not a request of the page (the browser's own, outside any document)
            failures.append(f"failed {url}: {params.get('errorText')}")
    return failures


def accessibility_violations(browser) -> list[str]:
    """Serious and critical WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    if not browser.execute_script("return typeof window.axe !== 'undefined'"):
        browser.execute_script(AXE)
    result = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))
          .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
        """
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def phone_overflow(browser) -> int:
    """How many pixels the page is wider than a 390 px phone screen (0 when it fits)."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        browser.refresh()
        wait_loaded(browser)
        width = browser.execute_script(
            "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return max(0, int(width) - PHONE_WIDTH)


def check_page(browser, *, phone: bool = True, axe: bool = True, allowed_statuses=None) -> None:
    """Fail on console errors, failed requests, accessibility violations and phone overflow."""
    wait_loaded(browser)
    problems = []
    if axe:
        problems += [f"a11y: {v}" for v in accessibility_violations(browser)]
    if phone:
        overflow = phone_overflow(browser)
        if overflow:
            problems.append(f"wider than a {PHONE_WIDTH} px screen by {overflow} px")
    problems += [f"console: {m}" for m in console_errors(browser, allowed_statuses=allowed_statuses)]
    problems += [f"request: {r}" for r in failed_requests(browser, allowed_statuses=allowed_statuses)]
    assert not problems, f"{browser.current_url}:\n  " + "\n  ".join(problems)


def visit(browser, url: str, **checks) -> None:
    open_page(browser, url)
    check_page(browser, **checks)


def wait_for_text(browser, locator, text: str, timeout: float = 20) -> None:
    WebDriverWait(browser, timeout).until(EC.text_to_be_present_in_element(locator, text))
