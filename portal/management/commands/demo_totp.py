"""Print the current two-step sign-in code of the demo secret (``seed_demo``), for trying the demo
without an authenticator app. It knows only the published demo secret, no real device's key."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from portal.management.commands.seed_demo import DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Print the current code of the demo accounts' authenticator (the published demo secret)."

    def handle(self, *args: Any, **options: Any) -> None:
        totp = TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX))
        totp.time = time.time()
        left = totp.step - int(totp.time - totp.t0) % totp.step
        self.stdout.write(f"{totp.token():06d}  (valid for {left} more seconds)")
