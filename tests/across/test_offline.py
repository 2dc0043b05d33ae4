"""Air-gapped runners and services that ask often: answers from the cache with no request.

``--offline`` (``ARTIFACTS_SHOW_OFFLINE=1``) answers from the last listing in the cache and
says how old it is; ``ARTIFACTS_SHOW_MAX_AGE`` uses a listing younger than that without a
request, unless a tag the caller can see is missing from it. Requests are counted with the
server up: none may be made.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from artifacts_show import (
    ArtifactNotFoundError,
    GitError,
    Registry,
    ShallowCheckoutError,
    artifacts_list,
    artifacts_show,
)
from fixtures import ROOT
from fixtures.builder import git
from fixtures.checkouts import tag_push_checkout
from tests.helpers import PROD


def cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "artifacts_show", *args], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT, **env), timeout=120)


@pytest.fixture
def warm(base, public, tmp_path, monkeypatch):
    """The example registry looked up once (prod), into a cache of its own: (url, commits)."""
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url = public.url("example.git")
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits[PROD[1]]
    public.wait_idle()
    public.stats.clear()
    return url, base[1].commits


def test_offline_answers_from_the_cache_and_says_how_old_its_listing_is(warm, public, tmp_path):
    url, commits = warm
    result = cli(PROD[0], "--stage", "prod", "--repo", url, "--offline", "--field", "rev",
                 env={"ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / "cache")})
    assert (result.returncode, result.stdout.strip()) == (0, commits[PROD[1]]), result.stderr
    assert result.stderr.startswith("artifacts-show: warning: offline: answering from the cache's listing "
                                    "of the tags, made ") and result.stderr.rstrip().endswith(" s ago")
    assert public.stats.requests == []


def test_the_offline_variable_does_what_the_flag_does(warm, public, monkeypatch):
    url, commits = warm
    monkeypatch.setenv("ARTIFACTS_SHOW_OFFLINE", "1")
    warnings = []
    with Registry(url, artifacts=[PROD[0]], warn=warnings.append) as registry:
        assert registry.show(PROD[0], stage="prod")["rev"] == commits[PROD[1]]
    assert len(warnings) == 1 and warnings[0].startswith("offline:")
    assert public.stats.requests == []


def test_offline_without_a_listing_or_the_files_an_answer_reads_fails_clearly(warm, public, tmp_path):
    url, _ = warm
    env = {"ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / "cache"), "ARTIFACTS_SHOW_OFFLINE": "1"}
    never_listed = cli("nlp:bert", "--repo", url, env=env)
    assert never_listed.returncode == 3
    assert "offline, and the cache holds no listing of these tags" in never_listed.stderr
    unread = cli(PROD[0], "--stage", "dev", "--url", "--repo", url, env=env)  # its .dvc file never read
    assert unread.returncode == 3
    assert "offline, and the cache of" in unread.stderr and "lacks what this answer reads" in unread.stderr
    other = cli(PROD[0], "--repo", url, env={**env, "ARTIFACTS_SHOW_CACHE_DIR": str(tmp_path / "empty")})
    assert other.returncode == 3 and "holds no listing" in other.stderr
    assert public.stats.requests == []


def test_offline_with_a_cache_that_cannot_be_written_says_so(warm, public, tmp_path):
    """A lookup works in a temporary folder then (online, it answers all the same): offline,
    "no listing" would send the user looking for a listing that may well be there."""
    url, _ = warm
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli(PROD[0], "--repo", url, "--offline",
                 env={"ARTIFACTS_SHOW_CACHE_DIR": str(blocker / "cache")})
    assert result.returncode == 3
    assert f"under {blocker / 'cache'} cannot be written (read-only, full, or not a folder)" in result.stderr
    assert public.stats.requests == []


def test_the_overview_works_offline_only_from_a_listing_of_every_tag(warm, public, monkeypatch):
    url, commits = warm
    with pytest.raises(GitError, match="holds no listing of these tags"):
        with Registry(url, offline=True) as registry:
            registry.overview()
    online = artifacts_list(repo=url)
    public.stats.clear()
    warnings = []
    with Registry(url, offline=True, warn=warnings.append) as registry:
        assert registry.overview() == online
    assert len(warnings) == 1 and "offline" in warnings[0]
    assert public.stats.requests == []


def test_a_young_listing_is_used_without_a_request(warm, public, monkeypatch):
    url, commits = warm
    monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", "3600")
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == commits[PROD[1]]
    assert public.stats.requests == []
    monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", "0")
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == commits[PROD[1]]
    public.wait_idle()
    assert len(public.stats.requests) == 2


def test_a_young_listing_never_hides_a_tag_the_caller_can_see(base, public, tmp_path, monkeypatch):
    """A tag pushed after the listing, named by $GITHUB_REF or held by the shallow checkout:
    the listing is made again."""
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    url, path = public.url("example.git"), base[1].path
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-1"]
    monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", "3600")
    for tag, how in (("churn-model#prod#8", "GITHUB_REF"), ("churn-model#prod#9", "checkout")):
        git("tag", "-a", "-m", "promoted", tag, base[1].commits["churn-3"], cwd=path)
        try:
            if how == "GITHUB_REF":
                monkeypatch.setenv("GITHUB_REF", f"refs/tags/{tag}")
                repo = url
            else:
                monkeypatch.delenv("GITHUB_REF")
                repo = tag_push_checkout(url, [tag], str(tmp_path / "co"))
            assert artifacts_show(PROD[0], stage="prod", repo=repo)["rev"] == base[1].commits["churn-3"], how
        finally:
            git("tag", "-d", tag, cwd=path)
    monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", "0")
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-1"]


@pytest.mark.parametrize("how", ["url", "checkout"])
def test_check_ref_of_a_tag_a_young_listing_lacks_lists_anew_and_offline_cannot_tell(
        base, public, tmp_path, monkeypatch, how):
    """The tag a deploy was started for ($CI_COMMIT_TAG: no $GITHUB_REF) pushed after the cached
    listing: "no such tag" (exit 1) would skip the deploy."""
    cache = str(tmp_path / "cache")
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", cache)
    monkeypatch.delenv("GITHUB_REF", raising=False)
    url, path = public.url("example.git"), base[1].path
    repo = url if how == "url" else tag_push_checkout(url, ["churn-model#prod#4"], str(tmp_path / "co"))
    assert artifacts_show(PROD[0], stage="prod", repo=repo)["rev"] == base[1].commits["churn-1"]
    tag = "churn-model#prod#8"
    git("tag", "-a", "-m", "promoted", tag, base[1].commits["churn-3"], cwd=path)
    try:
        public.wait_idle()
        public.stats.clear()
        offline = cli("--check-ref", tag, "--repo", repo, "--offline",
                      env={"ARTIFACTS_SHOW_CACHE_DIR": cache})
        assert offline.returncode == 3, offline.stderr
        lacks = f"made [0-9]+ s ago, lacks '{tag}': whether it is a registry tag is known only online"
        assert re.search(lacks, offline.stderr), offline.stderr
        assert public.stats.requests == []
        monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", "3600")
        with Registry(repo, artifacts=[PROD[0]]) as registry:
            assert registry.check_ref(tag).commit_hexsha == base[1].commits["churn-3"]
        public.wait_idle()
        assert len(public.stats.requests) == 3  # the listing: the tag's object and commit are new
    finally:
        git("tag", "-d", tag, cwd=path)


@pytest.mark.parametrize(("tag", "query", "absent"), [
    ("churn-model@v9.0.0", {"version": "v9.0.0"}, {"version": "v8.0.0"}),
    ("churn-model#canary#9", {"stage": "canary"}, {"stage": "beta"}),
])
def test_a_not_found_is_never_answered_from_a_young_listing(
        base, public, tmp_path, monkeypatch, tag, query, absent):
    """A version registered, or a stage assigned, after the cached listing: found, at the cost
    of a listing; what does not exist is still not found, at the same cost."""
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GITHUB_REF", raising=False)
    url, path = public.url("example.git"), base[1].path
    assert artifacts_show(PROD[0], stage="prod", repo=url)["rev"] == base[1].commits["churn-1"]
    monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", "3600")
    git("tag", "-a", "-m", "new", tag, base[1].commits["churn-3"], cwd=path)
    try:
        public.wait_idle()
        public.stats.clear()
        assert artifacts_show(PROD[0], repo=url, **query)["rev"] == base[1].commits["churn-3"]
        public.wait_idle()
        assert len(public.stats.requests) == 3  # the listing: the tag's object is new
        public.stats.clear()
        with pytest.raises(ArtifactNotFoundError):
            artifacts_show(PROD[0], repo=url, **absent)
        public.wait_idle()
        assert len(public.stats.requests) == 2  # the listing, which found nothing new
    finally:
        git("tag", "-d", tag, cwd=path)


def test_a_shallow_checkout_offline_without_a_listing_says_what_fixes_it(base, public, tmp_path, monkeypatch):
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    checkout = tag_push_checkout(public.url("example.git"), ["churn-model#prod#4"], str(tmp_path / "co"))
    with pytest.raises(ShallowCheckoutError, match="holds no listing.*git fetch --unshallow --tags origin"):
        with Registry(checkout, artifacts=[PROD[0]], offline=True) as registry:
            registry.show(PROD[0], stage="prod")


@pytest.mark.parametrize("value", ["soon", "-1", "inf"])
def test_a_malformed_max_age_is_an_invalid_argument(value, monkeypatch, tmp_path):
    from artifacts_show import InvalidArgumentError

    monkeypatch.setenv("ARTIFACTS_SHOW_MAX_AGE", value)
    with pytest.raises(InvalidArgumentError, match="ARTIFACTS_SHOW_MAX_AGE must be a number of seconds"):
        artifacts_show("m", repo=str(tmp_path))
