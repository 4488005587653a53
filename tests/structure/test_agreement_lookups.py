"""Agreements are read in one place: the grant (``sharing/grants.py``) and the named selectors
(``sharing/selectors/``). Anywhere else in the project, reading ``SharingAgreement.objects`` or
``SharingAgreement.all_cities`` is a second answer to "who may see what" (or a second copy of a
selector), so it fails here. The agreement use cases (``sharing/services/agreements.py``) write:
they create an agreement and lock the one they change (``create``, ``select_for_update``).
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "audits", "cameras", "sharing")
MANAGERS = {"objects", "all_cities"}
READERS = ("sharing/grants.py", "sharing/selectors/")
WRITER = "sharing/services/agreements.py"
WRITES = {"create", "select_for_update"}


def agreement_reads(source: str) -> list[tuple[int, str]]:
    """(line, what) for each use of an agreement manager in ``source``, with the method called on it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr not in MANAGERS
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in MANAGERS
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "SharingAgreement"
        ):
            found.append((node.lineno, node.attr))
    return sorted(found)


def offending_reads() -> list[str]:
    offences = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            where = path.relative_to(ROOT).as_posix()
            if where.startswith(READERS):
                continue
            for line, method in agreement_reads(path.read_text()):
                if where == WRITER and method in WRITES:
                    continue
                offences.append(f"{where}:{line} SharingAgreement.<manager>.{method}")
    return offences


def test_the_walk_sees_an_agreement_lookup():
    sample = (
        "def f(agency):\n"
        "    return SharingAgreement.objects.filter(partner_agency=agency).exists()\n"
        "def g():\n"
        "    return SharingAgreement.all_cities.get(pk=1)\n"
        "def h():\n"
        "    return Search.objects.filter(pk=1)\n"
    )
    assert agreement_reads(sample) == [(2, "filter"), (4, "get")]


def test_no_agreement_is_read_outside_the_grant_and_the_selectors():
    assert offending_reads() == []
