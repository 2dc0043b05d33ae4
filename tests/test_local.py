"""The local repository: whether it is shallow, its upstream and credentials (pytest-subprocess)."""

from __future__ import annotations

import pytest

from artifacts_show.local import LocalRepository
from tests.helpers import REV_PARSE, VERSION

CONFIG_LIST = ["git", "config", "-z", "--list", "--show-scope"]


def config_list(*entries: tuple) -> bytes:
    return b"".join(f"{scope}\0{key}\n{value}\0".encode() for scope, key, value in entries)


@pytest.mark.parametrize(("branch", "remote"), [(None, "origin"), ("main", "up"), ("other", "origin")])
def test_the_upstream_of_a_shallow_repository(fp, tmp_path, branch, remote):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(REV_PARSE, stdout="false\ntrue\n\n")
    fp.register(CONFIG_LIST, stdout=config_list(
        ("global", "credential.helper", "store"), ("local", "remote.origin.url", "https://h/r"),
        ("local", "remote.up.url", "https://u/r"), ("local", "branch.main.remote", "up"),
        ("local", "http.https://h/.extraheader", "AUTHORIZATION: basic eDp5"),
        ("worktree", "credential.https://h.username", "x"), ("local", "http.proxy", "http://p"),
    ) + b"local\0credential.usehttppath\0")  # a key without a value
    fp.register(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], stdout=f"{branch}\n" if branch else "",
                returncode=0 if branch else 1)
    fp.register(["git", "remote", "get-url", "--", remote], stdout=f"https://{remote}.example/r\n")
    repository = LocalRepository(str(tmp_path))
    assert repository.is_shallow
    upstream = repository.upstream()
    assert upstream is not None
    assert (upstream.remote, upstream.url) == (remote, f"https://{remote}.example/r")
    assert upstream.credentials == (("http.https://h/.extraheader", "AUTHORIZATION: basic eDp5"),
                                    ("credential.https://h.username", "x"), ("credential.usehttppath", ""))


@pytest.mark.parametrize("remotes", [[], ["a", "b"]])
def test_no_upstream_without_origin_or_an_only_remote(fp, tmp_path, remotes):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(REV_PARSE, stdout="false\ntrue\n\n")
    fp.register(CONFIG_LIST, stdout=config_list(*(("local", f"remote.{name}.url", "u") for name in remotes)))
    assert LocalRepository(str(tmp_path)).upstream() is None
    assert len(fp.calls) == 3


@pytest.mark.parametrize(("count", "patterns"), [(3, 9), (64, 192), (65, 1)])
def test_many_artifacts_list_every_tag(tmp_path, monkeypatch, count, patterns):
    """for-each-ref matches each ref against each pattern: past 64 artifacts one pattern, every
    tag, costs less; the answers are the same."""
    import subprocess

    from artifacts_show import Registry
    from fixtures.builder import Commit, Tag, build
    from fixtures.builder import Registry as Data

    names = [f"m{index}" for index in range(count)]
    declared = "artifacts:\n" + "".join(f"  {name}:\n    path: {name}.pkl\n" for name in names)
    built = build(Data([Commit("A", {"dvc.yaml": declared}), Commit("B", {"x": "1"})],
                       [Tag(f"{name}@v1.0.0", "A") for name in names] + [Tag("other@v1.0.0", "B")]),
                  str(tmp_path / "r"))
    listed = []
    real_popen = subprocess.Popen

    def recording(args, *rest, **kwargs):
        if list(args)[1:2] == ["for-each-ref"] and any(arg.startswith("--format=%(refname)") for arg in args):
            listed.append([arg for arg in args[2:] if not arg.startswith("--")])
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recording)
    with Registry(built.path, artifacts=names) as registry:
        results = registry.show_many([(name, None, None) for name in names])
    assert [result["rev"] for result in results] == [built.commits["A"]] * count
    assert [len(patterns_given) for patterns_given in listed] == [patterns]
