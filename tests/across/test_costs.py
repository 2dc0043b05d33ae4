"""What a remote lookup costs, in HTTP requests, git processes and bytes: counts, never seconds.

On registries shaped like GTO's (version and deregistration tags without
counters, so the order needs tagger dates), over smart HTTP (protocol v2):

- cold: 5 requests, where git by hand needs 7 for the same answer (ls-remote 2, a
  depth-1 blobless fetch of the tag 3, the lazy fetch of the blob 2): the listing
  (info/refs, ls-refs by prefix, the tag objects with their commits, dates and
  trees), then the blobs read (info/refs, fetch);
- warm: 2 requests (info/refs, ls-refs): nothing else is fetched or read.
"""

from __future__ import annotations

import os
import subprocess
from typing import List

import pytest

from artifacts_show import ArtifactNotFoundError, Registry, artifacts_list, artifacts_show
from artifacts_show import git as git_layer
from fixtures.builder import build, git
from fixtures.gto_registry import gto_shaped, nightly
from fixtures.servers import SmartHttpServer

SHAPED = gto_shaped(small=True)
NIGHTLY = nightly(small=True)
COLD = ["clone", "for-each-ref", "cat-file", "fetch"]
WARM = ["fetch", "for-each-ref"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = str(tmp_path_factory.mktemp("shaped"))
    built = {}
    for name, shaped, extra in (("shaped", SHAPED, None), ("nightly", NIGHTLY, None),
                                ("crowded", None, 500)):
        registry = shaped.registry if shaped else gto_shaped(small=True, other_artifacts=extra).registry
        built[name] = build(registry, os.path.join(base, f"{name}.git"), bare=True)
        git("config", "uploadpack.allowFilter", "true", cwd=built[name].path)
    server = SmartHttpServer(base)
    yield server, built
    server.stop()


class Processes:
    """The git commands a lookup starts (the test's own HTTP server runs in this process too)."""

    def __init__(self, monkeypatch) -> None:
        self.started: List[str] = []
        real_popen = subprocess.Popen

        def counting_popen(args, *rest, **kwargs):
            if list(args)[:2] != ["git", "http-backend"]:
                command = [arg for arg in args[1:] if not arg.startswith("-") and "=" not in arg]
                self.started.append(command[0] if command else args[1])
            return real_popen(args, *rest, **kwargs)

        monkeypatch.setattr(subprocess, "Popen", counting_popen)
        git_layer.ensure_supported_git.cache_clear()  # a new process would not know it either


def requests(server: SmartHttpServer) -> List[str]:
    """The requests made: "GET" for info/refs, else the protocol-v2 command posted."""
    made = []
    for request in server.stats.requests:
        if request.method == "GET":
            made.append("GET")
        else:
            made.append("ls-refs" if b"command=ls-refs" in request.body else "fetch")
    return made


@pytest.mark.parametrize("registry", ["shaped", "nightly"])
def test_cold_and_warm_lookups_of_every_kind(served, registry, tmp_path, monkeypatch):
    server, built = served
    shaped = {"shaped": SHAPED, "nightly": NIGHTLY}[registry]
    url = server.url(f"{registry}.git")
    for index, lookup in enumerate(shaped.lookups):
        monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / f"cache-{index}"))
        processes = Processes(monkeypatch)
        server.stats.clear()
        result = artifacts_show(lookup.name, version=lookup.version, stage=lookup.stage, repo=url)
        assert result == {"path": lookup.path.replace("/", os.sep), "rev": built[registry].commits[lookup.commit]}
        assert requests(server) == ["GET", "ls-refs", "fetch", "GET", "fetch"], lookup.kind
        assert processes.started == ["--version", *COLD], lookup.kind
        processes.started.clear()
        server.stats.clear()
        assert artifacts_show(lookup.name, version=lookup.version, stage=lookup.stage, repo=url) == result
        assert requests(server) == ["GET", "ls-refs"], lookup.kind
        assert processes.started == WARM, lookup.kind


def test_the_listing_takes_the_artifacts_tags_only(served, tmp_path, monkeypatch):
    """20,000 tags of 500 other artifacts (some named alike: model-007): the same bytes, cold or warm."""
    server, built = served
    lookup = SHAPED.lookup("stage prod")
    moved = {}
    for registry in ("shaped", "crowded"):
        monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / registry))
        for when in ("cold", "warm"):
            server.stats.clear()
            assert artifacts_show(lookup.name, stage="prod", repo=server.url(f"{registry}.git"))["rev"] == \
                built[registry].commits[lookup.commit]
            moved[registry, when] = server.stats.bytes_sent
    assert moved["crowded", "warm"] == moved["shaped", "warm"]
    assert moved["crowded", "cold"] <= moved["shaped", "cold"] * 1.05
    server.stats.clear()
    subprocess.run(["git", "ls-remote", "--tags", server.url("crowded.git")], check=True, capture_output=True)
    assert server.stats.bytes_sent > 20 * moved["crowded", "warm"]  # what a full listing would cost


def test_a_new_tag_is_fetched_with_what_it_needs_and_no_more(served, tmp_path, monkeypatch):
    """A warm listing fetches without a depth: a tag added on the server brings its tag
    object and commit (the commits between it and the commits here, at most)."""
    server, built = served
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = server.url("nightly.git")
    path = built["nightly"].path
    before = artifacts_show("model", stage="prod", repo=url)
    newest = built["nightly"].commits[NIGHTLY.lookup("latest").commit]
    git("tag", "-a", "-m", "promoted", "model#prod#99", newest, cwd=path)
    try:
        server.stats.clear()
        assert artifacts_show("model", stage="prod", repo=url) == {**before, "rev": newest}
        assert requests(server)[:3] == ["GET", "ls-refs", "fetch"]
    finally:
        git("tag", "-d", "model#prod#99", cwd=path)
    assert artifacts_show("model", stage="prod", repo=url) == before  # the deletion is seen too


def test_several_lookups_share_one_listing_and_one_fetch_of_files(served, tmp_path, monkeypatch):
    server, built = served
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    queries = [(lookup.name, lookup.version, lookup.stage) for lookup in SHAPED.lookups]
    queries.append(("tokenizer", None, "prod"))
    processes = Processes(monkeypatch)
    server.stats.clear()
    with Registry(server.url("shaped.git"), artifacts=[name for name, _, _ in queries]) as registry:
        results = registry.show_many(queries)
    assert [result["rev"] for result in results[:4]] == [
        built["shaped"].commits[lookup.commit] for lookup in SHAPED.lookups]
    assert requests(server) == ["GET", "ls-refs", "fetch", "GET", "fetch"]
    assert processes.started == ["--version", *COLD]


def test_the_overview_is_one_listing(served, tmp_path, monkeypatch):
    server, built = served
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = server.url("shaped.git")
    server.stats.clear()
    seen = artifacts_list(url)
    assert requests(server) == ["GET", "ls-refs", "fetch"]
    assert seen["model"]["stages"]["prod"]["rev"] == built["shaped"].commits[SHAPED.lookup("stage prod").commit]
    server.stats.clear()
    assert artifacts_list(url) == seen
    assert requests(server) == ["GET", "ls-refs"]
    server.stats.clear()
    with_paths = artifacts_list(url, paths=True)
    assert requests(server) == ["GET", "ls-refs", "GET", "fetch", "GET", "fetch"]  # every commit's files at once
    assert with_paths["team4/models:clf"]["latest"]["path"] == os.path.join("team4", "models", "clf.pkl")


def test_a_storage_url_costs_one_more_fetch_cold_and_nothing_warm(served, tmp_path, monkeypatch):
    """.dvc/config and the output's record come in one more fetch, after dvc.yaml has named the path."""
    from artifacts_show import artifacts_url

    server, built = served
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = server.url("nightly.git")
    lookup = NIGHTLY.lookup("stage prod")
    server.stats.clear()
    location = artifacts_url("model", stage="prod", repo=url)
    assert location.startswith("s3://models/registry/files/md5/")
    assert requests(server) == ["GET", "ls-refs", "fetch", "GET", "fetch", "GET", "fetch"]
    server.stats.clear()
    assert artifacts_url("model", stage="prod", repo=url) == location
    assert requests(server) == ["GET", "ls-refs"]
    record = git("show", f"{built['nightly'].commits[lookup.commit]}:models/model.bin.dvc", cwd=built["nightly"].path)
    md5 = record.split("md5: ")[1].split()[0]
    assert location == f"s3://models/registry/files/md5/{md5[:2]}/{md5[2:]}"


def packs_of(cache: str) -> List[str]:
    (folder,) = [entry.path for entry in os.scandir(cache) if entry.name != "memo"]
    return sorted(os.listdir(os.path.join(folder, "repo.git", "objects", "pack")))


def test_a_lookup_that_finds_nothing_leaves_the_cache_as_it_was(served, tmp_path, monkeypatch):
    """Not registered yet, on a warm cache: 2 requests for its listing, 2 to say what exists
    (once per call), and the shared repository keeps its packs: the next lookup is warm."""
    server, built = served
    cache = str(tmp_path / "cache")
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", cache)
    url = server.url("shaped.git")
    lookup = SHAPED.lookup("stage prod")
    artifacts_show(lookup.name, stage="prod", repo=url)
    before = packs_of(cache)
    server.stats.clear()
    with pytest.raises(ArtifactNotFoundError, match="no registry tags for artifact 'not-registered-yet'"):
        artifacts_show("not-registered-yet", repo=url)
    assert requests(server) == ["GET", "ls-refs", "GET", "ls-refs"]
    assert packs_of(cache) == before
    server.stats.clear()
    artifacts_show(lookup.name, stage="prod", repo=url)
    assert requests(server) == ["GET", "ls-refs"]


def test_many_unknown_names_list_every_tag_once(served, tmp_path, monkeypatch):
    """Ten typos among the names of one call: one listing of every tag name says what exists."""
    server, built = served
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = server.url("shaped.git")
    names = [lookup.name for lookup in SHAPED.lookups] + [f"typo-{index}" for index in range(10)]
    with Registry(url, artifacts=names) as registry:
        registry.show_many([(name, None, None) for name in names])  # cold
    server.stats.clear()
    with Registry(url, artifacts=names) as registry:
        results = registry.show_many([(name, None, None) for name in names])
    assert sum(isinstance(result, ArtifactNotFoundError) for result in results) >= 10
    assert requests(server) == ["GET", "ls-refs", "GET", "ls-refs"]


@pytest.mark.parametrize("registry", ["shaped", "nightly"])
def test_check_ref_costs_what_a_lookup_costs(served, registry, tmp_path, monkeypatch):
    """The listing brings the tag objects with their taggers and messages: reading them is no
    request; the path at the tag's commit is a lookup's read."""
    server, built = served
    shaped = {"shaped": SHAPED, "nightly": NIGHTLY}[registry]
    url = server.url(f"{registry}.git")
    for index, lookup in enumerate(shaped.lookups):
        monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / f"cache-{index}"))
        for expected in (["GET", "ls-refs", "fetch", "GET", "fetch"], ["GET", "ls-refs"]):
            server.stats.clear()
            with Registry(url, artifacts=[lookup.name]) as session:
                event = session.check_ref(f"refs/tags/{lookup.tag}")
            assert (event.commit_hexsha, event.path) == (built[registry].commits[lookup.commit],
                                                         lookup.path.replace("/", os.sep)), lookup.tag
            assert event.author == "Registry Bot" and event.created_at is not None
            assert requests(server) == expected, lookup.tag


def test_check_ref_with_its_url_costs_a_lookup_with_its_url(served, tmp_path, monkeypatch):
    server, built = served
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    lookup = NIGHTLY.lookup("stage prod")
    for expected in (["GET", "ls-refs", "fetch", "GET", "fetch", "GET", "fetch"], ["GET", "ls-refs"]):
        server.stats.clear()
        with Registry(server.url("nightly.git"), artifacts=["model"]) as session:
            assert session.check_ref(lookup.tag, urls=True).url.startswith("s3://models/registry/files/md5/")
        assert requests(server) == expected


def test_history_and_versions_cost_no_more_than_the_overview(served, tmp_path, monkeypatch):
    server, built = served
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = server.url("shaped.git")
    for expected in (["GET", "ls-refs", "fetch"], ["GET", "ls-refs"]):
        server.stats.clear()
        with Registry(url, artifacts=["model"]) as session:
            events = session.history("model")
            versions = session.versions("model")
        assert requests(server) == expected
        assert len(events) == 41 and all(event.author == "Registry Bot" for event in events)
        assert len(versions) == 28 and sum(entry.deregistered for entry in versions) == 3
