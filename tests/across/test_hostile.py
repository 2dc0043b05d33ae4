"""Hostile input and hostile repositories: a clear error or the right answer, nothing else."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from artifacts_show import (
    ArtifactNotFoundError,
    ArtifactsShowError,
    InvalidArgumentError,
    MalformedFileError,
    UnsupportedContentError,
    artifacts_show,
)
from artifacts_show.registry import MAX_LISTED
from artifacts_show.tags import parse_version
from fixtures import ROOT
from fixtures.builder import build, git
from fixtures.hostile import HOSTILE, LOOK_ALIKES


def injections(marker: str) -> list:
    """(arguments, the message that refuses them). ``marker`` holds no slash, so that every
    URL form is classified as that form (a slash before the colon would make a local path)."""
    return [
        (dict(repo=f"--upload-pack=touch {marker}"), "it must not start with '-'"),
        (dict(repo=f"-oProxyCommand=touch {marker}:x"), "it must not start with '-'"),
        (dict(repo=f"ssh://-oProxyCommand=touch%20{marker}/x"), "bad host name"),
        (dict(repo=f"git@-oProxyCommand=touch {marker}:repo.git"), "bad host name"),
        (dict(repo=f"ext::sh -c touch% {marker}"), "transport 'ext' is not allowed"),
        (dict(repo="fd::17"), "transport 'fd' is not allowed"),
        (dict(repo=f"foo::touch {marker}"), "transport 'foo' is not allowed"),
        (dict(repo=f"ssh://host/x\nProxyCommand touch {marker}"), "control characters"),
        (dict(name=f"m\ntouch {marker}"), "invalid artifact name"),
        (dict(name="m\x00x"), "invalid artifact name"),
        (dict(name="m\x1b[31m"), "invalid artifact name"),
        (dict(name="m" * 100_000), "invalid artifact name"),
        (dict(name="../etc:m"), "it must not leave the repository"),
        (dict(name="/etc:m"), "it must be relative to the git root"),
        (dict(name="model@v1.0.0"), "invalid artifact name"),  # the Python calls take no shortcut
        (dict(name="model#prod"), "invalid artifact name"),
        (dict(stage="prod\n"), "invalid stage"),
        (dict(stage="p" * 100_000), "invalid stage"),
        (dict(version="v1.0.0\n"), "invalid version"),
        (dict(version="v1.0.0\x00"), "invalid version"),
        (dict(version="1" * 100_000), "invalid version"),
    ]


@pytest.mark.parametrize("index", range(len(injections("x"))))
def test_injection_is_refused_and_runs_nothing(index, tmp_path, fp, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fp.register([fp.any()], occurrences=1000)  # record any process instead of running it
    arguments, message = injections("pwned")[index]
    with pytest.raises(InvalidArgumentError, match=message):
        artifacts_show(**{"name": "m", **arguments})
    assert list(fp.calls) == []
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("repo", ["--upload-pack=touch {marker}", "ext::sh -c touch% {marker}"])
def test_injection_through_the_cli(repo, tmp_path):
    marker = tmp_path / "pwned"
    result = subprocess.run(
        [sys.executable, "-m", "artifacts_show", "m", f"--repo={repo.format(marker=marker)}"],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT), cwd=str(tmp_path),
    )
    assert result.returncode == 2 and "invalid repo" in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("name", [
    "m@v1.0.0\ntouch {marker}", "m#prod;touch {marker}", "m#$(touch {marker})", "m@`touch {marker}`",
    "m@v1.0.0@--upload-pack=touch {marker}", "m#prod#1", "m@deprecated", "ext::sh -c touch% {marker}@latest",
    "../x:m#prod", "m@v1.0.0\x00",
])
def test_a_shortcut_is_split_off_and_checked_before_anything_runs(name, tmp_path, fp, capsys):
    """Names still never hold '@' or '#': the command line splits a shortcut off, and the name
    and the version or stage it gives are checked as any are."""
    from artifacts_show.cli import main

    marker = tmp_path / "pwned"
    fp.register([fp.any()], occurrences=1000)
    assert main([name.format(marker=marker), "--repo", "https://example.com/r.git"]) == 2
    assert list(fp.calls) == [] and not marker.exists()
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("ref", [
    "refs/tags/--upload-pack=touch {marker}", "m@v1.0.0\ntouch {marker}", "../x=m@v1.0.0", "./x=m#prod#1",
    "refs/tags/m@v1.0.0 --upload-pack=touch {marker}", "m#prod#1#2", "refs/remotes/origin/m@v1.0.0",
])
def test_a_ref_that_is_no_registry_tag_never_reaches_git(ref, tmp_path, fp, capsys):
    from artifacts_show.cli import main

    marker = tmp_path / "pwned"
    fp.register([fp.any()], occurrences=1000)
    assert main(["--check-ref", ref.format(marker=marker), "--repo", "https://example.com/r.git"]) == 1
    assert list(fp.calls) == [] and not marker.exists()
    assert "not a" in capsys.readouterr().err


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return build(HOSTILE, str(tmp_path_factory.mktemp("hostile") / "r.git"), bare=True)


@pytest.fixture(params=["local", "file"])
def hostile_repo(request, hostile):
    return hostile.path if request.param == "local" else f"file://{hostile.path}"


def test_alias_bomb_is_not_expanded(hostile, hostile_repo):
    assert artifacts_show("m", version="v1.1.0", repo=hostile_repo)["rev"] == hostile.commits["B"]
    with pytest.raises(MalformedFileError, match="cannot interpolate 'i': it holds more than 10,000 values"):
        artifacts_show("bomb:m", repo=hostile_repo)


def test_huge_dvc_yaml_is_refused_unread(hostile_repo):
    with pytest.raises(UnsupportedContentError, match=r"dvc.yaml at commit [0-9a-f]{40} is 52428828 bytes, "
                       r"more than the 4194304 bytes artifacts-show reads"):
        artifacts_show("m", version="v2.0.0", repo=hostile_repo)


def test_binary_dvc_yaml(hostile_repo):
    with pytest.raises(MalformedFileError, match="not UTF-8"):
        artifacts_show("m", version="v3.0.0", repo=hostile_repo)


def test_look_alike_tags_do_not_count(hostile, hostile_repo):
    # Of 3,200 look-alikes none is a version of 'm' except m@v1.0.N-x, all pre-releases of
    # v1.0.N and all below v3.0.0: the latest is the binary dvc.yaml's commit, D.
    with pytest.raises(MalformedFileError, match="not UTF-8"):
        artifacts_show("m", repo=hostile_repo)
    assert artifacts_show("m", version="v1.0.399-x", repo=hostile_repo)["rev"] == hostile.commits["A"]
    stages = {tag.name.split("#")[1] for tag in LOOK_ALIKES if tag.name.startswith("m#")}
    local_hint = "($|; if this repository lacks some)"  # a local repository's tags may be incomplete
    with pytest.raises(ArtifactNotFoundError,
                       match=rf"stages: prod-0, prod-1, .* and {len(stages) - MAX_LISTED} more{local_hint}"):
        artifacts_show("m", stage="prod", repo=hostile_repo)  # m#prod-N#N are stages of m
    # Versions of m: v1.0.0 to v3.0.0, the pre-releases m@v1.0.N-x, and the deregistrations m@v9.0.N!
    # (versions never registered): the greatest MAX_LISTED are listed.
    versions = {tag.name[2:].rstrip("!") for tag in HOSTILE.tags if tag.annotated and tag.name.startswith("m@")}
    greatest = max((parse_version(version) for version in versions if version.startswith("v9.0.")))
    with pytest.raises(ArtifactNotFoundError, match=rf"known versions: {len(versions) - MAX_LISTED} older, .*"
                       rf"{re.escape(str(greatest))} \(deregistered\){local_hint}"):
        artifacts_show("m", version="v7.7.7", repo=hostile_repo)


def test_one_unreadable_file_spoils_only_its_own_answer(tmp_path):
    """Too large a parameter file, a symbolic link for dvc.yaml: that artifact's error, in its
    place; the other lookups of the same call are answered, locally and over HTTP."""
    from artifacts_show import Registry
    from fixtures.builder import Commit, Symlink, Tag
    from fixtures.builder import Registry as Data
    from fixtures.servers import reached_as

    data = Data([
        Commit("A", {"big/dvc.yaml": "artifacts:\n  n:\n    path: ${x}\n",
                     "big/params.yaml": "x: m.pkl\n" + "#" * (5 << 20) + "\n"}),
        Commit("B", {"dvc.yaml": "artifacts:\n  o:\n    path: o.pkl\n", "link/real.yaml": "artifacts: {}\n",
                     "link/dvc.yaml": Symlink("real.yaml")}),
    ], [Tag("big=n@v1.0.0", "A"), Tag("o@v1.0.0", "B"), Tag("link=l@v1.0.0", "B")])
    built = build(data, str(tmp_path / "r.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    for kind in ("local", "http"):
        with reached_as(kind, built.path) as repo, Registry(repo) as registry:
            big, fine, link = registry.show_many([("big:n", None, None), ("o", None, None), ("link:l", None, None)])
            assert isinstance(big, ArtifactsShowError) and "more than the 4194304 bytes" in str(big), kind
            assert fine == {"path": "o.pkl", "rev": built.commits["B"]}, kind
            assert isinstance(link, ArtifactsShowError) and "symbolic link" in str(link), kind
            seen = registry.overview(paths=True)
            assert seen["o"]["latest"]["path"] == "o.pkl" and "symbolic link" in seen["link:l"]["latest"]["error"]
