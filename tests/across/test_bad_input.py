"""Bad input: a clear error, raised before git runs, and nothing changed."""

import os

import pytest

from artifacts_show import ArtifactsShowError, GitError, InvalidArgumentError, artifacts_show


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(name="m", version="v1.0.0", stage="prod"),
        dict(name="m", version="", stage=""),
        dict(name="m@v1.0.0"),
        dict(name="m#prod"),
        dict(name="../x:m"),
        dict(name="/abs:m"),
        dict(name="m\nx"),
        dict(name="m\x00"),
        dict(name="m" * 100_000 + "-"),
        dict(name=None),
        dict(name="m", version="1.0"),
        dict(name="m", version="latest"),
        dict(name="m", version=""),
        dict(name="m", version=1),
        dict(name="m", stage="prod!"),
        dict(name="m", stage=""),
        dict(name="m", stage="a\nb"),
        dict(name="m", repo="--upload-pack=touch /tmp/pwned"),
        dict(name="m", repo="-oProxyCommand=x"),
        dict(name="m", repo="ext::sh -c touch% /tmp/pwned"),
        dict(name="m", repo="fd::17"),
        dict(name="m", repo="foo::bar"),
        dict(name="m", repo="ftp://example.com/r.git"),
        dict(name="m", repo=""),
        dict(name="m", repo="a\nb"),
        dict(name="m", repo=3),
    ],
)
def test_invalid_arguments_start_no_process(fp, kwargs):
    # pytest-subprocess refuses any process that was not registered: none is.
    with pytest.raises(InvalidArgumentError) as info:
        artifacts_show(**kwargs)
    assert isinstance(info.value, ValueError)
    assert len(fp.calls) == 0
    assert len(str(info.value)) < 500  # a readable one-line message, even for huge input


def test_version_with_stage_is_a_value_error_naming_both():
    with pytest.raises(ValueError, match="version and stage are mutually exclusive"):
        artifacts_show("m", version="v1.0.0", stage="prod", repo="/nonexistent")


def test_not_a_git_repository_names_the_path(tmp_path):
    with pytest.raises(GitError, match="not a git repository") as info:
        artifacts_show("m", repo=str(tmp_path))
    assert str(tmp_path) in str(info.value) or "rev-parse" in str(info.value)
    assert os.listdir(tmp_path) == []


def test_missing_path(tmp_path):
    with pytest.raises(GitError, match=f"not a git repository: {tmp_path}/missing is not a folder"):
        artifacts_show("m", repo=str(tmp_path / "missing"))


def test_a_file_that_is_no_bundle_is_refused_before_git(fp, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(cache))
    for content in (b"artifacts:\n  m:\n    path: x\n", b"", b"# v4 git bundle\n"):
        (tmp_path / "dvc.yaml").write_bytes(content)
        with pytest.raises(InvalidArgumentError, match="dvc.yaml': a file, but not a git bundle"):
            artifacts_show("m", repo=str(tmp_path / "dvc.yaml"))
    assert len(fp.calls) == 0
    assert not cache.exists()


def test_all_errors_share_one_base():
    for error in (GitError, InvalidArgumentError):
        assert issubclass(error, ArtifactsShowError)
