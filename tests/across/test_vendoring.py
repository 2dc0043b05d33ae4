"""The package works from any import path: copied as ``tool/_vendor/artifacts_show``, alone or
with PyYAML and packaging vendored beside it, their imports rewritten the way vendoring tools
(pip's ``vendoring``) rewrite them.

Top-level ``artifacts_show`` (and, when the dependencies are vendored, ``yaml`` and
``packaging``) are stubs that raise when imported, so any import by absolute name fails the
lookup instead of quietly loading the installed copy.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import artifacts_show
from fixtures import ROOT
from fixtures.registries import CASES

PACKAGE = os.path.join(ROOT, "artifacts_show")
NAMESPACE = "tool._vendor"
DEPENDENCIES = ("yaml", "packaging")
BUNDLE = os.path.join(ROOT, "fixtures", "example-registry.bundle")
STUB = 'raise RuntimeError("the top-level {name} was imported, not the vendored copy")\n'


def rewrite_imports(text: str, namespace: str, libraries: tuple) -> str:
    """``import lib`` -> ``from ns import lib``, ``from lib...`` -> ``from ns.lib...`` (as ``vendoring``)."""
    for library in libraries:
        text = re.sub(rf"^(\s*)import {library}(\s|$)", rf"\1from {namespace} import {library}\2",
                      text, flags=re.M)
        text = re.sub(rf"^(\s*)from {library}(\.|\s)", rf"\1from {namespace}.{library}\2", text, flags=re.M)
    return text


def copy_python_package(source: str, destination: str) -> None:
    """The ``.py`` files (and ``py.typed``) of a package: what a pure-Python vendored copy holds."""
    for folder, _, files in os.walk(source):
        if "__pycache__" in folder:
            continue
        for name in files:
            if name.endswith(".py") or name == "py.typed":
                target = os.path.join(destination, os.path.relpath(folder, source), name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(os.path.join(folder, name), target)


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


@pytest.fixture(params=["alone", "with-dependencies"])
def vendored(request, tmp_path):
    """A project folder holding ``tool/_vendor/artifacts_show``; returns (folder, vendored names)."""
    project = str(tmp_path / "project")
    vendor = os.path.join(project, *NAMESPACE.split("."))
    write(os.path.join(project, "tool", "__init__.py"), "")
    write(os.path.join(vendor, "__init__.py"), "")
    copy_python_package(PACKAGE, os.path.join(vendor, "artifacts_show"))
    stubbed = ["artifacts_show"]
    if request.param == "with-dependencies":
        for dependency in DEPENDENCIES:
            module = __import__(dependency)
            copy_python_package(os.path.dirname(module.__file__), os.path.join(vendor, dependency))
        rewritten = 0
        for path in glob.glob(os.path.join(vendor, "**", "*.py"), recursive=True):
            with open(path) as handle:
                text = handle.read()
            new = rewrite_imports(text, NAMESPACE, DEPENDENCIES)
            rewritten += new != text and "/artifacts_show/" in path
            write(path, new)
        assert rewritten >= 2  # dvcyaml (yaml) and git (packaging) were rewritten
        stubbed += DEPENDENCIES
    for name in stubbed:
        write(os.path.join(project, name, "__init__.py"), STUB.format(name=name))
    return project, request.param == "with-dependencies"


def run_python(project: str, args: list, cache: str) -> subprocess.CompletedProcess:
    """Python with only the project folder on its path (and site-packages), a cold cache."""
    env = dict(os.environ, PYTHONPATH=project, ARTIFACTS_SHOW_CACHE_DIR=cache)
    return subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True, text=True)


LIBRARY_LOOKUPS = """
import json, logging, sys
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append([record.name, record.getMessage()])
logging.getLogger().addHandler(Keep())
from tool._vendor.artifacts_show import artifacts_show
print(json.dumps({
    "bundle": artifacts_show("churn-model", stage="prod", repo=sys.argv[1]),
    "local": artifacts_show("m", version="v2.0.0", repo=sys.argv[2]),
    "records": records,
    "modules": sorted({".".join(name.split(".")[:3] if name.startswith("tool.") else name.split(".")[:1])
                       for name in sys.modules}),
}))
"""


@pytest.fixture(scope="module")
def deregistered(tmp_path_factory):
    from fixtures.builder import build

    case = next(case for case in CASES if case.name == "worked-example-deregistered")
    return build(case.registry, str(tmp_path_factory.mktemp("vendoring") / "registry"))


@pytest.fixture
def expected():
    """The bundle's answer from this checkout, in this process: other ways of running must agree."""
    return artifacts_show.artifacts_show("churn-model", stage="prod", repo=BUNDLE)


def test_lookups_through_the_library(vendored, deregistered, tmp_path, expected):
    project, dependencies_vendored = vendored
    result = run_python(project, ["-c", LIBRARY_LOOKUPS, BUNDLE, deregistered.path], str(tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["bundle"] == expected
    assert seen["local"] == {"path": "models/m.pkl", "rev": deregistered.commits["B"]}
    # the logger is named after the package as imported
    assert seen["records"] == [["tool._vendor.artifacts_show",
                                "version v2.0.0 of artifact 'm' is deregistered (m@v2.0.0!)"]]
    modules = set(seen["modules"])
    assert "tool._vendor.artifacts_show" in modules and "artifacts_show" not in modules
    if dependencies_vendored:  # both loaded (a cold cache parses YAML and checks git's version)
        assert {"tool._vendor.yaml", "tool._vendor.packaging"} <= modules
        assert not modules & set(DEPENDENCIES)
    else:
        assert set(DEPENDENCIES) <= modules


def test_lookup_through_python_m(vendored, deregistered, tmp_path, expected):
    project, _ = vendored
    module = f"{NAMESPACE}.artifacts_show"
    found = run_python(project, ["-m", module, "churn-model", "--stage", "prod", "--repo", BUNDLE],
                       str(tmp_path / "cache"))
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == expected
    warned = run_python(project, ["-m", module, "m", "--version", "v2.0.0", "--repo", deregistered.path,
                                  "--field", "rev"], str(tmp_path / "cache"))
    assert (warned.returncode, warned.stdout.strip()) == (0, deregistered.commits["B"])
    assert "version v2.0.0 of artifact 'm' is deregistered" in warned.stderr
    version = run_python(project, ["-m", module, "--version"], str(tmp_path / "cache"))
    assert version.stdout.strip() == f"artifacts-show {artifacts_show.__version__}"


VENDORABLE = re.compile(r"(artifacts_show|yaml|packaging)(\.\w+)*")


def test_no_module_names_in_strings():
    """A vendoring tool rewrites import statements, not strings: no string in the package names
    a module of it or of its dependencies (``sys.modules[...]``, ``import_module``, ``getLogger``).
    Public names (``__all__``: the function ``artifacts_show``) are attributes, not modules."""
    found = []
    for path in sorted(glob.glob(os.path.join(PACKAGE, "*.py"))):
        with open(path) as handle:
            tree = ast.parse(handle.read())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                    and VENDORABLE.fullmatch(node.value) and node.value not in artifacts_show.__all__):
                found.append(f"{os.path.basename(path)}:{node.lineno}: {node.value!r}")
    assert found == []
