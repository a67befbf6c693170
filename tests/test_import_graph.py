"""The apps import each other in one direction only, and imports sit at the top of their module.

Read from the source (ast), not by importing: a circle hidden inside a function is still a circle.
The core app `skilleval/` (users, reference data, jobs, rules, the change log) imports no other
app, except the modules that assemble the whole site (URLs, dashboard, demo data, benchmarks).
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("skilleval", "institutions", "certificates", "competitions", "audits")

# The site as a whole: they import every app by nature, and no app imports them.
SITE_MODULES = ("skilleval.urls", "skilleval.views", "skilleval.worklist", "skilleval.management")

# Imports left inside a function, each for a reason; anything else belongs at the top.
IMPORTS_IN_FUNCTIONS = {
    # Django's app loading: receivers and rules are connected once the models are ready.
    ("skilleval.apps", "skilleval.rules"),
    ("skilleval.apps", "skilleval.signals"),
    ("skilleval.apps", "skilleval.changelog.signals"),
    # A job sends the task that runs it; the task module imports the job model.
    ("skilleval.models.jobs", "skilleval.tasks"),
    # A rule parameter version is checked by the rule engine, which reads those versions.
    ("skilleval.models.rules", "skilleval.rules.engine"),
    # An institution's filings are defined after it, in the same app.
    ("institutions.models.institutions", "institutions.models.filings"),
    # A batch checks, before its sign-off, what the issuance job would refuse (54号 四).
    ("institutions.models.batches", "certificates.fonts"),
    ("institutions.models.batches", "certificates.signing"),
    ("institutions.models.batches", "certificates.issuance"),
    ("institutions.models.batches", "certificates.models"),
    ("institutions.models.batches", "certificates.numbering"),
}
# The PDF stack costs 0.6 s and 40 MB per process: loaded by the first PDF, not by every process.
HEAVY_LIBRARIES = ("weasyprint", "pikepdf", "fontTools")


def _modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = _modules()


def _project_module(name: str) -> str | None:
    """The project module an import names (`from a.b import c` may name module a.b.c or a.b)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path):
    """(imported name, inside a function?) for every absolute import of the file."""

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, in_function
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                for alias in child.names:
                    yield f"{child.module}.{alias.name}", in_function
            yield from walk(child, inside)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), False)


def _graph():
    top, inside = defaultdict(set), defaultdict(set)
    for name, path in MODULES.items():
        for imported, in_function in _imports(path):
            target = _project_module(imported)
            if target and target != name:
                (inside if in_function else top)[name].add(target)
    return top, inside


TOP, INSIDE = _graph()


def _app(module: str) -> str:
    return module.partition(".")[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_in_a_circle():
    assert _cycles(TOP) == []


def test_imports_inside_functions_are_the_listed_ones():
    unexpected = []
    for name, path in MODULES.items():
        for imported, in_function in _imports(path):
            if not in_function or imported.startswith(HEAVY_LIBRARIES):
                continue
            target = _project_module(imported) or imported
            if (name, target) not in IMPORTS_IN_FUNCTIONS:
                unexpected.append(f"{name}: {imported}")
    assert unexpected == [], "move these imports to the top of their module"


def test_apps_depend_on_each_other_in_one_direction():
    """Counting imports inside functions too; the batch's sign-off check is the one exception."""
    edges = defaultdict(set)
    for graph in (TOP, INSIDE):
        for source, targets in graph.items():
            if source.startswith(SITE_MODULES):
                continue
            for target in targets:
                if _app(source) != _app(target) and (source, target) not in IMPORTS_IN_FUNCTIONS:
                    edges[_app(source)].add(_app(target))
    assert _cycles(edges) == []
    assert edges["skilleval"] == set(), "the core app imports no other app"
    assert not any("audits" in targets for targets in edges.values()), "nothing needs supervision"


def test_the_check_sees_a_circle_and_a_hidden_import(tmp_path):
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}}) == []
    probe = tmp_path / "probe.py"
    probe.write_text("import os\n\n\ndef f():\n    from audits.models import Complaint\n")
    assert list(_imports(probe)) == [("os", False), ("audits.models.Complaint", True)]
    assert _project_module("audits.models.Complaint") == "audits.models"
