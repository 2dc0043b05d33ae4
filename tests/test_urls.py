"""What ``repo`` names: a local path (Windows drives included) or a remote URL (scp-like ones too)."""

from __future__ import annotations

import pytest

from artifacts_show.urls import LocalPath, RemoteUrl, classify


@pytest.mark.parametrize("path", ["C:\\models\\registry", "C:/models/registry", "d:\\r", "c:"])
def test_windows_drive_paths_are_local_paths(path):
    assert classify(path) == LocalPath(path)


@pytest.mark.parametrize("url", ["cc:models/registry", "host:C:/x", "git@host:org/r.git"])
def test_scp_like_urls_stay_remote(url):
    assert isinstance(classify(url), RemoteUrl)
