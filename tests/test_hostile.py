"""Hostile input and hostile repositories: a clear error or the right answer, nothing else."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from artifacts_show import (
    ArtifactNotFoundError,
    ArtifactsShowError,
    GitError,
    InvalidArgumentError,
    artifacts_show,
)
from fixtures.builder import build
from fixtures.hostile import HOSTILE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def injections(marker: str) -> list:
    return [
        dict(repo=f"--upload-pack=touch {marker}"),
        dict(repo=f"-oProxyCommand=touch {marker}:x"),
        dict(repo=f"ssh://-oProxyCommand=touch%20{marker}/x"),
        dict(repo=f"git@-oProxyCommand=touch {marker}:repo.git"),
        dict(repo=f"ext::sh -c touch% {marker}"),
        dict(repo="fd::17"),
        dict(repo=f"foo::touch {marker}"),
        dict(repo=f"ssh://host/x\nProxyCommand touch {marker}"),
        dict(name=f"m\ntouch {marker}"),
        dict(name="m\x00x"),
        dict(name="m\x1b[31m"),
        dict(name="m" * 100_000),
        dict(name="../etc:m"),
        dict(name="/etc:m"),
        dict(name="model@v1.0.0"),
        dict(name="model#prod"),
        dict(stage="prod\n"),
        dict(stage="p" * 100_000),
        dict(version="v1.0.0\n"),
        dict(version="v1.0.0\x00"),
        dict(version="1" * 100_000),
    ]


@pytest.mark.parametrize("index", range(len(injections("x"))))
def test_injection_is_refused_and_runs_nothing(index, tmp_path, fp):
    marker = str(tmp_path / "pwned")
    kwargs = {"name": "m", **injections(marker)[index]}
    with pytest.raises((InvalidArgumentError, GitError)):
        artifacts_show(**kwargs)
    assert len(fp.calls) == 0  # pytest-subprocess would have recorded any process
    assert not os.path.exists(marker)
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


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return build(HOSTILE, str(tmp_path_factory.mktemp("hostile") / "r.git"), bare=True)


@pytest.fixture(params=["local", "file"])
def hostile_repo(request, hostile):
    return hostile.path if request.param == "local" else f"file://{hostile.path}"


def test_alias_bomb_is_not_expanded(hostile, hostile_repo):
    assert artifacts_show("m", version="v1.1.0", repo=hostile_repo)["rev"] == hostile.commits["B"]
    with pytest.raises(ArtifactsShowError, match="cannot interpolate 'i', which is a list"):
        artifacts_show("bomb:m", repo=hostile_repo)


def test_huge_dvc_yaml_is_refused_unread(hostile_repo):
    with pytest.raises(ArtifactsShowError, match=r"dvc.yaml at commit [0-9a-f]{40} is 52428828 bytes, "
                       r"more than the 4194304 bytes artifacts-show reads"):
        artifacts_show("m", version="v2.0.0", repo=hostile_repo)


def test_binary_dvc_yaml(hostile_repo):
    with pytest.raises(ArtifactsShowError, match="not UTF-8"):
        artifacts_show("m", version="v3.0.0", repo=hostile_repo)


def test_look_alike_tags_do_not_count(hostile, hostile_repo):
    # Of 3,200 look-alikes none is a version of 'm' except m@v1.0.N-x, all pre-releases of
    # v1.0.N and all below v3.0.0: the latest is the binary dvc.yaml's commit, D.
    with pytest.raises(ArtifactsShowError, match="not UTF-8"):
        artifacts_show("m", repo=hostile_repo)
    assert artifacts_show("m", version="v1.0.399-x", repo=hostile_repo)["rev"] == hostile.commits["A"]
    with pytest.raises(ArtifactNotFoundError, match=r"stages: prod-0, prod-1, .* and 380 more$"):
        artifacts_show("m", stage="prod", repo=hostile_repo)  # m#prod-N#N are stages of m
    # 4 versions, 400 pre-releases and 400 deregistrations (m@v9.0.N!) of m: the greatest 20 listed.
    with pytest.raises(ArtifactNotFoundError, match=r"known versions: 784 older, v9\.0\.380 \(deregistered\), "):
        artifacts_show("m", version="v7.7.7", repo=hostile_repo)
