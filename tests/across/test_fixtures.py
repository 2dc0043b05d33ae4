"""The shipped example bundle is exactly what the fixture data builds."""

import os

from fixtures.builder import git
from fixtures.make_example_bundle import BUNDLE, write_bundle


def test_shipped_bundle_matches_the_data(tmp_path):
    fresh = write_bundle(str(tmp_path / "fresh.bundle"))
    assert git("bundle", "list-heads", fresh) == git("bundle", "list-heads", BUNDLE)
    assert os.path.getsize(BUNDLE) < 64 * 1024
