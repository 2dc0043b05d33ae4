"""Servers that fail, disks that fill, secrets on every error path."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys

import pytest

from artifacts_show import ArtifactsShowError, GitError, InvalidArgumentError, artifacts_show
from fixtures import ROOT
from fixtures.builder import build, git
from fixtures.registries import EXAMPLE_REGISTRY
from fixtures.servers import SilentServer, SmartHttpServer

TOKEN = "ghp_5eCr3tT0k3n"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("served"))
    built = build(EXAMPLE_REGISTRY, os.path.join(folder, "example.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    server = SmartHttpServer(folder)
    yield server, built
    server.stop()


def expected(built) -> str:
    return built.commits["churn-1"]


def test_connection_cut_in_the_middle_of_a_pack(served, monkeypatch):
    server, built = served
    server.fault = "cut"
    try:
        with pytest.raises(GitError) as info:
            artifacts_show("churn-model", stage="prod", repo=server.url("example.git"))
    finally:
        server.fault = None
    assert "fetch" in str(info.value)
    assert artifacts_show("churn-model", stage="prod", repo=server.url("example.git"))["rev"] == expected(built)


def test_a_server_answering_garbage(served):
    server, built = served
    server.fault = "garbage"
    try:
        with pytest.raises(GitError, match=r"^fatal: protocol error.* \(git (clone|fetch)\)$"):
            artifacts_show("churn-model", repo=server.url("example.git"))
    finally:
        server.fault = None
    assert artifacts_show("churn-model", stage="prod", repo=server.url("example.git"))["rev"] == expected(built)


def fill(path: str) -> None:
    """Write to ``path`` until the file system has no space left."""
    with contextlib.suppress(OSError), open(path, "wb") as filler:
        while True:
            filler.write(b"\0" * 4096)
            filler.flush()


@contextlib.contextmanager
def full_disk(folder: str):
    """A folder on a file system with no space left: a tiny tmpfs filled up (needs root)."""
    os.makedirs(folder)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", folder],
                             capture_output=True).returncode == 0
    if not mounted:
        pytest.fail("this test needs to mount a tmpfs (root); CI runs as root")
    try:
        os.makedirs(os.path.join(folder, "cache"))
        fill(os.path.join(folder, "filler"))
        yield os.path.join(folder, "cache")
    finally:
        subprocess.run(["umount", "-l", folder], check=True)


def test_disk_full_while_writing_the_cache(served, tmp_path, monkeypatch):
    server, built = served
    with full_disk(str(tmp_path / "full")) as cache:
        monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", cache)
        assert artifacts_show("churn-model", stage="prod", repo=server.url("example.git"))["rev"] == \
            expected(built)
        assert artifacts_show("nlp:bert", repo=server.url("example.git"))["rev"] == built.commits["nlp-2"]


def test_disk_filling_up_after_the_cache_was_made(served, tmp_path, monkeypatch):
    server, built = served
    folder = str(tmp_path / "filling")
    os.makedirs(folder)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", folder], check=True)
    try:
        monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", os.path.join(folder, "cache"))
        artifacts_show("text-classifier", repo=server.url("example.git"))  # the cache exists
        fill(os.path.join(folder, "filler"))
        assert artifacts_show("churn-model", stage="prod", repo=server.url("example.git"))["rev"] == \
            expected(built)
        os.remove(os.path.join(folder, "filler"))
        assert artifacts_show("churn-model", repo=server.url("example.git"))["rev"] == \
            built.commits["churn-3"]
    finally:
        subprocess.run(["umount", "-l", folder], check=True)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.stop()


def secret_urls(served, silent) -> dict:
    server, _ = served
    return {
        "refused": f"http://alice:{TOKEN}@127.0.0.1:{closed_port()}/r.git",
        "timeout": f"http://alice:{TOKEN}@127.0.0.1:{silent.port}/r.git",
        "not-found": server.url("missing.git", f"alice:{TOKEN}"),
        "bad-host": f"https://alice:{TOKEN}@-oProxyCommand=x/r.git",
        "bad-transport": f"ftp://alice:{TOKEN}@example.com/r.git",
        "bad-port": f"https://alice:{TOKEN}@example.com:http/r.git",
        "not-declared": server.url("example.git", f"alice:{TOKEN}"),
    }


@pytest.mark.parametrize("case", ["refused", "timeout", "not-found", "bad-host", "bad-transport",
                                  "bad-port", "not-declared"])
def test_secrets_on_every_error_path(served, silent, case, tmp_path, monkeypatch):
    url = secret_urls(served, silent)[case]
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "2")
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    name = "nope" if case == "not-declared" else "churn-model"
    with pytest.raises(ArtifactsShowError) as info:
        artifacts_show(name, repo=url)
    if case.startswith("bad"):
        assert isinstance(info.value, InvalidArgumentError)
    for text in (str(info.value), repr(info.value), repr(info.value.args)):
        assert TOKEN not in text
    cli = subprocess.run(
        [sys.executable, "-m", "artifacts_show", name, "--verbose"], capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=ROOT, ARTIFACTS_SHOW_REPO=url),
    )
    assert cli.returncode in (1, 2, 3) and TOKEN not in cli.stderr + cli.stdout
    if case in ("refused", "timeout", "not-found"):  # git saw the URL without the credentials
        assert "http://127.0.0.1:" in cli.stderr
    for folder, _, names in os.walk(tmp_path / "cache"):
        for file_name in names:
            with open(os.path.join(folder, file_name), "rb") as handle:
                assert TOKEN.encode() not in handle.read()


def test_remote_url_repr_hides_credentials():
    from artifacts_show.urls import classify

    remote = classify(f"https://alice:{TOKEN}@example.com/r.git")
    assert TOKEN not in repr(remote) and TOKEN not in str(remote)
    assert remote.password == TOKEN and remote.url == "https://example.com/r.git"


def test_a_server_turned_into_an_empty_page_costs_one_fetch_not_a_chain(served, tmp_path, monkeypatch):
    """After the listing, every answer is an empty page (a proxy's): git takes it for a dumb
    server, and each object it then misses would start a fetch of its own, each fetching
    again. No git fetches on its own here (GIT_NO_LAZY_FETCH): one clear error, at once."""
    from artifacts_show.names import parse_full_name
    from artifacts_show.remote import RemoteRepository
    from artifacts_show.urls import classify

    server, built = served
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    repository = RemoteRepository(classify(server.url("example.git")), [parse_full_name("churn-model")])
    try:
        commit = next(tag.commit for tag in repository.tags() if tag.name == "churn-model@v1.0.0")
        server.stats.clear()
        server.fault = "empty"
        with pytest.raises(GitError, match="fetch"):
            with repository.files([commit]) as files:
                files.reader(commit)("dvc.yaml")
    finally:
        server.fault = None
        repository.close()
    assert len(server.stats.requests) <= 16  # two fetches (by id, then by tag), a few dumb requests each
