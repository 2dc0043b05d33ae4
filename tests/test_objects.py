"""What both sides share: listing an artifact's own tags by pattern on every kind of repository
(nothing of it missed, slashes in names and stages; nothing of another artifact taken), and
reading files at commits (trees missing, out of order, reads that time out)."""

from __future__ import annotations

import os
import subprocess

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


DVC_YAML_M = "artifacts:\n  m:\n    path: m.pkl\n"


def _writer(repo: str):
    """Writes loose objects into ``repo`` as given, even ones git would not make."""
    git("init", "-q", "--bare", repo)

    def write(kind: str, content: bytes) -> str:
        return git("hash-object", "-w", "--literally", "-t", kind, "--stdin", cwd=repo, stdin=content).strip()

    return write


def _commit(write, root: str) -> str:
    return write("commit", f"tree {root}\nauthor a <a> 0 +0000\ncommitter a <a> 0 +0000\n\nc\n".encode())


def test_a_tree_missing_from_the_repository_is_an_error_not_an_absent_folder(tmp_path):
    from artifacts_show import git as git_layer
    from artifacts_show.errors import GitError
    from artifacts_show.objects import CommitFiles

    repo = str(tmp_path / "loose.git")
    write = _writer(repo)
    sub = write("tree", b"100644 dvc.yaml\0" + bytes.fromhex(write("blob", b"artifacts: {}\n")))
    commit = _commit(write, write("tree", b"40000 sub\0" + bytes.fromhex(sub)))
    os.remove(os.path.join(repo, "objects", sub[:2], sub[2:]))
    with git_layer.CatFileBatch(cwd=repo) as batch:
        files = CommitFiles(batch, repo)
        assert files.read(commit, "other/dvc.yaml") is None  # no such folder: not there
        with pytest.raises(GitError, match=f"folder sub at commit {commit}: tree {sub} is missing"):
            files.read(commit, "sub/dvc.yaml")


def test_a_tag_fetched_without_its_commit_names_both_and_how_to_fetch_them(tmp_path):
    """A local repository holding a tag object but not its commit: the error names the commit,
    the tag and a fetch that brings it (`git fetch` of a tag already here fetches nothing)."""
    from artifacts_show.errors import GitError

    served = build(Data([Commit("A", {"dvc.yaml": DVC_YAML_M}), Commit("B", {"x": "1"})],
                        [Tag("m@v1.0.0", "A"), Tag("m@v2.0.0", "B")]), str(tmp_path / "served.git"), bare=True)
    clone = str(tmp_path / "clone")
    git("init", "-q", clone)
    git("remote", "add", "upstream", served.path, cwd=clone)
    git("fetch", "-q", "--no-tags", "upstream", "+refs/tags/m@v1.0.0:refs/tags/m@v1.0.0", cwd=clone)
    tag_object = git("cat-file", "tag", "m@v2.0.0", cwd=served.path).encode()  # without commit B
    git("update-ref", "refs/tags/m@v2.0.0",
        git("hash-object", "-t", "tag", "-w", "--stdin", cwd=clone, stdin=tag_object).strip(), cwd=clone)
    with pytest.raises(GitError) as missing:
        artifacts_show("m", repo=clone)
    assert str(missing.value) == (
        f"commit {served.commits['B']} is missing from the repository (tag m@v2.0.0 points at it: the tag "
        "was fetched without its commit); fetch the tag anew (`git tag -d m@v2.0.0 && git fetch upstream tag "
        "m@v2.0.0`), or give the registry's URL as repo")
    git("tag", "-d", "m@v2.0.0", cwd=clone)  # what the message says, and the lookup then answers
    git("fetch", "-q", "upstream", "tag", "m@v2.0.0", cwd=clone)
    assert artifacts_show("m", repo=clone)["rev"] == served.commits["B"]

def test_a_folder_git_cannot_find_in_a_tree_out_of_order_is_not_there(tmp_path):
    """Entries out of order (written with --literally): git's lookup misses 'sub', as DVC's does."""
    from artifacts_show import git as git_layer
    from artifacts_show.objects import CommitFiles

    repo = str(tmp_path / "loose.git")
    write = _writer(repo)
    sub = write("tree", b"100644 dvc.yaml\0" + bytes.fromhex(write("blob", b"artifacts: {}\n")))
    commit = _commit(write, write("tree", b"40000 zz\0" + bytes.fromhex(sub) + b"40000 sub\0" + bytes.fromhex(sub)))
    with git_layer.CatFileBatch(cwd=repo) as batch:
        assert CommitFiles(batch, repo).read(commit, "sub/dvc.yaml") is None


def test_a_read_that_times_out_stays_a_timeout(tmp_path, monkeypatch):
    """Not retried as if the cache were damaged, nor explained as a partial clone."""
    from artifacts_show import git as git_layer
    from artifacts_show.errors import GitTimeoutError
    from artifacts_show.objects import CommitFiles

    built = build(Data([Commit("A", {"dvc.yaml": DVC_YAML_M})], [Tag("m@v1.0.0", "A")]), str(tmp_path / "r"))
    with git_layer.CatFileBatch(cwd=built.path) as batch:
        def too_slow(spec):
            raise git_layer._timed_out(["cat-file", "--batch"], 1)

        monkeypatch.setattr(batch, "read", too_slow)
        with pytest.raises(GitTimeoutError):
            CommitFiles(batch, built.path, why_missing=lambda commit: "; explained").read(built.commits["A"], "dvc.yaml")


def test_ls_remote_tells_annotated_tags_by_their_peeled_lines():
    from artifacts_show.objects import TagName, parse_ls_remote

    output = (f"{'1' * 40}\trefs/tags/a@v1.0.0\n{'2' * 40}\trefs/tags/a@v1.0.0^{{}}\n"
              f"{'2' * 40}\trefs/tags/light\n{'3' * 40}\trefs/heads/main\n").encode()
    assert parse_ls_remote(output) == [TagName("a@v1.0.0", True), TagName("light", False)]
    # a bundle's listing has no peeled lines: it cannot tell, and calls none lightweight
    assert parse_ls_remote(output, peeled=False) == [TagName("a@v1.0.0", True), TagName("light", True)]


def test_tag_details_of_listed_tags_on_every_kind_of_repository(repo):
    """Read where the listing put the tag objects, stage names with slashes included (an exact ref
    is also a pattern for refs below it, which are left out)."""
    built, url = repo
    with Registry(url, artifacts=["m"]) as registry:
        event = registry.check_ref("refs/tags/m#team/prod#1")
        details = registry._repository.tag_details(["m#team/prod#1", "m@v1.0.0", "m@v9.9.9"])
    assert event[:6] == ("m", "assignment", "v1.0.0", "team/prod", "m#team/prod#1", built.commits["A"])
    assert (event.author, event.author_email, event.message) == ("Registry Bot", "bot@example.com",
                                                                   "registry tag m#team/prod#1")
    assert sorted(details) == ["m#team/prod#1", "m@v1.0.0"]  # not m#team/prod/eu#2; m@v9.9.9 is none


def test_tag_details_keep_the_taggers_offset_and_the_whole_message(tmp_path, monkeypatch):
    from artifacts_show import objects

    built = build(Data([Commit("A", {"dvc.yaml": DVC_YAML_M})], []), str(tmp_path / "r"))
    names = []
    for index, zone in enumerate(["+0530", "-0700", "+0000"]):
        names.append(f"m@v1.0.{index}")
        subprocess.run(["git", "tag", "-a", names[-1], "-m", f"Registering\n\nline two {index}\n",
                        built.commits["A"]], cwd=built.path, check=True, env=dict(
            os.environ, GIT_COMMITTER_NAME="Alice Author", GIT_COMMITTER_EMAIL="alice@example.com",
            GIT_COMMITTER_DATE=f"1700000000 {zone}"))
    monkeypatch.setattr(objects, "DETAILS_BATCH", 2)  # two batches
    details = objects.read_tag_details(built.path, names)
    assert [details[name].created_at for name in names] == [
        "2023-11-15T03:43:20+05:30", "2023-11-14T15:13:20-07:00", "2023-11-14T22:13:20+00:00"]
    assert details["m@v1.0.1"] == objects.TagDetails("Alice Author", "alice@example.com",
                                                     "2023-11-14T15:13:20-07:00", "Registering\n\nline two 1")


def test_a_tag_without_a_tagger_has_no_details_but_its_message(tmp_path):
    from artifacts_show import objects

    repo = str(tmp_path / "loose.git")
    write = _writer(repo)
    commit = _commit(write, write("tree", b""))
    tag = write("tag", f"object {commit}\ntype commit\ntag m@v1.0.0\n\n  untagged  \n".encode())
    git("update-ref", "refs/tags/m@v1.0.0", tag, cwd=repo)
    assert objects.read_tag_details(repo, ["m@v1.0.0"]) == {
        "m@v1.0.0": objects.TagDetails(None, None, None, "untagged")}


@pytest.mark.parametrize(("raw", "iso"), [
    ("0 +0000", "1970-01-01T00:00:00+00:00"), ("1700000000 -0130", "2023-11-14T20:43:20-01:30"),
    ("", None), ("1700000000", None), ("x +0000", None), ("1700000000 +9999", None),
    ("99999999999999999999 +0000", None),
])
def test_tagger_dates_as_gto_prints_them(raw, iso):
    from artifacts_show.objects import iso_date

    assert iso_date(raw) == iso


@pytest.mark.parametrize(("ref", "expected"), [
    ("refs/tags/m@v1.0.0", "refs/tags/m@*"), ("refs/tags/m#prod#4", "refs/tags/m#*"),
    ("refs/tags/nlp=bert@v1.0.0", "refs/tags/nlp=bert@*"), ("refs/tags/a#b@c", "refs/tags/a#*"),
    ("refs/tags/v1.0", None), ("refs/tags/@v1", None), ("refs/heads/m@v1", None),
    ("refs/tags/m\udcff@v1.0.0", None), ("refs/tags/./d=m@v1", None),
])
def test_the_refspec_of_one_artifact_that_covers_a_tag(ref, expected):
    """What a listing of every tag overlaps, tag by tag: one of tag_refspecs' patterns."""
    from artifacts_show.names import parse_full_name
    from artifacts_show.objects import artifact_refspec, tag_refspecs

    assert artifact_refspec(ref) == expected
    if expected is not None:
        name = ref[len("refs/tags/"):].split("@")[0].split("#")[0].replace("=", ":")
        assert expected in tag_refspecs([parse_full_name(name)])
