"""Every lookup rule through every transport, on the same fixtures as the local tests."""

from __future__ import annotations

import os

import pytest

from artifacts_show import artifacts_show
from fixtures.builder import build, git
from fixtures.registries import CASES, EXAMPLE_LOOKUPS, EXAMPLE_REGISTRY
from fixtures.servers import GitDaemon, SmartHttpServer, ssh_stand_in
from tests.lookups import check

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
