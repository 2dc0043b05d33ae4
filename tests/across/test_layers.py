"""The arrows that must never exist between modules, checked on the source.

The pure modules (registry semantics, the tag grammar, names, reading dvc.yaml, the
storage URL, what ``repo`` names) never reach git, the repositories or the cache;
git knows nothing of registries; the local side knows nothing of the remote
machinery; the CLI talks only to the public API; and no module imports, however
late (inside a function, under ``TYPE_CHECKING``), one that imports it back.
"""

import ast
import os
from typing import Dict, List, Set

import pytest

from fixtures import ROOT

PACKAGE = os.path.join(ROOT, "artifacts_show")
MODULES = sorted(name[:-3] for name in os.listdir(PACKAGE) if name.endswith(".py"))
PURE = ["registry", "tags", "names", "yaml12", "interpolation", "dvcyaml", "dvcconfig", "storage", "urls",
        "shortcuts", "outputs"]
IO = {"git", "cache", "objects", "local", "remote", "mirror", "upstream", "api", "cli"}


def imports(module: str) -> Set[str]:
    """Everything ``module`` imports, anywhere in it: ``subprocess``, ``artifacts_show.git``...
    (``from . import git`` is the module ``git``; ``from . import Registry`` the package)."""
    with open(os.path.join(PACKAGE, f"{module}.py")) as source:
        tree = ast.parse(source.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if not node.level:
                found.add(node.module or "")
            elif node.module:
                found.add(f"artifacts_show.{node.module}")
            else:
                found.update(f"artifacts_show.{alias.name}" if alias.name in MODULES else "artifacts_show"
                             for alias in node.names)
    return found


def inside(module: str) -> Set[str]:
    """The package's modules that ``module`` imports (``__init__`` for the package itself)."""
    return {name.split(".", 1)[1] if "." in name else "__init__" for name in imports(module)
            if name == "artifacts_show" or name.startswith("artifacts_show.")}


def test_the_pure_modules_exist():
    assert set(PURE) <= set(MODULES)


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_never_reach_git(module):
    assert not imports(module) & {"subprocess"}
    assert not inside(module) & IO


@pytest.mark.parametrize("module", ["local", "objects"])
def test_the_local_side_knows_nothing_of_the_remote_machinery(module):
    assert not inside(module) & {"remote", "mirror", "cache", "upstream", "api"}


def test_git_knows_nothing_of_registries():
    assert inside("git") <= {"cache", "errors", "urls", "_speed"}


def test_cli_talks_only_to_the_public_api():
    """And to ``outputs``, the CI forms of its answers, which knows nothing of registries."""
    assert inside("cli") <= {"__init__", "_speed", "outputs"}
    assert inside("outputs") <= {"_speed"}
    import artifacts_show

    used = {name.split(".")[-1] for name in imports("cli") if name.startswith("artifacts_show.")}
    assert used <= {"_speed", "outputs", *artifacts_show.__all__}


def test_no_module_imports_one_that_imports_it_back():
    graph: Dict[str, Set[str]] = {module: inside(module) for module in MODULES}
    assert graph["api"] >= {"remote", "local", "upstream"}  # the factory: remote lazily, and typed
    assert graph["upstream"] >= {"remote", "local"}
    circles: List[List[str]] = []

    def visit(module: str, path: List[str]) -> None:
        for imported in sorted(graph[module]):
            if imported in path:
                circles.append(path[path.index(imported):] + [imported])
            elif imported not in done:
                visit(imported, path + [imported])
        done.add(module)

    done: Set[str] = set()
    for module in MODULES:
        visit(module, [module])
    assert circles == []
