"""Lookups in poor environments: no HOME, a home and cache folder that cannot be written,
``python -I``, a user who is not root.

Each runs the command line in a process of its own. Tests run as root here, and root may
write anywhere, so folders that "cannot be written" are owned by root and the lookup runs
as ``nobody`` (or as a user id that has no account at all); run by someone else, the lookup
runs as that user, and the folders are made read-only (mode 555). Everything the other
user reads lies in a folder of this module's, open to all: copies of the package and its
two dependencies, the example registry as a bundle (a remote lookup: fetched into a cache)
and as a local repository (owned by that user: git reads no one else's).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

import pytest

import artifacts_show
from fixtures import ROOT
from fixtures.builder import build
from fixtures.registries import EXAMPLE_REGISTRY

BUNDLE = os.path.join(ROOT, "fixtures", "example-registry.bundle")
IS_ROOT = os.geteuid() == 0


@pytest.fixture
def expected():
    """The bundle's answer from this checkout, in this process: other ways of running must agree."""
    return artifacts_show.artifacts_show("churn-model", stage="prod", repo=BUNDLE)


@pytest.fixture(scope="module")
def shared():
    """A folder everyone can read: pure-Python copies of the package and its two dependencies
    (so that another interpreter can use them), the bundle, local registries."""
    folder = tempfile.mkdtemp(prefix="artifacts-show-constrained-")
    os.chmod(folder, 0o755)
    for module in (artifacts_show, __import__("yaml"), __import__("packaging")):
        shutil.copytree(os.path.dirname(module.__file__), os.path.join(folder, "src", module.__name__),
                        ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
    shutil.copyfile(BUNDLE, os.path.join(folder, "example.bundle"))
    yield folder
    shutil.rmtree(folder)


def as_user(uid: int, gid: int) -> dict:
    """subprocess options that run a child as ``uid`` (only root can, and only root needs to)."""
    return {"user": uid, "group": gid, "extra_groups": []} if IS_ROOT and uid != os.getuid() else {}


def chown_tree(path: str, uid: int, gid: int) -> None:
    if IS_ROOT:
        os.chown(path, uid, gid)
        for folder, folders, files in os.walk(path):
            for name in folders + files:
                os.lchown(os.path.join(folder, name), uid, gid)


def user_folder(shared: str, name: str, uid: int, gid: int) -> str:
    path = os.path.join(shared, name)
    os.makedirs(path)
    chown_tree(path, uid, gid)
    return path


def local_registry(shared: str, uid: int, gid: int) -> str:
    """The example registry as a repository owned by ``uid``."""
    path = os.path.join(shared, f"registry-{uid}")
    if not os.path.isdir(path):
        build(EXAMPLE_REGISTRY, path)
        chown_tree(path, uid, gid)
    return path


def usable_python(uid: int, gid: int) -> str:
    """An interpreter ``uid`` can run: this one, else the system's (this one may lie in a home
    closed to others, as pyenv's under /root does); skip, saying why, if neither."""
    tried = []
    for python in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        try:
            probe = subprocess.run([python, "-c", "pass"], capture_output=True, text=True, cwd="/",
                                   **as_user(uid, gid))
        except OSError as error:
            tried.append(f"{python}: {error.strerror}")
            continue
        if probe.returncode == 0:
            return python
        tried.append(f"{python}: {probe.stderr.strip()}")
    pytest.skip(f"user {uid} can run no Python here ({'; '.join(tried)})")


@pytest.fixture(scope="module")
def other(shared):
    """(uid, gid, python) of the unprivileged user: nobody when root, else oneself."""
    if IS_ROOT:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
    else:
        uid, gid = os.getuid(), os.getgid()
    return uid, gid, usable_python(uid, gid)


def lookup(shared: str, repo: str, env: dict, user: tuple, cwd: str) -> subprocess.CompletedProcess:
    """``artifacts-show churn-model --stage prod --repo REPO`` as ``user`` (uid, gid, python),
    with ``env`` and nothing else but PATH and the copies on PYTHONPATH."""
    uid, gid, python = user
    full_env = {"PATH": os.environ["PATH"], "LC_ALL": "C", "PYTHONPATH": os.path.join(shared, "src"),
                "GIT_CONFIG_NOSYSTEM": "1", **env}
    return subprocess.run([python, "-m", "artifacts_show", "churn-model", "--stage", "prod", "--repo", repo],
                          env=full_env, cwd=cwd, capture_output=True, text=True, timeout=120,
                          **as_user(uid, gid))


def assert_answered(result: subprocess.CompletedProcess, expected: dict) -> None:
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


def everything_under(folder: str) -> list:
    return sorted(os.path.relpath(os.path.join(where, name), folder)
                  for where, folders, files in os.walk(folder) for name in folders + files)


@pytest.mark.parametrize("repo_kind", ["bundle", "local"])
def test_home_unset(shared, other, repo_kind, expected):
    """No HOME (nor XDG_CACHE_HOME): the cache is under the account's home from the password
    database, ``/nonexistent`` for nobody, which cannot be made: a temporary cache, then removed."""
    uid, gid, _ = other
    work, scratch = (user_folder(shared, f"{name}-unset-{repo_kind}", uid, gid) for name in ("cwd", "tmp"))
    bundle = os.path.join(shared, "example.bundle")
    repo = local_registry(shared, uid, gid) if repo_kind == "local" else bundle
    env = {"TMPDIR": scratch}
    if not IS_ROOT:  # one's own home would be used: keep the cache in this test's folder
        env["XDG_CACHE_HOME"] = scratch
    for _ in range(2):
        assert_answered(lookup(shared, repo, env, other, cwd=work), expected)
    assert everything_under(work) == []
    if IS_ROOT:
        assert everything_under(scratch) == []  # the temporary caches were removed


@pytest.mark.skipif(not IS_ROOT, reason="running as a user id without an account needs root")
def test_home_unset_for_a_user_id_without_an_account(shared, expected):
    """As in containers started with an arbitrary user id: no HOME and no password entry, so
    ``~`` cannot be expanded. The lookup works, and writes nothing into the current folder
    (a relative ``~/.cache`` would land there)."""
    uid = next(uid for uid in range(48_000, 49_000) if not _has_account(uid))
    user = (uid, uid, usable_python(uid, uid))
    work, scratch = (user_folder(shared, f"{name}-no-account", uid, uid) for name in ("cwd", "tmp"))
    assert_answered(lookup(shared, os.path.join(shared, "example.bundle"), {"TMPDIR": scratch}, user, work),
                    expected)
    assert everything_under(work) == []
    assert everything_under(scratch) == []


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def test_a_relative_xdg_cache_home_is_ignored(shared, tmp_path, expected):
    """The XDG base directory spec: a relative ``XDG_CACHE_HOME`` is invalid and ignored; the
    cache goes under HOME, not into whatever folder the lookup runs in."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": "relative-cache"}
    me = (os.getuid(), os.getgid(), sys.executable)
    assert_answered(lookup(shared, os.path.join(shared, "example.bundle"), env, me, str(work)), expected)
    assert everything_under(str(work)) == []
    assert "memo" in os.listdir(home / ".cache" / "artifacts-show")


def read_only_folder(shared: str, name: str) -> str:
    """A home with a ``.cache`` folder, open to read, that the unprivileged user cannot write:
    root's (mode 755) when root runs the tests, else mode 555."""
    path = os.path.join(shared, name)
    os.makedirs(os.path.join(path, ".cache"))
    for folder in (path, os.path.join(path, ".cache")):
        os.chmod(folder, 0o755 if IS_ROOT else 0o555)
    return path


@pytest.mark.parametrize("cache_from", ["home", "ARTIFACTS_SHOW_CACHE_DIR"])
def test_read_only_home_and_cache(shared, other, cache_from, expected):
    """HOME and the cache folder cannot be written: each lookup works in a temporary cache,
    removes it, and leaves both folders as they were."""
    uid, gid, _ = other
    home = read_only_folder(shared, f"home-read-only-{cache_from}")
    scratch = user_folder(shared, f"tmp-read-only-{cache_from}", uid, gid)
    env = {"HOME": home, "TMPDIR": scratch}
    if cache_from == "ARTIFACTS_SHOW_CACHE_DIR":
        env["ARTIFACTS_SHOW_CACHE_DIR"] = os.path.join(home, ".cache")
    try:
        for repo in (os.path.join(shared, "example.bundle"), local_registry(shared, uid, gid)):
            for _ in range(2):
                assert_answered(lookup(shared, repo, env, other, cwd=scratch), expected)
        assert everything_under(home) == [".cache"]
        assert everything_under(scratch) == []
    finally:
        for folder in (home, os.path.join(home, ".cache")):
            os.chmod(folder, 0o755)


def test_not_root_with_its_own_cache(shared, other, expected):
    """An unprivileged user's own cache is written and used."""
    uid, gid, _ = other
    home = user_folder(shared, "home-own", uid, gid)
    for repo in (os.path.join(shared, "example.bundle"), local_registry(shared, uid, gid)):
        for _ in range(2):
            assert_answered(lookup(shared, repo, {"HOME": home}, other, cwd=home), expected)
    cache = os.path.join(home, ".cache", "artifacts-show")
    assert "memo" in os.listdir(cache)
    (bundle_folder,) = [name for name in os.listdir(cache) if name != "memo"]  # local lookups use memo only
    assert os.stat(os.path.join(cache, bundle_folder, "repo.git")).st_uid == uid


@pytest.mark.skipif(not IS_ROOT, reason="needs a registry owned by another user: root makes one")
def test_a_registry_owned_by_someone_else_is_gits_refusal(shared, other):
    """git reads no repository owned by another user (``safe.directory``): a clear error, exit 3."""
    uid, gid, _ = other
    home = user_folder(shared, "home-refused", uid, gid)
    result = lookup(shared, local_registry(shared, 0, 0), {"HOME": home}, other, cwd=home)
    assert result.returncode == 3
    assert "dubious ownership" in result.stderr and "safe.directory" in result.stderr


def test_python_isolated_mode(tmp_path, expected):
    """``python -I -m artifacts_show``: no PYTHON* variables, no current folder on the path;
    the installed package (this checkout's code) answers."""
    env = dict(os.environ, ARTIFACTS_SHOW_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH="/nonexistent")

    def isolated(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-I", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True)

    where = isolated("-c", "import artifacts_show; print(artifacts_show.__file__)")
    assert where.returncode == 0, f"install the package first (pip install -e .): {where.stderr}"
    installed = os.path.dirname(where.stdout.strip())
    for name in os.listdir(os.path.join(ROOT, "artifacts_show")):
        if name.endswith(".py"):
            with open(os.path.join(installed, name), "rb") as theirs, \
                    open(os.path.join(ROOT, "artifacts_show", name), "rb") as ours:
                assert theirs.read() == ours.read(), f"the installed {name} is not this checkout's"
    for _ in range(2):  # cold, then warm
        assert_answered(isolated("-m", "artifacts_show", "churn-model", "--stage", "prod", "--repo", BUNDLE),
                        expected)
    assert os.listdir(tmp_path) == ["cache"]
    assert "memo" in os.listdir(tmp_path / "cache")
