"""Every lookup rule through every transport, on the same fixtures as the local tests."""

from __future__ import annotations

import os
import shutil

import pytest

from artifacts_show import artifacts_show
from artifacts_show import git as git_layer
from fixtures.builder import build, git
from fixtures.registries import CASES, EXAMPLE_LOOKUPS, EXAMPLE_REGISTRY
from fixtures.servers import GitDaemon, SmartHttpServer, ssh_stand_in
from tests.helpers import check

ALL = [*CASES, type("Example", (), dict(name="example", registry=EXAMPLE_REGISTRY,
                                            lookups=EXAMPLE_LOOKUPS))()]


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """Every fixture registry as a bare repository (and a bundle) under one folder."""
    base = str(tmp_path_factory.mktemp("served"))
    built = {}
    for case in ALL:
        repo = build(case.registry, os.path.join(base, f"{case.name}.git"), bare=True)
        git("config", "uploadpack.allowFilter", "true", cwd=repo.path)
        git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=repo.path)
        git("bundle", "create", "-q", os.path.join(base, f"{case.name}.bundle"), "--all", cwd=repo.path)
        built[case.name] = repo
    return base, built


@pytest.fixture(scope="session")
def servers(served):
    base, _ = served
    running = {
        "daemon": GitDaemon(base), "daemon-nofilter": GitDaemon(base, allow_filter=False),
        "http": SmartHttpServer(base), "http-nofilter": SmartHttpServer(base, allow_filter=False),
    }
    yield running
    for server in running.values():
        server.stop()


TRANSPORTS = ["daemon", "daemon-nofilter", "http", "http-nofilter", "ssh", "scp", "file", "bundle"]


@pytest.fixture
def url_for(served, servers, tmp_path, monkeypatch):
    base, _ = served

    def url(transport: str, name: str) -> str:
        if transport in servers:
            return servers[transport].url(f"{name}.git")
        if transport in ("ssh", "scp"):
            for key, value in ssh_stand_in(str(tmp_path)).items():
                monkeypatch.setenv(key, value)
            path = os.path.join(base, f"{name}.git")
            return f"ssh://git@registry.example{path}" if transport == "ssh" else f"git@registry.example:{path}"
        if transport == "file":
            return f"file://{base}/{name}.git"
        return os.path.join(base, f"{name}.bundle")

    return url


CASE_LOOKUPS = [
    pytest.param(case, lookup, id=f"{case.name}:{lookup.id}")
    for case in ALL for lookup in case.lookups
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("case", "lookup"), CASE_LOOKUPS)
def test_rules_through_every_transport(served, url_for, case, lookup, transport):
    _, built = served
    check(lookup, built[case.name], artifacts_show, url_for(transport, case.name))


@pytest.fixture(scope="module")
def served_sha256(tmp_path_factory):
    base = str(tmp_path_factory.mktemp("served-sha256"))
    built = build(EXAMPLE_REGISTRY, os.path.join(base, "example.git"), bare=True, object_format="sha256")
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    git("bundle", "create", "-q", os.path.join(base, "example.bundle"), "--all", cwd=built.path)
    server = SmartHttpServer(base)
    yield base, built, server
    server.stop()


@pytest.mark.parametrize("transport", ["http", "file", "bundle"])
def test_sha256_registry(served_sha256, transport, monkeypatch):
    """The cache repository of a cold cache is made by a clone, which takes the server's format:
    nothing fails and is tried again."""
    base, built, server = served_sha256
    url = {"http": server.url("example.git"), "file": f"file://{base}/example.git",
           "bundle": os.path.join(base, "example.bundle")}[transport]
    started = []
    real_start = git_layer.start

    def start(args, **options):
        started.append(args[2] if args[0] == "-c" else args[0])  # the command after any -c key=value
        return real_start(args, **options)

    monkeypatch.setattr(git_layer, "start", start)
    result = artifacts_show("churn-model", stage="prod", repo=url)
    assert result["rev"] == built.commits["churn-1"]
    # the listing (with the trees), then the blobs; a bundle gives all at once
    assert [args for args in started if args in ("clone", "fetch", "init")] == (
        ["clone"] if transport == "bundle" else ["clone", "fetch"])
    for lookup in EXAMPLE_LOOKUPS:
        check(lookup, built, artifacts_show, url)
    cache = os.environ["ARTIFACTS_SHOW_CACHE_DIR"]
    (folder,) = [name for name in os.listdir(cache) if name != "memo"]
    with open(os.path.join(cache, folder, "repo.git", "config")) as config:
        assert "objectformat = sha256" in config.read()


def test_a_protocol_v0_server_that_refuses_object_ids_is_read_by_tags(tmp_path, monkeypatch):
    """Partial fetch, but no object by id (uploadpack.allowAnySHA1InWant off) and protocol v0:
    trees and blobs come by the answer's tag instead."""
    from fixtures.builder import build as build_repo
    from fixtures.registries import EXAMPLE_REGISTRY
    from fixtures.servers import GitDaemon

    built = build_repo(EXAMPLE_REGISTRY, str(tmp_path / "served" / "example.git"), bare=True)
    daemon = GitDaemon(str(tmp_path / "served"), allow_filter=True, any_object=False)
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.version")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "0")
    try:
        for lookup in EXAMPLE_LOOKUPS:
            check(lookup, built, artifacts_show, daemon.url("example.git"))
    finally:
        daemon.stop()


def test_a_sha256_mirror_made_again_between_listing_and_reading_keeps_its_format(served_sha256, tmp_path,
                                                                              monkeypatch):
    from artifacts_show import Registry

    base, built, server = served_sha256
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    with Registry(server.url("example.git"), artifacts=["churn-model"]) as registry:
        registry._tags()  # listed
        for folder in os.listdir(tmp_path / "cache"):  # another lookup cleared it meanwhile
            if os.path.isdir(tmp_path / "cache" / folder / "repo.git"):
                shutil.rmtree(tmp_path / "cache" / folder / "repo.git")
        assert registry.show("churn-model", stage="prod")["rev"] == built.commits["churn-1"]
