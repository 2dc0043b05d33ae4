"""The user's world is input too: git's own variables from hooks and aliases, stored credentials.

git sets ``GIT_DIR`` and friends for hooks and ``!`` aliases; inherited, they would
make every git the tool starts read or write the user's repository instead of
the one it names. Each lookup here runs with one such variable pointing into
another repository (the user's), which must come out byte for byte the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Dict

import pytest

from fixtures import ROOT
from fixtures.builder import Commit, Registry, Tag, build, git
from fixtures.registries import EXAMPLE_REGISTRY
from fixtures.servers import SmartHttpServer

USERS_REGISTRY = Registry(
    [Commit("u1", {"dvc.yaml": "artifacts:\n  churn-model:\n    path: elsewhere.pkl\n"})],
    [Tag("churn-model@v1.0.0", "u1"), Tag("churn-model#prod#1", "u1")],
)


def snapshot(folder: str) -> Dict[str, str]:
    """Every file under ``folder`` (the .git folder included), by content."""
    files = {}
    for where, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(where, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return files


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The registry (local and served), and the user's own repository with a linked worktree."""
    base = tmp_path_factory.mktemp("world")
    registry = build(EXAMPLE_REGISTRY, str(base / "served" / "registry.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=registry.path)
    user = build(USERS_REGISTRY, str(base / "user"))
    git("worktree", "add", "-q", str(base / "user-worktree"), cwd=user.path)
    server = SmartHttpServer(str(base / "served"))
    yield registry, user, str(base / "user-worktree"), server.url("registry.git")
    server.stop()


def variables(user: str) -> Dict[str, Dict[str, str]]:
    dot_git = os.path.join(user, ".git")
    return {
        "GIT_DIR": {"GIT_DIR": dot_git},
        "GIT_WORK_TREE": {"GIT_DIR": dot_git, "GIT_WORK_TREE": user},
        "GIT_INDEX_FILE": {"GIT_INDEX_FILE": os.path.join(dot_git, "index")},
        "GIT_OBJECT_DIRECTORY": {"GIT_OBJECT_DIRECTORY": os.path.join(dot_git, "objects")},
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": {"GIT_ALTERNATE_OBJECT_DIRECTORIES": os.path.join(dot_git, "objects")},
        "GIT_COMMON_DIR": {"GIT_COMMON_DIR": dot_git},
        "GIT_NAMESPACE": {"GIT_NAMESPACE": "elsewhere"},
        "GIT_SHALLOW_FILE": {"GIT_SHALLOW_FILE": os.path.join(dot_git, "shallow")},
        "GIT_REPLACE_REF_BASE": {"GIT_REPLACE_REF_BASE": "refs/heads/"},
    }


VARIABLES = list(variables("/").keys())


def run_cli(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "artifacts_show", *args], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT, **env), timeout=60)


@pytest.mark.parametrize("variable", VARIABLES)
@pytest.mark.parametrize("where", ["local", "remote"])
def test_inherited_repository_variables_change_nothing(world, variable, where, tmp_path):
    registry, user, _, url = world
    before = snapshot(os.path.join(user.path, ".git"))
    repo = registry.path if where == "local" else url
    result = run_cli({**variables(user.path)[variable], "ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / "cache")},
                     "churn-model", "--stage", "prod", "--repo", repo)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"path": os.path.join("models", "churn.pkl"),
                                         "rev": registry.commits["churn-1"]}
    assert snapshot(os.path.join(user.path, ".git")) == before


def test_a_git_alias_in_a_linked_worktree_leaves_the_users_repository_alone(world, tmp_path):
    """`git prod` with `alias.prod=!artifacts-show ...`: git runs it with GIT_DIR and more set."""
    registry, user, worktree, url = world
    before = snapshot(os.path.join(user.path, ".git"))
    command = f"!{sys.executable} -m artifacts_show churn-model --stage prod --field rev --repo {url}"
    result = subprocess.run(["git", "-c", f"alias.prod={command}", "prod"], cwd=worktree, capture_output=True,
                            text=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=ROOT, ARTIFACTS_SHOW_CACHE_DIR=str(tmp_path / "c")))
    assert (result.returncode, result.stdout.strip()) == (0, registry.commits["churn-1"]), result.stderr
    assert snapshot(os.path.join(user.path, ".git")) == before
    assert git("rev-list", "--count", "HEAD", cwd=worktree).strip() == "1"  # not made shallow


def test_a_user_name_alone_in_the_url_leaves_the_password_to_the_users_credential_helper(tmp_path, monkeypatch):
    """`https://org@host/...` (Azure DevOps): git asks the user's own helper for the password."""
    base = tmp_path / "served"
    registry = build(EXAMPLE_REGISTRY, str(base / "registry.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=registry.path)
    server = SmartHttpServer(str(base), credentials=("org", "stored-token"))
    try:
        store = tmp_path / "credentials"
        store.write_text(f"http://org:stored-token@127.0.0.1:{server.port}\n")
        config = tmp_path / "gitconfig"
        config.write_text(f"[credential]\n\thelper = store --file={store}\n")
        result = run_cli({"GIT_CONFIG_GLOBAL": str(config), "ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / "cache")},
                         "churn-model", "--stage", "prod", "--field", "rev", "--repo", server.url("registry.git", "org"))
        assert (result.returncode, result.stdout.strip()) == (0, registry.commits["churn-1"]), result.stderr
        plain = subprocess.run(["git", "ls-remote", "--tags", server.url("registry.git", "org")],
                               env=dict(os.environ, GIT_CONFIG_GLOBAL=str(config)), capture_output=True)
        assert plain.returncode == 0  # the same as git itself
    finally:
        server.stop()


def test_replaced_commits_are_read_as_they_are_and_remembered_as_they_are(tmp_path, monkeypatch):
    """`git replace` in the user's repository does not change what a commit holds (DVC reads
    objects as they are); the path remembered for the commit is then right for the registry."""
    from artifacts_show import artifacts_show

    registry = Registry([Commit("A", {"dvc.yaml": "artifacts:\n  m:\n    path: real/m.bin\n"}),
                         Commit("B", {"dvc.yaml": "artifacts:\n  m:\n    path: replaced/m.bin\n"})],
                        [Tag("m@v1.0.0", "A")])
    served = build(registry, str(tmp_path / "served" / "r.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=served.path)
    local = build(registry, str(tmp_path / "local"))
    git("replace", local.commits["A"], local.commits["B"], cwd=local.path)
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GIT_NO_REPLACE_OBJECTS", "0")  # what the user sets does not bring them back
    assert artifacts_show("m", repo=local.path) == {"path": os.path.join("real", "m.bin"), "rev": local.commits["A"]}
    server = SmartHttpServer(str(tmp_path / "served"))
    try:
        assert artifacts_show("m", repo=server.url("r.git"))["path"] == os.path.join("real", "m.bin")
    finally:
        server.stop()


@pytest.mark.parametrize("upstream", ["reachable", "gone"])
def test_a_partial_clone_is_read_not_fetched_into(tmp_path, monkeypatch, upstream):
    """A blobless clone lacks dvc.yaml's blob; git would fetch it into the user's repository
    on reading. It is not fetched: one clear error, and the repository is as it was."""
    from artifacts_show import GitError, artifacts_show

    served = build(USERS_REGISTRY, str(tmp_path / "upstream.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=served.path)
    clone = str(tmp_path / "clone")
    git("clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{served.path}", clone, cwd=str(tmp_path))
    if upstream == "gone":
        os.rename(served.path, served.path + ".gone")
    before = snapshot(os.path.join(clone, ".git"))
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")  # the user's allowance does not open it either
    with pytest.raises(GitError, match="this partial clone fetches objects when they are read, which "
                                       "artifacts-show does not do in your repository"):
        artifacts_show("churn-model", stage="prod", repo=clone)
    assert snapshot(os.path.join(clone, ".git")) == before
