"""The differential tests run apart from the machine's and the user's settings."""

from __future__ import annotations

import os

import pytest

from fixtures.builder import build
from fixtures.random_registry import random_history

SEED = int(os.environ.get("PARITY_SEED", "20261128"))
HISTORIES = int(os.environ.get("PARITY_HISTORIES", "200"))


@pytest.fixture(scope="session")
def histories(tmp_path_factory: pytest.TempPathFactory) -> list:
    """The random histories from the seed, each built once as a repository (with a work tree)."""
    folder = tmp_path_factory.mktemp("histories")
    return [(history, build(history.registry, str(folder / f"h{seed}")))
            for seed, history in ((seed, random_history(seed)) for seed in range(SEED, SEED + HISTORIES))]


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new cache folder per test (no answer remembered from another run), no git or DVC
    configuration of the user's (the peers get empty ones of their own)."""
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    empty = tmp_path_factory.mktemp("no-config")
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(empty))
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
