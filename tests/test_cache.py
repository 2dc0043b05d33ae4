"""The per-user cache: a folder per URL, none when disabled or unusable (a temporary one then)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from artifacts_show import artifacts_show, cache
from artifacts_show.errors import InvalidArgumentError
from fixtures.builder import build
from tests.helpers import PROD


@pytest.mark.parametrize(
    ("raw", "zero_allowed", "expected"),
    [("", False, None), ("2.5", False, 2.5), ("0", True, 0.0), ("0", False, "a positive"),
     ("-1", True, "a number"), ("soon", True, "a number"), ("inf", False, "a positive"),
     ("nan", True, "a number")],
)
def test_seconds_in_the_environment(monkeypatch, raw, zero_allowed, expected):
    monkeypatch.setenv("SOME_SECONDS", raw)
    if isinstance(expected, str):
        with pytest.raises(InvalidArgumentError, match=f"SOME_SECONDS must be {expected}.*{raw!r}"):
            cache.seconds_in_env("SOME_SECONDS", zero_allowed=zero_allowed)
    else:
        assert cache.seconds_in_env("SOME_SECONDS", zero_allowed=zero_allowed) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("", False), ("0", False), ("false", False), ("No", False), (" OFF ", False),
    ("1", True), ("true", True), ("yes", True),
])
def test_flags_in_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("ARTIFACTS_SHOW_OFFLINE", raw)
    monkeypatch.setenv("ARTIFACTS_SHOW_NO_CACHE", raw)
    assert cache.offline_requested() is expected
    assert (cache.cache_root() is None) is expected


def test_a_url_that_is_not_utf8_has_a_folder_of_its_own():
    """A path of bytes that are not UTF-8 (a remote's path in a checkout's config): no UnicodeEncodeError."""
    names = {cache.folder_name(os.fsdecode(b"file:///r/up\xff.git")),
             cache.folder_name(os.fsdecode(b"file:///r/up\xfe.git"))}
    assert len(names) == 2 and all(name.startswith("r-up-.git-") for name in names)


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



def test_a_cache_folder_removed_under_a_session_is_made_again(base, public, tmp_path, monkeypatch):
    from artifacts_show import Registry

    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    with Registry(public.url("example.git"), artifacts=[PROD[0], "nlp:bert"]) as registry:
        assert registry.show(PROD[0], stage="prod")["rev"] == base[1].commits[PROD[1]]
        shutil.rmtree(tmp_path / "cache")  # a cache cleaner
        assert registry.show("nlp:bert")["rev"] == base[1].commits["nlp-2"]


def test_a_home_that_does_not_exist_means_a_temporary_cache(base, tmp_path, monkeypatch):
    """``HOME=/nonexistent`` (containers, service accounts): nothing is created there."""
    import tempfile

    from artifacts_show.cache import cache_root

    home = tmp_path / "nonexistent"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("ARTIFACTS_SHOW_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert cache_root() is None
    assert artifacts_show(PROD[0], stage="prod", repo=f"file://{base[0]}/example.git")["rev"] == \
        base[1].commits[PROD[1]]
    assert not home.exists()
    assert os.listdir(tmp_path) == []  # the temporary cache is gone too
