"""No import circle among the site's modules: each module can be read after the ones it imports.

The graph is grimp's (import-linter's), built from the source, so an import inside a function counts
as an import: a circle "broken" by moving one import into a function is still a circle here. Imports
under `if TYPE_CHECKING:` do not run and are left out.
"""

import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
ROOT_PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]


def _circles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The modules that import one another, directly or not, in sets: an import A -> B is part of a
    circle when B leads back to A, and circles that share a module are one set."""
    circle_of: dict[str, set[str]] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if graph.find_shortest_chain(importer=imported, imported=importer) is None:
                continue
            joined = circle_of.get(importer, {importer}) | circle_of.get(imported, {imported})
            for module in joined:
                circle_of[module] = joined
    return sorted((set(c) for c in {frozenset(c) for c in circle_of.values()}), key=min)


def _describe(graph: grimp.ImportGraph, circle: set[str]) -> str:
    first = min(circle)
    back = next(m for m in sorted(circle) if graph.direct_import_exists(importer=m, imported=first))
    chain = graph.find_shortest_chain(importer=first, imported=back) or (first,)
    lines = []
    for importer, imported in zip((*chain, back), (*chain[1:], back, first), strict=False):
        if importer == imported:
            continue
        details = graph.get_import_details(importer=importer, imported=imported)
        where = ", ".join(f"l.{d['line_number']}" for d in details)
        lines.append(f"    {importer} -> {imported} ({where})")
    return f"{sorted(circle)}:\n" + "\n".join(lines)


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*ROOT_PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def test_no_module_imports_itself_back():
    graph = _graph()
    circles = _circles(graph)
    assert not circles, "Import circles:\n" + "\n".join(_describe(graph, c) for c in circles)


def test_the_search_finds_a_circle_through_a_function_level_import():
    graph = grimp.ImportGraph()
    for module in ["app", "app.tasks", "app.writes", "app.models"]:
        graph.add_module(module)
    for importer, imported, line in [
        ("app.tasks", "app.writes", "from app import writes"),
        ("app.writes", "app.models", "from app import models"),
        ("app.writes", "app.tasks", "    from app.tasks import send"),  # inside a function
    ]:
        graph.add_import(importer=importer, imported=imported, line_number=9, line_contents=line)
    assert _circles(graph) == [{"app.tasks", "app.writes"}]
    assert "app.writes -> app.tasks (l.9)" in _describe(graph, {"app.tasks", "app.writes"})
