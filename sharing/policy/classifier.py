"""Placeholder (replaced below)."""

from __future__ import annotations

from .screen import Finding
from .types import SearchRequest


def settle(finding: Finding, request: SearchRequest) -> Finding:
    return finding
