"""Checking one fixture lookup against a built repository, for every kind of repository."""

from __future__ import annotations

import os
from typing import Callable, Dict, Optional

import pytest

from fixtures.builder import BuiltRepo
from fixtures.registries import Lookup


def check(lookup: Lookup, built: BuiltRepo, show: Callable[..., Dict[str, str]],
          repo: Optional[str], relative_to: str = "") -> None:
    """Run ``lookup`` through ``show`` and compare with the fixture's expected answer."""
    if lookup.error is not None:
        with pytest.raises(lookup.error) as info:
            show(lookup.name, version=lookup.version, stage=lookup.stage, repo=repo)
        assert lookup.match in str(info.value)
        return
    result = show(lookup.name, version=lookup.version, stage=lookup.stage, repo=repo)
    expected_path = lookup.path
    if relative_to and "://" not in expected_path:
        expected_path = os.path.relpath(expected_path, relative_to)
    assert result == {"path": expected_path.replace("/", os.sep),
                      "rev": built.commits[lookup.commit]}
