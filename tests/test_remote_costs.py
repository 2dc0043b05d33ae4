"""What a remote lookup moves: counted in objects, bytes and requests, never in seconds."""

from __future__ import annotations

import os
import subprocess
from collections import Counter

import pytest

from artifacts_show import artifacts_show
from fixtures.builder import build, git
from fixtures.large import large_registry
from fixtures.registries import CASES
from fixtures.servers import SmartHttpServer

KIB = 1024


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    base = str(tmp_path_factory.mktemp("large"))
    built = build(large_registry(), os.path.join(base, "large.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    for case in CASES[:3] + [case for case in CASES if case.name == "dates-decide-without-counter"]:
        repo = build(case.registry, os.path.join(base, f"{case.name}.git"), bare=True)
        git("config", "uploadpack.allowFilter", "true", cwd=repo.path)
    server = SmartHttpServer(base)
    yield server, built
    server.stop()


def cache_objects(cache_dir: str) -> Counter:
    (folder,) = [entry.path for entry in os.scandir(cache_dir) if os.path.isdir(os.path.join(entry.path, "repo.git"))]
    listing = git("cat-file", "--batch-all-objects", "--batch-check=%(objecttype)",
                  cwd=os.path.join(folder, "repo.git"))
    return Counter(listing.split())


def listing_bytes(server: SmartHttpServer, url: str) -> int:
    server.stats.clear()
    subprocess.run(["git", "ls-remote", "--tags", url], check=True, capture_output=True)
    return server.stats.bytes_sent


def repository_bytes(path: str) -> int:
    return sum(os.path.getsize(os.path.join(folder, name))
               for folder, _, names in os.walk(os.path.join(path, "objects")) for name in names)


def test_cold_lookup_moves_one_commit_its_trees_and_the_blob_it_reads(large, monkeypatch, tmp_path):
    server, built = large
    url = server.url("large.git")
    listing = listing_bytes(server, url)
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    server.stats.clear()
    result = artifacts_show("model", stage="prod", repo=url)
    assert result["rev"] == built.commits["c1800"]
    moved = server.stats.bytes_sent - listing
    trees = len(git("ls-tree", "-r", "-t", "-d", result["rev"], cwd=built.path).splitlines()) + 1
    assert cache_objects(str(tmp_path / "cache")) == Counter(tag=1, commit=1, tree=trees, blob=1)
    assert repository_bytes(built.path) > 20 * 1024 * KIB
    assert moved < 32 * KIB, f"{moved} bytes beyond the {listing}-byte listing"
    print(f"listing {listing} B, cold lookup {moved} B more, repository {repository_bytes(built.path)} B")


def test_warm_lookup_is_one_ls_remote_and_nothing_else(large, monkeypatch, tmp_path):
    server, built = large
    url = server.url("large.git")
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    cold = artifacts_show("model", repo=url)
    listing = listing_bytes(server, url)
    started = []
    real_popen = subprocess.Popen

    def counting_popen(args, *rest, **kwargs):
        if list(args)[:2] != ["git", "http-backend"]:  # the test's server runs in this process
            started.append(list(args))
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting_popen)
    from artifacts_show import git as git_layer

    git_layer.ensure_supported_git.cache_clear()  # a new process would not know the version either
    server.stats.clear()
    assert artifacts_show("model", repo=url) == cold
    assert [args[:3] for args in started] == [["git", "ls-remote", "--tags"]]
    assert server.stats.fetches == 0
    assert server.stats.bytes_sent == listing


def test_tag_objects_are_fetched_only_when_the_order_needs_dates(large, monkeypatch, tmp_path):
    server, _ = large
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "no-dates"))
    artifacts_show("m", stage="prod", repo=server.url("worked-example-rollback.git"))
    assert cache_objects(str(tmp_path / "no-dates"))["tag"] == 1  # only the answered tag's object
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "dates"))
    artifacts_show("m", stage="prod", repo=server.url("dates-decide-without-counter.git"))
    # The order of m#prod (no counter) and m#prod#1 decides: the tag objects of the
    # artifact's three tags come in one fetch, to read their dates.
    assert cache_objects(str(tmp_path / "dates"))["tag"] == 3
