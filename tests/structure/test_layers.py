"""Imports point down and never go round in a circle (an AST walk over the project's own modules).

Every import counts, function-local ones included (a local import does not remove a dependency, it
only hides it); imports under ``if TYPE_CHECKING:`` are annotations only and are left out.
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "audits", "cameras", "sharing")

# The top of the house: modules that gather every app (pages, URLs, sockets, the public summary,
# commands). Nothing below them imports them.
SITE = ("portal.views", "portal.urls", "portal.routing", "portal.public", "portal.management", "portal.asgi")
# The bottom: the city, its users and their scope, which every app builds on.
CORE = ("portal.models", "portal.roles", "portal.tenancy", "portal.db")
# The monthly compliance review and the reports read every app's records (searches, agreements,
# hits, the audit log): within ``audits`` they sit above cameras and sharing, below the site.
REVIEW_LAYER = (
    "audits.reviews",
    "audits.reports",
    "audits.public_views",
    "audits.public_urls",
    "audits.templatetags",
)
# What each app may not import (the layers above it).
FORBIDDEN = {
    "cameras": ("sharing", *SITE, *REVIEW_LAYER),
    "audits": ("cameras", "sharing", *SITE),
    "sharing": (*SITE, *REVIEW_LAYER),
    **{layer: SITE for layer in REVIEW_LAYER},
    **{core: ("audits", "cameras", "sharing", *SITE) for core in CORE},
}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, pathlib.Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: pathlib.Path, modules: dict[str, pathlib.Path]) -> set[str]:
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules else base)
    return {imported for imported in found if imported.split(".")[0] in PACKAGES and imported in modules}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_no_app_imports_a_layer_above_it():
    offences = []
    for module, imported in import_graph().items():
        for owner, forbidden in FORBIDDEN.items():
            if not _within(module, owner):
                continue
            if owner == "audits" and any(_within(module, layer) for layer in REVIEW_LAYER):
                continue  # the review layer has its own rule
            offences += [
                f"{module} -> {target}" for target in imported for f in forbidden if _within(target, f)
            ]
    assert offences == []


def test_cameras_never_imports_sharing():
    graph = import_graph()
    assert [
        (m, t) for m, ts in graph.items() if _within(m, "cameras") for t in ts if _within(t, "sharing")
    ] == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import one another in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycles():
    assert strongly_connected(import_graph()) == []


def test_the_walk_sees_what_it_checks():
    """The walk must find real edges (a broken walk would pass every rule above)."""
    graph = import_graph()
    assert "cameras.hooks" in graph["cameras.services.hotlists"]
    assert "cameras.services" in graph["cameras.tasks"]
    assert "sharing.grants" in graph["sharing.permissions"]
    assert "cameras.models" in graph["sharing.grants"]
    assert strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_sharing_subscribes_to_the_cameras_hooks():
    from cameras import hooks, live
    from sharing.hotlist_screen import refuse_immigration_entries, refuse_immigration_hotlists
    from sharing.services.alerts import partner_alerts_on_hits

    assert hooks.hits_committed.subscribers() == (live.push_hits_to_dispatchers, partner_alerts_on_hits)
    assert refuse_immigration_hotlists in hooks.hotlist_screens.subscribers()
    assert refuse_immigration_entries in hooks.hotlist_entry_screens.subscribers()
