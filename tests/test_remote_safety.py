"""Credentials, concurrency and faults of remote lookups, against servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import Callable

import pytest

from artifacts_show import GitError, artifacts_show
from fixtures.builder import build, git
from fixtures.registries import CASES, EXAMPLE_REGISTRY
from fixtures.servers import SilentServer, SmartHttpServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "tok-9f2c1e7d5b"
PROD = ("churn-model", "churn-1")  # the example registry: churn-model in prod is commit churn-1


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("served"))
    built = build(EXAMPLE_REGISTRY, os.path.join(folder, "example.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    return folder, built


@pytest.fixture(scope="module")
def private(base):
    server = SmartHttpServer(base[0], credentials=("alice", TOKEN), delay=0.05)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def public(base):
    server = SmartHttpServer(base[0])
    yield server
    server.stop()


def cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "artifacts_show", *args], env=dict(os.environ, PYTHONPATH=ROOT, **(env or {})),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )


def files_containing(folder: str, needle: bytes) -> list:
    found = []
    for parent, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            with open(path, "rb") as handle:
                if needle in handle.read():
                    found.append(path)
    return found


def command_lines() -> list:
    lines = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    lines.append(handle.read())
            except OSError:
                pass
    return lines


def git_processes_in(folder: str) -> list:
    """Processes whose working directory is inside ``folder`` (git left behind)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd").startswith(folder):
                    found.append(entry)
            except OSError:
                pass
    return found


def test_token_in_url_works_and_never_shows(base, private, tmp_path):
    url = private.url("example.git", f"alice:{TOKEN}")
    cache = str(tmp_path / "cache")
    # The URL comes through the environment, so that no command line holds the token at all.
    process = cli(PROD[0], "--stage", "prod", "--verbose",
                  env={"ARTIFACTS_SHOW_CACHE_DIR": cache, "ARTIFACTS_SHOW_REPO": url})
    seen, git_seen = [], 0
    while process.poll() is None:
        for line in command_lines():
            if TOKEN.encode() in line:
                seen.append(line)
            git_seen += line.startswith(b"git")
    stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["rev"] == base[1].commits[PROD[1]]
    assert git_seen, "the scan saw no git process: it proves nothing"
    assert seen == []
    assert TOKEN not in stderr and "alice:***" not in stderr
    assert "http://127.0.0.1" in stderr  # the debug log shows the URL, without credentials
    assert files_containing(cache, TOKEN.encode()) == []


@pytest.mark.parametrize("userinfo", [TOKEN, f"alice:{TOKEN[:4]}@{TOKEN[4:]}"])
def test_a_token_in_the_user_name_or_a_password_with_at_signs_never_shows(private, tmp_path, userinfo):
    """`https://<token>@host/...` (GitHub's form) and a password holding `@`: never on a command
    line, in the cache (its folder names included) or in a message."""
    url = private.url("example.git", userinfo)
    cache = str(tmp_path / "cache")
    process = cli(PROD[0], "--stage", "prod", env={"ARTIFACTS_SHOW_CACHE_DIR": cache, "ARTIFACTS_SHOW_REPO": url,
                                                  "ARTIFACTS_SHOW_TIMEOUT": "20"})
    seen = []
    while process.poll() is None:
        seen += [line for line in command_lines() if TOKEN[4:].encode() in line]
    stdout, stderr = process.communicate()
    assert seen == []
    assert TOKEN[4:] not in stdout + stderr
    assert files_containing(cache, TOKEN[4:].encode()) == []
    assert [folder for folder, _, _ in os.walk(cache) if TOKEN[4:] in folder] == []
    # neither is alice's password: git says so (a user name alone: no helper of the user's has one)
    assert process.returncode == 3
    assert "Authentication failed for 'http://127.0.0.1:" in stderr or "could not read Password" in stderr


def test_wrong_token_fails_at_once_with_a_clean_message(private, tmp_path, monkeypatch):
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "30")
    started = time.monotonic()
    with pytest.raises(GitError) as info:
        artifacts_show("churn-model", repo=private.url("example.git", "alice:wrong-secret"))
    assert time.monotonic() - started < 10
    assert "wrong-secret" not in str(info.value) and "wrong-secret" not in repr(info.value)
    assert "Authentication failed" in str(info.value) or "401" in str(info.value)


def stored_credentials(password: str, port: int, folder, monkeypatch):
    """The user's git configuration: a credential store holding ``alice:password``."""
    store = folder / "credentials"
    store.write_text(f"http://alice:{password}@127.0.0.1:{port}\n")
    config = folder / "gitconfig"
    config.write_text(f"[credential]\n\thelper = store --file={store}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    return store


def test_stored_credentials_cannot_win_over_the_url(base, private, tmp_path, monkeypatch):
    store = stored_credentials("stale", private.port, tmp_path, monkeypatch)
    result = artifacts_show(*PROD[:1], stage="prod", repo=private.url("example.git", f"alice:{TOKEN}"))
    assert result["rev"] == base[1].commits[PROD[1]]
    assert TOKEN not in store.read_text()


def test_the_users_own_credential_helper_works(base, private, tmp_path, monkeypatch):
    stored_credentials(TOKEN, private.port, tmp_path, monkeypatch)
    result = artifacts_show(PROD[0], stage="prod", repo=private.url("example.git"))
    assert result["rev"] == base[1].commits[PROD[1]]


def test_no_credentials_and_no_helper_fails_without_prompting(private):
    with pytest.raises(GitError, match="could not read Username|Authentication failed|terminal prompts"):
        artifacts_show(PROD[0], repo=private.url("example.git"), stage="prod")


def test_sixteen_processes_one_cache(base, public, tmp_path):
    env = {"ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / "cache")}
    processes = [cli(PROD[0], "--stage", "prod", "--repo", public.url("example.git"), "--field", "rev",
                     env=env) for _ in range(16)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [out.strip() for out, _ in outputs] == [base[1].commits[PROD[1]]] * 16, outputs


def lookup_until(slow: SmartHttpServer, cache: str, ready: Callable[[], bool]) -> subprocess.Popen:
    """A prod lookup through ``slow`` into ``cache``, returned once ``ready()`` holds."""
    process = cli(PROD[0], "--stage", "prod", "--repo", slow.url("example.git"),
                  env={"ARTIFACTS_SHOW_CACHE_DIR": cache})
    deadline = time.monotonic() + 30
    while not ready():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return process


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_killed_mid_fetch_leaves_no_git_and_a_working_cache(base, tmp_path, signum):
    slow = SmartHttpServer(base[0], delay=0.5)
    try:
        cache = str(tmp_path / "cache")
        process = lookup_until(slow, cache,  # the listing is done: a fetch is under way
                               lambda: any(request.method == "GET" for request in slow.stats.requests[1:]))
        process.send_signal(signum)
        process.communicate(timeout=30)
        assert process.returncode != 0
        time.sleep(0.3)
        assert git_processes_in(cache) == []
        slow.delay = 0
        result = artifacts_show(PROD[0], stage="prod", repo=slow.url("example.git"))
    finally:
        slow.stop()
    assert result["rev"] == base[1].commits[PROD[1]]


def corrupt(cache: str) -> None:
    for parent, _, names in os.walk(cache):
        for name in names:
            path = os.path.join(parent, name)
            if name.endswith((".pack", ".idx")) or name == "HEAD":
                with open(path, "r+b") as handle:
                    handle.write(b"garbage" * 4)
            elif "memo" in parent or "artifacts-show" in parent:  # remembered paths, listed patterns
                with open(path, "r+b") as handle:
                    handle.seek(20)
                    handle.write(b"not what was stored")


def test_corrupt_cache_is_rebuilt(base, public, tmp_path, monkeypatch):
    """Damaged packs, HEAD and remembered facts: the next lookup answers from a temporary
    repository and clears the damaged one; the one after builds it again, and it holds what
    it read."""
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    expected = artifacts_show("nlp:bert", repo=public.url("example.git"))
    corrupt(str(tmp_path / "cache"))
    assert artifacts_show("nlp:bert", repo=public.url("example.git")) == expected
    assert not [entry for entry in os.scandir(tmp_path / "cache") if os.path.isdir(os.path.join(entry.path, "repo.git"))]
    shutil.rmtree(tmp_path / "cache" / "memo")  # so that the next lookup reads dvc.yaml again
    assert artifacts_show("nlp:bert", repo=public.url("example.git")) == expected
    (repo,) = [os.path.join(entry.path, "repo.git") for entry in os.scandir(tmp_path / "cache")
               if os.path.isdir(os.path.join(entry.path, "repo.git"))]
    found = subprocess.run(["git", "cat-file", "--batch-check"], cwd=repo, capture_output=True, text=True,
                           input=f"{expected['rev']}\n{expected['rev']}:nlp/dvc.yaml\n").stdout
    assert " missing" not in found and found.count(" blob ") == 1, found
    assert artifacts_show(PROD[0], stage="prod", repo=public.url("example.git"))["rev"] == \
        base[1].commits[PROD[1]]


def test_unusable_cache_folder_falls_back_to_a_temporary_one(base, public, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    os.mkdir(tmp_path / "tmp")
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    result = artifacts_show(PROD[0], stage="prod", repo=public.url("example.git"))
    assert result["rev"] == base[1].commits[PROD[1]]
    assert os.listdir(tmp_path / "tmp") == []  # the temporary folder is gone


def test_caching_can_be_disabled(base, public, tmp_path, monkeypatch):
    monkeypatch.setenv("ARTIFACTS_SHOW_NO_CACHE", "1")
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    result = artifacts_show(PROD[0], stage="prod", repo=public.url("example.git"))
    assert result["rev"] == base[1].commits[PROD[1]]
    assert not os.path.exists(tmp_path / "cache")


def test_a_server_that_never_answers_times_out_and_leaves_no_git(monkeypatch):
    silent = SilentServer()
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "1")
    started = time.monotonic()
    try:
        with pytest.raises(GitError, match=r"timed out after 1 s"):
            artifacts_show("m", repo=f"http://127.0.0.1:{silent.port}/r.git")
    finally:
        silent.stop()
    assert time.monotonic() - started < 10
    time.sleep(0.2)
    assert not [line for line in command_lines() if str(silent.port).encode() in line]


def test_answers_are_never_stale(tmp_path, monkeypatch):
    folder = str(tmp_path / "served")
    case = CASES[0]  # m@v1.0.0 -> A, m@v2.0.0 -> B, m#prod#1 -> A
    built = build(case.registry, os.path.join(folder, "r.git"), bare=True)
    server = SmartHttpServer(folder)
    url = server.url("r.git")
    env = dict(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    try:
        assert artifacts_show("m", repo=url)["rev"] == built.commits["B"]
        subprocess.run(["git", "tag", "-a", "-m", "v3", "m@v3.0.0", built.commits["A"]],
                       cwd=built.path, check=True, env=dict(os.environ, **env))
        assert artifacts_show("m", repo=url)["rev"] == built.commits["A"]  # a tag added
        git("tag", "-d", "m@v3.0.0", cwd=built.path)
        assert artifacts_show("m", repo=url)["rev"] == built.commits["B"]  # a tag deleted
        assert artifacts_show("m", stage="prod", repo=url)["rev"] == built.commits["A"]
        git("tag", "-d", "m#prod#1", cwd=built.path)
        subprocess.run(["git", "tag", "-a", "-m", "moved", "m#prod#1", built.commits["B"]],
                       cwd=built.path, check=True, env=dict(os.environ, **env))
        assert artifacts_show("m", stage="prod", repo=url)["rev"] == built.commits["B"]  # a tag moved
    finally:
        server.stop()
    shutil.rmtree(tmp_path / "cache")


def test_a_repository_closed_before_its_tags_are_read_leaves_no_git():
    """The listing starts with the repository; a lookup that ends first does not leave it running."""
    from artifacts_show.remote import RemoteRepository
    from artifacts_show.urls import classify

    silent = SilentServer()
    try:
        repository = RemoteRepository(classify(f"http://127.0.0.1:{silent.port}/r.git"))
        time.sleep(0.2)
        assert [line for line in command_lines() if str(silent.port).encode() in line]
        started = time.monotonic()
        repository.close()
        assert time.monotonic() - started < 5
        time.sleep(0.2)  # while the server still holds the connection open
        assert not [line for line in command_lines() if str(silent.port).encode() in line]
    finally:
        silent.stop()


def test_a_lookup_waits_for_the_cache_lock_once_then_goes_on_alone(base, monkeypatch, tmp_path):
    """Another lookup holding the URL's lock too long (many at once on a slow server, a killed
    lookup's git): after one timeout, this one answers from a temporary folder, removed after,
    and leaves the held cache as it was."""
    import fcntl
    import tempfile

    from artifacts_show.cache import cache_root, folder_name

    url = f"file://{base[0]}/example.git"
    folder = os.path.join(cache_root(), folder_name(url))
    os.makedirs(folder)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "2")
    with open(os.path.join(folder, "lock"), "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        started = time.monotonic()
        assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits[PROD[1]]
        waited = time.monotonic() - started
    assert 2 <= waited < 3.9, waited  # one wait, not one per use of the cache
    assert "repo.git" not in os.listdir(folder)  # nothing fetched into the held cache
    assert list(temporary.iterdir()) == []


def test_a_lock_busy_only_when_files_are_read_reads_them_alone(base, monkeypatch, tmp_path):
    """Tags listed in the shared cache; then another lookup holds the lock past the timeout:
    the files come into a temporary folder, right, and the shared cache keeps what it had."""
    import fcntl

    from artifacts_show.names import parse_full_name
    from artifacts_show.remote import RemoteRepository
    from artifacts_show.urls import classify

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "1")
    repository = RemoteRepository(classify(f"file://{base[0]}/example.git"), [parse_full_name(PROD[0])])
    try:
        commit = base[1].commits[PROD[1]]
        assert commit in {tag.commit for tag in repository.tags()}
        shared = repository.mirror.cache
        before = sorted(os.listdir(shared.repo))
        with open(os.path.join(shared.path, "lock"), "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            with repository.files([commit]) as files:
                content = files.reader(commit)("dvc.yaml")
        assert content is not None and b"churn-model" in content
        assert repository.mirror.cache.is_temporary
        assert sorted(os.listdir(shared.repo)) == before
    finally:
        repository.close()


def test_two_urls_sharing_a_folder_name_never_share_a_repository(base, public, tmp_path, monkeypatch):
    """Folder names are a slug and a CRC-32: should two URLs meet, the second works apart."""
    from artifacts_show import cache
    from fixtures.builder import Commit, Registry, Tag

    other = build(Registry([Commit("X", {"dvc.yaml": "artifacts:\n  churn-model:\n    path: x.pkl\n"})],
                           [Tag("churn-model#prod#1", "X")]), str(tmp_path / "other.git"), bare=True)
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "folder_name", lambda url: "the-same-folder")
    first = artifacts_show(PROD[0], stage="prod", repo=public.url("example.git"))
    second = artifacts_show(PROD[0], stage="prod", repo=f"file://{other.path}")
    assert (first["rev"], second["rev"]) == (base[1].commits[PROD[1]], other.commits["X"])
    shared = str(tmp_path / "cache" / "the-same-folder" / "repo.git")
    assert subprocess.run(["git", "cat-file", "-e", other.commits["X"]], cwd=shared).returncode != 0
    assert subprocess.run(["git", "cat-file", "-e", first["rev"]], cwd=shared).returncode == 0


def test_sessions_hold_the_lock_for_their_listing_alone(base, public, tmp_path, monkeypatch):
    """Two sessions of one URL in one process, used in either order: none waits for the other's
    first lookup (the listing is read as soon as git is done, and the lock released)."""
    from artifacts_show import Registry

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "10")
    url = public.url("example.git")
    started = time.monotonic()
    with Registry(url, artifacts=[PROD[0]]) as first, Registry(url, artifacts=[PROD[0], "nlp:bert"]) as second:
        assert second.show(PROD[0], stage="prod")["rev"] == base[1].commits[PROD[1]]
        assert first.show(PROD[0], stage="prod")["rev"] == base[1].commits[PROD[1]]
    assert time.monotonic() - started < 8


def test_lookups_and_overviews_at_once_share_a_cache_without_a_wrong_answer(base, public, tmp_path):
    """An overview's listing, lookups' listings and reads, all on one fresh cache at once."""
    for round_ in range(3):
        env = {"ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / f"cache-{round_}")}
        url = public.url("example.git")
        processes = [cli("--list", "--repo", url, env=env) if index % 2 else
                     cli(PROD[0], "--stage", "prod", "--repo", url, "--field", "rev", env=env)
                     for index in range(8)]
        outputs = [(process.communicate(timeout=120), process.returncode) for process in processes]
        for index, ((stdout, stderr), code) in enumerate(outputs):
            assert code == 0, stderr
            if index % 2:
                assert json.loads(stdout)["churn-model"]["stages"]["prod"]["rev"] == base[1].commits[PROD[1]]
            else:
                assert stdout.strip() == base[1].commits[PROD[1]]


def test_a_cache_folder_removed_under_a_session_is_made_again(base, public, tmp_path, monkeypatch):
    from artifacts_show import Registry

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    with Registry(public.url("example.git"), artifacts=[PROD[0], "nlp:bert"]) as registry:
        assert registry.show(PROD[0], stage="prod")["rev"] == base[1].commits[PROD[1]]
        shutil.rmtree(tmp_path / "cache")  # a cache cleaner
        assert registry.show("nlp:bert")["rev"] == base[1].commits["nlp-2"]


def test_a_killed_lookup_leaves_its_lock_to_the_git_it_started(base, tmp_path):
    """SIGKILL (an OOM kill, a cancelled job) cannot unwind: the git it started keeps the cache
    lock while it writes, and the next lookup waits for it instead of clearing its lock files."""
    slow = SmartHttpServer(base[0], delay=0.4)
    try:
        cache = str(tmp_path / "cache")
        process = lookup_until(slow, cache, lambda: bool(
            git_processes_in(cache) or any(request.method == "GET" for request in slow.stats.requests)))
        process.kill()
        process.communicate()
        orphans = git_processes_in(cache) or [line for line in command_lines() if cache.encode() in line]
        result = subprocess.run([sys.executable, "-m", "artifacts_show", PROD[0], "--stage", "prod", "--field", "rev",
                                 "--repo", slow.url("example.git")], capture_output=True, text=True, timeout=120,
                                env=dict(os.environ, PYTHONPATH=ROOT, ARTIFACTS_SHOW_CACHE_DIR=cache))
    finally:
        slow.stop()
    assert orphans, "the killed lookup's git was still at work"
    assert (result.returncode, result.stdout.strip()) == (0, base[1].commits[PROD[1]]), result.stderr
