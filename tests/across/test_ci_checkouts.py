"""Lookups in CI checkouts: shallow, holding one tag or some, with the checkout's credentials.

The example registry: ``churn-model`` v1.1.0 was promoted to prod (``#prod#4``) and then
rolled back to v1.0.0 (``#prod#7``). A tag-push checkout holding only ``#prod#4`` must not
answer v1.1.0: a shallow repository answers from its upstream.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from typing import List, Tuple

import pytest

from artifacts_show import GitError, Registry, artifacts_list, artifacts_show
from artifacts_show.errors import ShallowCheckoutError
from fixtures import ROOT
from fixtures.builder import build, git
from fixtures.checkouts import lightweight_tag_checkout, tag_push_checkout
from fixtures.registries import EXAMPLE_REGISTRY
from fixtures.servers import SmartHttpServer, free_port, ssh_stand_in
from tests.helpers import snapshot

TOKEN = "ghs_checkoutToken0123456789"
HEADER = "AUTHORIZATION: basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
"""What actions/checkout keeps in ``http.https://github.com/.extraheader``."""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = str(tmp_path_factory.mktemp("served"))
    built = build(EXAMPLE_REGISTRY, os.path.join(base, "registry.git"), bare=True)
    server = SmartHttpServer(base)
    yield server, built
    server.stop()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """The same registry behind a server that wants actions/checkout's header."""
    base = str(tmp_path_factory.mktemp("guarded"))
    build(EXAMPLE_REGISTRY, os.path.join(base, "registry.git"), bare=True)
    server = SmartHttpServer(base, credentials=("x-access-token", TOKEN))
    yield server
    server.stop()


@pytest.mark.parametrize("tags", [["churn-model#prod#4"], ["churn-model#prod#7"],
                                  ["churn-model@v1.1.0", "churn-model#prod#4"]])
def test_a_tag_push_checkout_answers_from_its_upstream(served, tags, tmp_path):
    server, built = served
    checkout = tag_push_checkout(server.url("registry.git"), tags, str(tmp_path / "co"))
    assert git("rev-parse", "--is-shallow-repository", cwd=checkout).strip() == "true"
    assert artifacts_show("churn-model", stage="prod", repo=checkout) == {
        "path": os.path.join("models", "churn.pkl"), "rev": built.commits["churn-1"]}  # rolled back
    assert artifacts_show("churn-model", repo=checkout)["rev"] == built.commits["churn-3"]
    assert artifacts_show("nlp:bert", repo=checkout)["rev"] == built.commits["nlp-2"]  # no tag of it here
    overview = artifacts_list(repo=checkout)
    assert overview["churn-model"]["stages"]["prod"] == {"version": "v1.0.0", "rev": built.commits["churn-1"]}


def test_the_checkout_is_not_written_and_its_git_has_no_transport(served, tmp_path, monkeypatch):
    server, built = served
    checkout = tag_push_checkout(server.url("registry.git"), ["churn-model#prod#4"], str(tmp_path / "co"))
    before = snapshot(checkout)
    in_checkout: List[Tuple[List[str], str]] = []
    real_popen = subprocess.Popen

    def recording_popen(args, *rest, **kwargs):
        if kwargs.get("cwd") == checkout:
            in_checkout.append(([arg for arg in args[1:] if not arg.startswith("-")],
                                kwargs["env"].get("GIT_ALLOW_PROTOCOL")))
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    assert artifacts_show("churn-model", stage="prod", repo=checkout)["rev"] == built.commits["churn-1"]
    assert in_checkout == [(["rev-parse"], ""), (["config"], ""), (["remote", "get-url", "origin"], "")]
    assert snapshot(checkout) == before


def test_a_shallow_lookup_costs_what_a_remote_lookup_costs(served, tmp_path, monkeypatch):
    server, built = served
    checkout = tag_push_checkout(server.url("registry.git"), ["churn-model#prod#4"], str(tmp_path / "co"))
    counts = []
    for repo in (server.url("registry.git"), checkout, checkout):
        monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / f"cache-{repo == checkout}"))
        server.stats.clear()
        assert artifacts_show("churn-model", stage="prod", repo=repo)["rev"] == built.commits["churn-1"]
        server.wait_idle()
        counts.append(len(server.stats.requests))
    assert counts == [5, 5, 2]  # remote cold; the checkout's upstream cold, then warm


def test_the_upstream_is_the_current_branch_remote_else_origin_else_the_only_one(served, tmp_path):
    server, built = served
    url, dead = server.url("registry.git"), f"http://127.0.0.1:{free_port()}/registry.git"
    checkout = tag_push_checkout(url, ["churn-model#prod#4"], str(tmp_path / "co"))
    git("remote", "rename", "origin", "upstream", cwd=checkout)  # the only remote
    assert artifacts_show("churn-model", stage="prod", repo=checkout)["rev"] == built.commits["churn-1"]
    git("remote", "add", "origin", dead, cwd=checkout)  # origin wins over others
    with pytest.raises(ShallowCheckoutError, match="origin"):
        artifacts_show("churn-model", stage="prod", repo=checkout)
    git("checkout", "-q", "-b", "main", cwd=checkout)
    git("config", "branch.main.remote", "upstream", cwd=checkout)  # the current branch's wins
    assert artifacts_show("churn-model", stage="prod", repo=checkout)["rev"] == built.commits["churn-1"]


def test_the_url_is_what_git_remote_get_url_gives(served, tmp_path):
    server, built = served
    checkout = tag_push_checkout(server.url("registry.git"), ["churn-model#prod#4"], str(tmp_path / "co"))
    git("remote", "set-url", "origin", "registry:registry.git", cwd=checkout)
    git("config", f"url.{server.url('')}.insteadOf", "registry:", cwd=checkout)
    assert artifacts_show("churn-model", stage="prod", repo=checkout)["rev"] == built.commits["churn-1"]


def test_an_upstream_given_as_a_path(served, tmp_path):
    _, built = served
    checkout = tag_push_checkout(f"file://{built.path}", ["churn-model#prod#4"], str(tmp_path / "co"))
    git("remote", "set-url", "origin", os.path.relpath(built.path, checkout), cwd=checkout)
    assert artifacts_show("churn-model", stage="prod", repo=os.path.join(checkout, "models"))["rev"] \
        == built.commits["churn-1"]


@pytest.mark.parametrize("spelled", ["path", "file-url"])
def test_an_upstream_that_is_shallow_too_is_a_failure(served, tmp_path, spelled):
    """A checkout of a checkout (both depth 1): the upstream's tags may be incomplete as well."""
    _, built = served
    first = tag_push_checkout(f"file://{built.path}", ["churn-model#prod#4"], str(tmp_path / "first"))
    second = tag_push_checkout(first if spelled == "path" else f"file://{first}", ["churn-model#prod#4"],
                               str(tmp_path / "second"))
    with pytest.raises(ShallowCheckoutError, match="whose upstream, origin .* is shallow too.*--repo URL"):
        artifacts_show("churn-model", stage="prod", repo=second)


def test_no_remote_is_a_failure_that_says_what_fixes_it(served, tmp_path):
    server, _ = served
    checkout = tag_push_checkout(server.url("registry.git"), ["churn-model#prod#4"], str(tmp_path / "co"))
    git("remote", "remove", "origin", cwd=checkout)
    with pytest.raises(ShallowCheckoutError) as failure:
        artifacts_show("churn-model", stage="prod", repo=checkout)
    assert str(failure.value).startswith(f"{checkout} is a shallow repository")
    assert "git fetch --unshallow --tags" in str(failure.value) and "--repo" in str(failure.value)


def test_an_unreachable_upstream_is_exit_3_with_the_cause_first(served, tmp_path):
    server, _ = served
    dead = f"http://127.0.0.1:{free_port()}/registry.git"
    checkout = tag_push_checkout(server.url("registry.git"), ["churn-model#prod#4"], str(tmp_path / "co"))
    git("remote", "set-url", "origin", dead, cwd=checkout)
    result = subprocess.run([sys.executable, "-m", "artifacts_show", "churn-model", "--stage", "prod",
                             "--repo", checkout], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=ROOT))
    assert (result.returncode, result.stdout) == (3, "")
    message = result.stderr
    assert message.startswith(f"artifacts-show: error: fatal: unable to access '{dead}/': Failed to connect"), \
        message
    assert message.endswith(
        f" (git clone); this shallow checkout answers from its upstream, origin ({dead}), since its own tags "
        "may be incomplete: fetch its history and tags (`git fetch --unshallow --tags origin`), or give the "
        f"registry's URL as repo (--repo {dead})\n"), message


def test_a_complete_checkout_answers_from_its_own_tags_with_no_network(served, tmp_path):
    server, built = served
    clone = str(tmp_path / "full")
    git("clone", "-q", server.url("registry.git"), clone)
    server.stats.clear()
    assert artifacts_show("churn-model", stage="prod", repo=clone)["rev"] == built.commits["churn-1"]
    assert server.stats.requests == []


def test_counters_that_skip_numbers_are_named_in_a_warning(served, tmp_path):
    server, built = served
    clone = str(tmp_path / "some-tags")
    git("clone", "-q", "--no-tags", server.url("registry.git"), clone)
    git("fetch", "-q", "origin", "+refs/tags/churn-model#prod#4:refs/tags/churn-model#prod#4",
        "+refs/tags/churn-model#staging!#6:refs/tags/churn-model#staging!#6",
        "+refs/tags/churn-model@v1.1.0:refs/tags/churn-model@v1.1.0", cwd=clone)
    warnings: List[str] = []
    with Registry(clone, warn=warnings.append) as registry:
        assert registry.show("churn-model", stage="prod")["rev"] == built.commits["churn-3"]
        registry.show("churn-model")
    assert len(warnings) == 1, warnings
    assert "churn-model" in warnings[0] and "1-3, 5" in warnings[0] and "git fetch --tags" in warnings[0]
    complete = str(tmp_path / "all-tags")
    git("clone", "-q", server.url("registry.git"), complete)
    with Registry(complete, warn=warnings.append) as registry:
        registry.show("churn-model", stage="prod")
    assert len(warnings) == 1


def test_a_trace_asked_for_shows_the_checkout_header_redacted(guarded, tmp_path):
    """actions/checkout's header (upper case, as it writes it) is redacted by git's trace."""
    url = guarded.url("registry.git")
    checkout = tag_push_checkout(url, ["churn-model#prod#4"], str(tmp_path / "co"),
                                 config=[(f"http.{guarded.url('')}.extraheader", HEADER)])
    result = subprocess.run([sys.executable, "-m", "artifacts_show", "churn-model", "--stage", "prod",
                             "--repo", checkout], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=ROOT, GIT_CURL_VERBOSE="1"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "=> Send header: AUTHORIZATION: basic <redacted>" in result.stderr
    assert TOKEN not in result.stderr and HEADER not in result.stderr and HEADER[21:] not in result.stderr


def test_the_checkout_credentials_reach_the_upstream_through_the_environment(guarded, tmp_path, monkeypatch):
    url = guarded.url("registry.git")
    header_key = f"http.{guarded.url('')}.extraheader"
    argvs: List[List[str]] = []
    real_popen = subprocess.Popen

    def recording_popen(args, *rest, **kwargs):
        argvs.append(list(args))
        return real_popen(args, *rest, **kwargs)

    # actions/checkout v4 and v5 write the header into .git/config; v6 and later into a file of
    # their own, included for the checkout's git folder
    included = str(tmp_path / "git-credentials.config")
    git("config", "--file", included, header_key, HEADER)
    v6 = tag_push_checkout(url, ["churn-model#prod#4"], str(tmp_path / "v6"),
                           config=[(f"includeIf.gitdir:{tmp_path}/v6/.git.path", included)])
    v4 = tag_push_checkout(url, ["churn-model#prod#4"], str(tmp_path / "v4"), config=[(header_key, HEADER)])
    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    cache = str(tmp_path / "cache")
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", cache)
    for checkout in (v4, v6):
        assert artifacts_show("churn-model", stage="prod", repo=checkout)["path"] == os.path.join(
            "models", "churn.pkl")
    with pytest.raises(GitError, match="could not read Username"):
        artifacts_show("churn-model", stage="prod", repo=url)  # the server does want the header
    assert not [argv for argv in argvs if any(TOKEN in arg or HEADER in arg for arg in argv)]
    for folder, _, files in os.walk(cache):
        for name in files:
            with open(os.path.join(folder, name), "rb") as stored:
                content = stored.read()
            assert TOKEN.encode() not in content and HEADER.encode() not in content, name


def test_the_checkout_ssh_command_reaches_the_upstream(served, tmp_path, monkeypatch):
    """actions/checkout's ``ssh-key`` keeps ``ssh -i KEY ...`` in the checkout's core.sshCommand."""
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    monkeypatch.delenv("GIT_SSH", raising=False)
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    command = ssh_stand_in(str(tmp_path))["GIT_SSH_COMMAND"]
    url = f"ssh://localhost{served[1].path}"
    checkout = tag_push_checkout(url, ["churn-model#prod#4"], str(tmp_path / "co"),
                                 config=[("core.sshCommand", command)])
    result = artifacts_show("churn-model", stage="prod", repo=checkout)
    assert result["rev"] == served[1].commits["churn-1"]
    with open(tmp_path / "ssh.log") as log:
        assert len(log.readlines()) >= 2  # the checkout's fetch, then the lookup's


@pytest.mark.parametrize("annotated", [True, False], ids=["checkout-v6", "checkout-v4"])
def test_what_the_pushed_tag_did_comes_from_the_upstream(served, tmp_path, annotated):
    server, built = served
    url, tag = server.url("registry.git"), "churn-model#prod#7"
    checkout = str(tmp_path / "co")
    if annotated:
        tag_push_checkout(url, [tag], checkout)
    else:
        lightweight_tag_checkout(url, tag, built.commits["churn-1"], checkout)
    with Registry(checkout, artifacts=["churn-model"]) as registry:
        event = registry.check_ref(f"refs/tags/{tag}")
    with Registry(url, artifacts=["churn-model"]) as registry:
        assert registry.check_ref(tag) == event
    assert (event.event, event.version, event.stage, event.commit_hexsha, event.author) == (
        "assignment", "v1.0.0", "prod", built.commits["churn-1"], "Registry Bot")
    assert event.path == os.path.join("models", "churn.pkl")


def test_check_ref_in_a_shallow_checkout_costs_a_cold_lookup(served, tmp_path, monkeypatch):
    server, built = served
    checkout = tag_push_checkout(server.url("registry.git"), ["churn-model#prod#4"], str(tmp_path / "co"))
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    counts = []
    for _ in range(2):
        server.stats.clear()
        with Registry(checkout, artifacts=["churn-model"]) as registry:
            assert registry.check_ref("churn-model#prod#4").version == "v1.1.0"
        server.wait_idle()
        counts.append(len(server.stats.requests))
    assert counts == [5, 2]
