"""The per-URL repository in the cache: its lock, its rebuilds after damage, a killed lookup."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from artifacts_show import artifacts_show
from fixtures import ROOT
from fixtures.builder import count_objects
from fixtures.servers import SmartHttpServer
from tests.helpers import PROD, command_lines, corrupt, git_processes_in, lookup_until


def test_a_damaged_cache_is_set_aside_and_replaced(base, public, tmp_path, monkeypatch):
    """Damaged packs, HEAD and remembered facts: the next lookup answers from a workspace that
    borrows nothing, which then takes the damaged repository's place (set aside, not removed:
    other lookups may be reading it); it holds what it read."""
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    expected = artifacts_show("nlp:bert", repo=public.url("example.git"))
    corrupt(str(tmp_path / "cache"))
    assert artifacts_show("nlp:bert", repo=public.url("example.git")) == expected
    (folder,) = [entry.path for entry in os.scandir(tmp_path / "cache") if entry.name != "memo"]
    assert len([name for name in os.listdir(folder) if name.startswith("set-aside-")]) == 1
    found = subprocess.run(["git", "cat-file", "--batch-check"], cwd=os.path.join(folder, "repo.git"),
                           capture_output=True, text=True,
                           input=f"{expected['rev']}\n{expected['rev']}:nlp/dvc.yaml\n").stdout
    assert " missing" not in found and found.count(" blob ") == 1, found
    assert artifacts_show(PROD[0], stage="prod", repo=public.url("example.git"))["rev"] == \
        base[1].commits[PROD[1]]


def test_what_killed_lookups_left_is_removed_once_stale(base, public, tmp_path, monkeypatch):
    """Workspaces and set-aside repositories older than STALE_SECONDS go when a lookup publishes;
    younger ones (lookups still running, or reading) and the rest of the folder stay."""
    from artifacts_show.mirror import STALE_SECONDS

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = public.url("example.git")
    artifacts_show(PROD[0], stage="prod", repo=url)
    (folder,) = [entry.path for entry in os.scandir(tmp_path / "cache") if entry.name != "memo"]
    old = time.time() - STALE_SECONDS - 60
    left = {name: os.path.join(folder, name) for name in ("work/1-old.git", "work/2-young.git",
                                                           "set-aside-1-2.git", "other-old")}
    for name, path in left.items():
        os.makedirs(os.path.join(path, "objects"))
        if "young" not in name:
            os.utime(path, (old, old))
    promote(base, "churn-model#prod#8", "churn-3")
    try:
        assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-3"]
    finally:
        subprocess.run(["git", "tag", "-d", "churn-model#prod#8"], cwd=base[1].path, capture_output=True)
    assert {name for name, path in left.items() if os.path.exists(path)} == {"work/2-young.git", "other-old"}


def test_a_warm_lookup_that_found_nothing_new_rewrites_no_ref(base, public, tmp_path, monkeypatch):
    """Publishing compares before it writes: the shared refs file stays the same file until a
    listing brings a new tag."""
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = public.url("example.git")
    artifacts_show(PROD[0], stage="prod", repo=url)
    (folder,) = [entry.path for entry in os.scandir(tmp_path / "cache") if entry.name != "memo"]
    packed = os.path.join(folder, "repo.git", "packed-refs")
    first = os.stat(packed).st_ino
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits[PROD[1]]
    assert os.stat(packed).st_ino == first
    promote(base, "churn-model#prod#8", "churn-3")
    try:
        assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-3"]
    finally:
        subprocess.run(["git", "tag", "-d", "churn-model#prod#8"], cwd=base[1].path, capture_output=True)
    assert os.stat(packed).st_ino != first


def test_a_held_lock_delays_no_lookup_and_the_held_cache_stays_as_it_was(base, public, monkeypatch, tmp_path):
    """Another process holding the URL's lock (a repack, a killed lookup's git): lookups, cold
    or warm, list and read in workspaces of their own at once; they give up publishing after
    a short wait, the held cache keeps what it had, and the next lookup publishes."""
    import fcntl

    from artifacts_show import mirror

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "20")
    url = public.url("example.git")
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits[PROD[1]]  # warm
    (folder,) = [entry.path for entry in os.scandir(tmp_path / "cache") if entry.name != "memo"]
    shared = os.path.join(folder, "repo.git")
    before = sorted(os.listdir(os.path.join(shared, "objects", "pack")))
    with open(os.path.join(folder, "lock"), "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        started = time.monotonic()
        assert artifacts_show("nlp:bert", repo=url)["rev"] == base[1].commits["nlp-2"]  # new objects
        waited = time.monotonic() - started
    assert waited < mirror.PUBLISH_WAIT + 2, waited  # not one timeout (20 s)
    assert sorted(os.listdir(os.path.join(shared, "objects", "pack"))) == before
    assert os.listdir(os.path.join(folder, "work")) == []  # the workspace is gone
    assert artifacts_show("nlp:bert", repo=url)["rev"] == base[1].commits["nlp-2"]
    assert len(os.listdir(os.path.join(shared, "objects", "pack"))) > len(before)  # published now


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



def test_a_killed_lookups_git_writes_only_into_its_own_workspace(base, tmp_path):
    """SIGKILL (an OOM kill, a cancelled job) cannot unwind: the git it started goes on writing,
    into the killed lookup's workspace alone; the next lookup does not wait for it, and the
    shared repository only ever receives what a lookup published whole."""
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
    (folder,) = [entry.path for entry in os.scandir(cache) if entry.name != "memo"]
    assert subprocess.run(["git", "-c", "remote.origin.promisor=true", "-c", "remote.origin.url=x", "fsck",
                           "--connectivity-only", "--no-dangling"],
                          cwd=os.path.join(folder, "repo.git"), capture_output=True).returncode == 0


def test_the_cache_stays_small_after_hundreds_of_pushes(tmp_path, monkeypatch):
    """300 pushes, a lookup after each: the packs are repacked as they pile up, and the shared
    repository holds about what a blobless clone of the registry holds; the memo stays bounded."""
    from artifacts_show import cache, mirror
    from fixtures.builder import Commit, Registry, Tag, build, git

    yaml = "artifacts:\n  m:\n    path: m.pkl\n"
    served = build(Registry([Commit(f"C{index}", {"dvc.yaml": yaml, "m.pkl": f"w{index}"}) for index in range(5)],
                            [Tag("m@v1.0.0", "C0")]), str(tmp_path / "served.git"), bare=True)
    url = f"file://{served.path}"
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "MEMO_ENTRIES", 40)
    env = dict(os.environ, GIT_COMMITTER_NAME="ci", GIT_COMMITTER_EMAIL="ci@example.com")
    for push in range(1, 301):
        commit = served.commits[f"C{push % 5}"]
        subprocess.run(["git", "tag", "-a", "-m", "promote", f"m#prod#{push}", commit], cwd=served.path,
                       env=env, check=True)
        if push % 7 == 0:  # a new version now and then: a new answer, a new path read
            subprocess.run(["git", "tag", "-a", "-m", "register", f"m@v1.{push}.0", commit], cwd=served.path,
                           env=env, check=True)
        assert artifacts_show("m", stage="prod", repo=url)["rev"] == commit
    (folder,) = [entry.path for entry in os.scandir(tmp_path / "cache") if entry.name != "memo"]
    shared = count_objects(os.path.join(folder, "repo.git"))
    git("clone", "-q", "--bare", "--filter=blob:none", url, str(tmp_path / "blobless.git"))
    blobless = count_objects(str(tmp_path / "blobless.git"))
    assert shared["packs"] <= min(50, mirror.MAX_PACKS + 1) and shared["count"] == 0
    assert shared["in-pack"] <= 2 * blobless["in-pack"], (shared, blobless)
    assert len(os.listdir(tmp_path / "cache" / "memo")) <= 40
    assert os.listdir(os.path.join(folder, "work")) == []


def promote(base, tag: str, commit: str) -> None:
    env = dict(os.environ, GIT_COMMITTER_NAME="ci", GIT_COMMITTER_EMAIL="ci@example.com")
    subprocess.run(["git", "tag", "-a", "-m", "promote", tag, base[1].commits[commit]], cwd=base[1].path,
                   env=env, check=True)


def test_a_session_that_answered_from_the_cache_never_publishes_its_old_refs(base, public, tmp_path, monkeypatch):
    """B answers from a young cached listing; C lists a tag pushed since and publishes it; B then
    fetches files and publishes them: the cache keeps C's refs, and offline answers C's commit."""
    from artifacts_show import Registry

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = public.url("example.git")
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-1"]
    monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", "3600")
    try:
        with Registry(url, artifacts=[PROD[0]]) as late:
            assert late.show(PROD[0], stage="prod")["rev"] == base[1].commits["churn-1"]  # the cache's
            promote(base, "churn-model#prod#8", "churn-3")
            monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", "0")
            assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-3"]
            assert late.url(PROD[0], version="v1.1.0-rc.1")  # fetches a .dvc file: a pack to publish
        monkeypatch.delenv("ARTIFACTS_SHOW_MAX_AGE")
        monkeypatch.setenv("ARTIFACTS_SHOW_OFFLINE", "1")
        assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-3"]
    finally:
        subprocess.run(["git", "tag", "-d", "churn-model#prod#8"], cwd=base[1].path, capture_output=True)


def test_an_older_listing_published_last_never_wins_over_a_newer_one(base, public, tmp_path, monkeypatch):
    """B lists, a tag is pushed, C lists it and publishes, B publishes last: the cache keeps C's
    refs and C's time, and offline answers C's commit."""
    from artifacts_show import Registry

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = public.url("example.git")
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-1"]
    try:
        with Registry(url, artifacts=[PROD[0]]) as early:
            assert early.show(PROD[0], stage="prod")["rev"] == base[1].commits["churn-1"]  # listed now
            promote(base, "churn-model#prod#8", "churn-3")
            time.sleep(0.05)
            assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-3"]
            assert early.url(PROD[0], version="v1.1.0-rc.1")  # a pack to publish, after C's
        monkeypatch.setenv("ARTIFACTS_SHOW_OFFLINE", "1")
        assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-3"]
    finally:
        subprocess.run(["git", "tag", "-d", "churn-model#prod#8"], cwd=base[1].path, capture_output=True)


@pytest.mark.parametrize("early_lists", ["every tag", "one artifact"])
def test_a_listing_of_every_tag_and_one_of_an_artifact_never_put_back_each_others_older_refs(
        base, public, tmp_path, monkeypatch, early_lists):
    """B lists (every tag, or the artifact's), a tag is pushed, C lists the other way and
    publishes, B publishes last: the patterns overlap, and the newer listing of a tag wins."""
    from artifacts_show import Registry, artifacts_list

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = public.url("example.git")
    assert artifacts_list(repo=url)[PROD[0]]["stages"]["prod"]["rev"] == base[1].commits["churn-1"]
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-1"]
    every = early_lists == "every tag"
    try:
        with Registry(url, artifacts=None if every else [PROD[0]]) as early:
            if every:
                assert early.overview()[PROD[0]]["stages"]["prod"]["rev"] == base[1].commits["churn-1"]
            else:
                assert early.show(PROD[0], stage="prod")["rev"] == base[1].commits["churn-1"]
            promote(base, "churn-model#prod#8", "churn-3")
            time.sleep(0.05)
            if every:
                assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-3"]
            else:
                assert artifacts_list(repo=url)[PROD[0]]["stages"]["prod"]["rev"] == base[1].commits["churn-3"]
        monkeypatch.setenv("ARTIFACTS_SHOW_OFFLINE", "1")
        if every:
            assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-3"]
        else:
            assert artifacts_list(repo=url)[PROD[0]]["stages"]["prod"]["rev"] == base[1].commits["churn-3"]
    finally:
        subprocess.run(["git", "tag", "-d", "churn-model#prod#8"], cwd=base[1].path, capture_output=True)


def test_a_listing_of_every_tag_with_a_long_tag_name_that_is_not_utf8_is_published(tmp_path, monkeypatch):
    """Anyone who can push writes tag names: bytes that are not UTF-8, before an ``@``."""
    from artifacts_show import artifacts_list
    from fixtures.builder import build
    from fixtures.registries import EXAMPLE_REGISTRY

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    built = build(EXAMPLE_REGISTRY, str(tmp_path / "registry.git"), bare=True)
    env = dict(os.environ, GIT_COMMITTER_NAME="ci", GIT_COMMITTER_EMAIL="ci@example.com")
    name = b"\xff" * 70 + b"@v1.0.0"
    subprocess.run([b"git", b"tag", b"-a", b"-m", b"x", name, built.commits["churn-1"].encode()],
                   cwd=built.path, env=env, check=True)
    url = f"file://{built.path}"
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == built.commits["churn-1"]
    for offline in ("0", "0", "1"):  # cold, warm (published over the artifact's listing), offline
        monkeypatch.setenv("ARTIFACTS_SHOW_OFFLINE", offline)
        assert artifacts_list(repo=url)[PROD[0]]["stages"]["prod"]["rev"] == built.commits["churn-1"]


def test_a_workspace_whose_shared_repository_was_replaced_publishes_nothing_into_the_new_one(
        base, public, tmp_path, monkeypatch):
    from artifacts_show import Registry

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = public.url("example.git")
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-1"]
    (folder,) = [entry.path for entry in os.scandir(tmp_path / "cache") if entry.name != "memo"]
    shared = os.path.join(folder, "repo.git")
    with Registry(url, artifacts=[PROD[0]]) as session:
        session.show(PROD[0], stage="prod")
        os.rename(shared, shared + ".aside")  # another lookup set it aside and made a new one
        shutil.copytree(shared + ".aside", shared)
        before = sorted(os.listdir(os.path.join(shared, "objects", "pack")))
        assert session.url(PROD[0], version="v1.1.0-rc.1")
    assert sorted(os.listdir(os.path.join(shared, "objects", "pack"))) == before


@pytest.mark.parametrize(("said", "damaged"), [
    ("fatal: unable to access 'http://h/r.git/': Recv failure: Connection reset by peer (git fetch)", False),
    ("error: RPC failed; HTTP 502 (git fetch)", False),
    ("fatal: packed object 1234 (stored in ./objects/pack/pack-1.pack) is corrupt (git fetch)", True),
    ("fatal: missing object 1234 for refs/tags/m@v1.0.0 (git for-each-ref)", True),
])
def test_only_a_damaged_repository_is_set_aside_after_a_retry_that_works(said, damaged):
    from artifacts_show import GitError
    from artifacts_show.mirror import despite_the_cache

    class Workspace:
        offline, apart, borrowing, judged = False, False, True, False

        def start_workspace(self, borrow):
            self.borrowing = borrow

        def judge_damaged(self):
            self.judged = True

        remote = type("Remote", (), {"url": "http://h/r.git"})

    tries = []

    def work():
        tries.append(1)
        if len(tries) == 1:
            raise GitError(said)
        return "answer"

    mirror = Workspace()
    assert despite_the_cache(mirror, work, lambda: None) == "answer"
    assert (len(tries), mirror.judged) == (2, damaged)
