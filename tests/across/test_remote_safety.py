"""Credentials, concurrency and faults of remote lookups, against servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from artifacts_show import GitError, artifacts_show
from fixtures.builder import build, git
from fixtures.registries import CASES
from fixtures.servers import SilentServer, SmartHttpServer
from tests.helpers import PROD, command_lines, files_containing, git_processes_in, lookup_until, start_cli

TOKEN = "tok-9f2c1e7d5b"


@pytest.fixture(scope="module")
def private(base):
    server = SmartHttpServer(base[0], credentials=("alice", TOKEN), delay=0.05)
    yield server
    server.stop()


def test_token_in_url_works_and_never_shows(base, private, tmp_path):
    url = private.url("example.git", f"alice:{TOKEN}")
    cache = str(tmp_path / "cache")
    # The URL comes through the environment, so that no command line holds the token at all.
    process = start_cli(PROD[0], "--stage", "prod", "--verbose",
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
    process = start_cli(PROD[0], "--stage", "prod", env={"ARTIFACTS_SHOW_CACHE_DIR": cache, "ARTIFACTS_SHOW_REPO": url,
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
    processes = [start_cli(PROD[0], "--stage", "prod", "--repo", public.url("example.git"), "--field", "rev",
                     env=env) for _ in range(16)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [out.strip() for out, _ in outputs] == [base[1].commits[PROD[1]]] * 16, outputs


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


def test_lookups_and_overviews_at_once_share_a_cache_without_a_wrong_answer(base, public, tmp_path):
    """An overview's listing, lookups' listings and reads, all on one fresh cache at once."""
    for round_ in range(3):
        env = {"ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / f"cache-{round_}")}
        url = public.url("example.git")
        processes = [start_cli("--list", "--repo", url, env=env) if index % 2 else
                     start_cli(PROD[0], "--stage", "prod", "--repo", url, "--field", "rev", env=env)
                     for index in range(8)]
        outputs = [(process.communicate(timeout=120), process.returncode) for process in processes]
        for index, ((stdout, stderr), code) in enumerate(outputs):
            assert code == 0, stderr
            if index % 2:
                assert json.loads(stdout)["churn-model"]["stages"]["prod"]["rev"] == base[1].commits[PROD[1]]
            else:
                assert stdout.strip() == base[1].commits[PROD[1]]




def test_parallel_lookups_on_a_stalled_server_each_fail_within_their_own_timeout(tmp_path):
    """Four jobs, one cache, a server that accepts and never answers: no job waits for another's
    round trip (no lock is held across one), so each fails after its own timeout."""
    silent = SilentServer()
    try:
        env = {"ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / "cache"), "ARTIFACTS_SHOW_TIMEOUT": "3"}
        started = time.monotonic()
        processes = [start_cli("m", "--repo", f"http://127.0.0.1:{silent.port}/r.git", env=env) for _ in range(4)]
        ended = []
        for process in processes:
            process.communicate(timeout=60)
            ended.append(time.monotonic() - started)
    finally:
        silent.stop()
    assert [process.returncode for process in processes] == [3] * 4
    assert max(ended) < 3 + 2.5, ended  # one timeout each, not one after another


def test_answers_stay_right_while_tags_are_pushed_between_parallel_lookups(tmp_path):
    """Eight jobs at a time on one cache while the stage moves: every answer is a commit the
    stage held, none fails, and the last answer is the last assignment."""
    import threading

    folder = str(tmp_path / "served")
    case = CASES[0]  # m@v1.0.0 -> A, m@v2.0.0 -> B, m#prod#1 -> A
    built = build(case.registry, os.path.join(folder, "r.git"), bare=True)
    server = SmartHttpServer(folder, delay=0.02)
    url = server.url("r.git")
    env = {"ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / "cache")}
    committer = dict(os.environ, GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    held = {built.commits["A"], built.commits["B"]}
    last = []

    def push() -> None:
        for counter in range(2, 14):
            commit = built.commits["B" if counter % 2 else "A"]
            subprocess.run(["git", "tag", "-a", "-m", "moved", f"m#prod#{counter}", commit], cwd=built.path,
                           env=committer, check=True)
            last[:] = [commit]
            time.sleep(0.15)

    pusher = threading.Thread(target=push)
    pusher.start()
    try:
        while pusher.is_alive():
            processes = [start_cli("m", "--stage", "prod", "--field", "rev", "--repo", url, env=env)
                         for _ in range(8)]
            for process in processes:
                stdout, stderr = process.communicate(timeout=120)
                assert process.returncode == 0, stderr
                assert stdout.strip() in held
        pusher.join()
        final = start_cli("m", "--stage", "prod", "--field", "rev", "--repo", url, env=env).communicate()[0]
    finally:
        server.stop()
    assert final.strip() == last[0]
