"""Shared fixtures: isolated git configuration, registries built once per session, the example
registry served over HTTP."""

from __future__ import annotations

import os
from typing import Callable, Dict

import pytest

from artifacts_show import git as git_layer
from fixtures.builder import BuiltRepo, Registry, build, git
from fixtures.registries import EXAMPLE_REGISTRY
from fixtures.servers import SmartHttpServer


@pytest.fixture(autouse=True, scope="session")
def isolated_git_config(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Neither the machine's nor the user's git configuration leaks into a test."""
    home = tmp_path_factory.mktemp("home")
    os.environ.update(
        HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C"
    )
    os.environ.pop("ARTIFACTS_SHOW_TIMEOUT", None)


@pytest.fixture(autouse=True)
def fresh_caches(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts cold: a new cache folder and no remembered git version."""
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    git_layer.ensure_supported_git.cache_clear()


@pytest.fixture(scope="session")
def build_registry(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., BuiltRepo]:
    """Build a registry once per session and per (name, kind of repository)."""
    built: Dict[tuple, BuiltRepo] = {}

    def get(name: str, registry: Registry, bare: bool = False, object_format: str = "sha1") -> BuiltRepo:
        key = (name, bare, object_format)
        if key not in built:
            path = tmp_path_factory.mktemp("registry") / name
            built[key] = build(registry, str(path), bare=bare, object_format=object_format)
        return built[key]

    return get


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The example registry, bare, in a folder of its own: (folder, built)."""
    folder = str(tmp_path_factory.mktemp("served"))
    built = build(EXAMPLE_REGISTRY, os.path.join(folder, "example.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    return folder, built


@pytest.fixture(scope="module")
def public(base):
    """``base`` served over smart HTTP."""
    server = SmartHttpServer(base[0])
    yield server
    server.stop()
