"""docs/screenshots/: each role's dashboard and the public page, at desktop and phone width.

Regenerate with ``make screenshots`` (runs this file with STEWARD_SCREENSHOTS=1 on the demo data).
Skipped in the normal suite. Each picture is cut at a fixed height and saved as a 256-colour PNG.
"""

import base64
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.pages import check_page, open_page, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("STEWARD_SCREENSHOTS"), reason="make screenshots"),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 1500), "phone": (390, 2200)}
PAGES = [
    ("public", None, "/p/auburn/"),
    ("chief", "auburn-chief", "/c/auburn/"),
    ("clerk", "auburn-clerk", "/c/auburn/"),
    ("dispatcher", "auburn-dispatcher", "/c/auburn/"),
    ("officer", "auburn-officer", "/c/auburn/"),
    ("auditor", "auburn-auditor", "/c/auburn/"),
    ("partner", "kent-detective", "/home/"),
]


def capture(browser, path: Path, width: int, max_height: int) -> None:
    from PIL import Image

    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    browser.refresh()
    open_page(browser, browser.current_url)
    height = min(max_height, browser.execute_script("return document.documentElement.scrollHeight"))
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    image = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
    image.quantize(colors=256).save(path, optimize=True)


def test_screenshots(browser, live_server):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, username, path in PAGES:
        browser.delete_all_cookies()
        if username:
            sign_in(browser, live_server.url, username, DEMO_PASSWORD)
        open_page(browser, live_server.url + path)
        check_page(browser, axe=False)
        for label, (width, max_height) in WIDTHS.items():
            capture(browser, OUT / f"{name}-{label}.png", width, max_height)
    assert len(list(OUT.glob("*.png"))) >= len(PAGES) * len(WIDTHS)
