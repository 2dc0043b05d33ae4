"""Listing an artifact's own tags, by pattern, on every kind of repository: nothing of it
missed (slashes in names and stages), nothing of another artifact taken."""

from __future__ import annotations

import os

import pytest

from artifacts_show import ArtifactNotFoundError, Registry, artifacts_list, artifacts_show
from fixtures.builder import Commit, Tag, build, git
from fixtures.builder import Registry as Data
from fixtures.servers import reached_as

DVC_YAML = "artifacts:\n  a/b:\n    path: ab.pkl\n  m:\n    path: m.pkl\n  mm:\n    path: mm.pkl\n"
DATA = Data(
    [Commit("A", {"dvc.yaml": DVC_YAML, "team/dvc.yaml": "artifacts:\n  m:\n    path: t.pkl\n"}),
     Commit("B", {"x": "1"}), Commit("C", {"x": "2"})],
    [Tag("m@v1.0.0", "A"), Tag("m#team/prod#1", "A"), Tag("m#team/prod/eu#2", "B"),
     Tag("mm@v9.0.0", "C"), Tag("mm#team/prod#1", "C"), Tag("m-2@v1.0.0", "C"),
     Tag("a/b@v1.0.0", "B"), Tag("a/b#dev/x#1", "B"), Tag("team=m@v2.0.0", "C"),
     Tag("team=m#team/prod#1", "A")],
)


@pytest.fixture(scope="module", params=["local", "file", "http"])
def repo(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("listing")
    built = build(DATA, str(base / "r.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    with reached_as(request.param, built.path) as repo:
        yield built, repo


def test_stage_names_with_slashes_and_look_alike_artifacts(repo):
    built, url = repo
    assert artifacts_show("m", stage="team/prod", repo=url)["rev"] == built.commits["A"]
    assert artifacts_show("m", stage="team/prod/eu", repo=url)["rev"] == built.commits["B"]
    assert artifacts_show("m", repo=url)["rev"] == built.commits["A"]  # not mm's v9.0.0, not m-2's
    assert artifacts_show("a/b", stage="dev/x", repo=url)["rev"] == built.commits["B"]
    assert artifacts_show("team:m", stage="team/prod", repo=url) == {
        "path": os.path.join("team", "t.pkl"), "rev": built.commits["A"]}


def test_a_session_for_some_artifacts_lists_theirs_only(repo):
    built, url = repo
    with Registry(url, artifacts=["m", "team:m"]) as registry:
        assert registry.show("team:m")["rev"] == built.commits["C"]
        with pytest.raises(ValueError, match="not one of this session's artifacts"):
            registry.show("mm")


def test_the_overview_sees_every_artifact(repo):
    built, url = repo
    seen = artifacts_list(url)
    assert sorted(seen) == ["a/b", "m", "m-2", "mm", "team:m"]
    assert seen["m"]["stages"] == {"team/prod": {"version": "v1.0.0", "rev": built.commits["A"]},
                                   "team/prod/eu": {"version": None, "rev": built.commits["B"]}}


@pytest.mark.parametrize("name", ["a/.x:m", ".hidden:m", "a..b:m"])
def test_a_name_no_tag_can_have_is_simply_not_found(repo, name):
    """git refuses such ref names: there is nothing to list, and nothing to fail."""
    built, url = repo
    with pytest.raises(ArtifactNotFoundError, match="no registry tags for artifact"):
        artifacts_show(name, repo=url)


@pytest.mark.parametrize("kind", ["local", "http"])
def test_a_registry_without_any_tag_says_so(tmp_path, kind):
    from fixtures.servers import reached_as

    built = build(Data([Commit("A", {"dvc.yaml": DVC_YAML})], []), str(tmp_path / "r.git"), bare=True)
    with reached_as(kind, built.path) as url, pytest.raises(ArtifactNotFoundError) as info:
        artifacts_show("m", repo=url)
    assert "no tags" in str(info.value)
    assert ("git fetch --tags" in str(info.value)) == (kind == "local")  # advice for a local clone only
