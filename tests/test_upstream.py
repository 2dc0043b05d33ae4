"""What a shallow checkout answers from: its upstream's URL as a remote lookup takes it, and the
tag a CI job was started for."""

from __future__ import annotations

import os

import pytest

from artifacts_show import ShallowCheckoutError
from artifacts_show.upstream import classify_upstream, pushed_tag
from artifacts_show.urls import RemoteUrl
from fixtures import ROOT


def test_a_path_is_a_file_url_relative_to_the_checkout(tmp_path):
    (tmp_path / "registry.git").mkdir()
    checkout = tmp_path / "co"
    assert classify_upstream("../registry.git", str(checkout)) == RemoteUrl(f"file://{tmp_path}/registry.git")
    assert classify_upstream(str(tmp_path / "registry.git"), "/elsewhere").url == f"file://{tmp_path}/registry.git"


def test_urls_and_bundles_are_taken_as_they_are():
    bundle = os.path.join(ROOT, "fixtures", "example-registry.bundle")
    assert classify_upstream("https://x@example.com/r.git", "/co") == RemoteUrl("https://example.com/r.git", "x")
    assert classify_upstream("git@example.com:org/r.git", "/co") == RemoteUrl("git@example.com:org/r.git")
    assert classify_upstream(bundle, "/co") == RemoteUrl(bundle, bundle=True)


def test_a_transport_git_must_never_see_is_refused_as_the_checkouts_fault():
    with pytest.raises(ShallowCheckoutError, match="upstream of this shallow checkout cannot be used.*ext"):
        classify_upstream("ext::sh -c touch% /tmp/pwned", "/co")


@pytest.mark.parametrize(("ref", "tags"), [("refs/tags/m#prod#7", ("m#prod#7",)), ("refs/heads/main", ()),
                                           ("", ())])
def test_the_pushed_tag_is_the_one_github_ref_names(ref, tags, monkeypatch):
    monkeypatch.setenv("GITHUB_REF", ref)
    assert pushed_tag() == tags
