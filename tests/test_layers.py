"""The arrows that must never exist between modules, checked on the source.

The pure modules (registry semantics, the tag grammar, names, reading dvc.yaml, the
storage URL, what ``repo`` names) never reach git, the repositories or the cache;
git knows nothing of registries; the local repository knows nothing of the remote
machinery; the CLI talks only to the public API.
"""

import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "artifacts_show")


def imports(module: str) -> set:
    with open(os.path.join(PACKAGE, f"{module}.py")) as source:
        tree = ast.parse(source.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ("artifacts_show." if node.level else "") + (node.module or "")
            found.add(base.rstrip("."))
            found.update(f"{base.rstrip('.')}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("module", ["registry", "tags", "names", "dvcyaml", "storage", "urls"])
def test_pure_modules_never_reach_git(module):
    forbidden = {"subprocess", "artifacts_show.git", "artifacts_show.repos", "artifacts_show.cache",
                 "artifacts_show.mirror", "artifacts_show.remote"}
    assert not imports(module) & forbidden


def test_the_local_repository_knows_nothing_of_the_remote_machinery():
    assert not imports("repos") & {"artifacts_show.mirror", "artifacts_show.cache"}


def test_git_knows_nothing_of_registries():
    assert not {name for name in imports("git") if name.split(".")[-1] in
                ("registry", "tags", "names", "dvcyaml", "storage", "repos", "remote", "mirror", "api")}


def test_cli_talks_only_to_the_public_api():
    import artifacts_show

    used = {name for name in imports("cli") if name.startswith("artifacts_show")}
    assert used <= {"artifacts_show", *(f"artifacts_show.{name}" for name in artifacts_show.__all__)}
