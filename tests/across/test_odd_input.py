"""Odd but legal input: tags without a tagger line, tag names with line separators,
folders spelt otherwise, Windows paths. Every kind of repository; no lookup ends in a traceback."""

from __future__ import annotations

import os

import pytest

from artifacts_show import ArtifactNotFoundError, artifacts_show
from artifacts_show.api import SOME_TAGS_HINT
from fixtures.builder import Commit, Registry, Tag, build, git
from fixtures.servers import reached_as

DVC_YAML = "artifacts:\n  m:\n    path: m.pkl\n"


def untagged_tag(repo: str, name: str, commit: str) -> None:
    """An annotated tag whose object has no tagger line (old git, or tools that write objects)."""
    content = f"object {commit}\ntype commit\ntag {name}\n\nno tagger\n"
    object_id = git("hash-object", "-w", "-t", "tag", "--literally", "--stdin", cwd=repo,
                    stdin=content.encode()).strip()
    git("update-ref", f"refs/tags/{name}", object_id, cwd=repo)


@pytest.fixture(scope="module", params=["local", "file", "http"])
def odd(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("odd")
    tags = [Tag("m@v1.0.0", "A"), Tag("m@v2.0.0", "B"), Tag("m#prod#1", "A"),
            Tag("other\u2028name@v1.0.0", "B"), Tag("x\u0085y#prod#1", "B"), Tag("z\u2029@v1.0.0", "B")]
    built = build(Registry([Commit("A", {"dvc.yaml": DVC_YAML}), Commit("B", {"n": "1"})], tags),
                  str(base / "r.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    # Tagged without a tagger line, so they order as the oldest: the dated tags above win.
    untagged_tag(built.path, "m@v2.0.0!", built.commits["B"])
    untagged_tag(built.path, "m#prod!", built.commits["A"])
    untagged_tag(built.path, "m#dev", built.commits["B"])
    untagged_tag(built.path, "m#dev!", built.commits["B"])
    with reached_as(request.param, built.path) as repo:
        yield built, repo


def test_a_tag_without_tagger_orders_as_the_oldest(odd):
    built, url = odd
    # m@v2.0.0! has no date: older than m@v2.0.0, so v2.0.0 stays registered.
    assert artifacts_show("m", repo=url)["rev"] == built.commits["B"]
    # m#prod! (no date) is older than m#prod#1: A is still in prod.
    assert artifacts_show("m", stage="prod", repo=url)["rev"] == built.commits["A"]
    # m#dev and m#dev! both undated: the same (oldest) date, then the name decides: m#dev! is later.
    with pytest.raises(ArtifactNotFoundError, match="no version in stage 'dev'"):
        artifacts_show("m", stage="dev", repo=url)


def test_tag_names_with_line_separators_break_nothing(odd):
    built, url = odd
    assert artifacts_show("m", version="v1.0.0", repo=url)["rev"] == built.commits["A"]
    with pytest.raises(ArtifactNotFoundError) as info:
        artifacts_show("nope", repo=url)
    assert str(info.value).endswith("artifacts with tags: m" + ("" if "://" in url else SOME_TAGS_HINT))


def test_not_found_names_tags_that_spell_the_folder_otherwise(tmp_path):
    repo = str(tmp_path / "repo")
    build(Registry([Commit("A", {"d/dvc.yaml": DVC_YAML})],
                   [Tag("d/=m@v1.0.0", "A"), Tag("d/dvc.yaml=m#prod#1", "A"), Tag("n@v1.0.0", "A")]), repo)
    with pytest.raises(ArtifactNotFoundError) as info:
        artifacts_show("d:m", repo=repo)
    assert str(info.value) == (
        "no registry tags for artifact 'd:m'; artifacts with tags: n; 2 tag(s) spell its folder "
        "otherwise, which names another artifact (such as 'd/=m@v1.0.0'): its tags begin 'd=m@' or 'd=m#'"
        + SOME_TAGS_HINT)


def test_a_drive_path_that_does_not_exist_is_a_clear_git_error():
    from artifacts_show import GitError

    with pytest.raises(GitError, match="not a git repository"):
        artifacts_show("m", repo=os.path.join("C:\\models\\registry-that-is-not-here"))
