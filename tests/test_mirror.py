"""The per-URL repository in the cache: its lock, its rebuilds after damage, a killed lookup."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

from artifacts_show import artifacts_show
from fixtures import ROOT
from fixtures.servers import SmartHttpServer
from tests.helpers import PROD, command_lines, corrupt, git_processes_in, lookup_until


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
