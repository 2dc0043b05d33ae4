"""The exception hierarchy: every class exported, documented, and one exit status each."""

from __future__ import annotations

import inspect
import os

import pytest

import artifacts_show
from artifacts_show import cli, errors
from fixtures import ROOT

CLASSES = [value for _, value in inspect.getmembers(errors, inspect.isclass) if value.__module__ == errors.__name__]
EXIT_STATUS = {"ArtifactNotFoundError": 1, "InvalidArgumentError": 2}


def test_every_class_is_an_artifacts_show_error_and_exported():
    assert len(CLASSES) >= 9
    for kind in CLASSES:
        assert issubclass(kind, artifacts_show.ArtifactsShowError)
        assert getattr(artifacts_show, kind.__name__) is kind and kind.__name__ in artifacts_show.__all__


@pytest.mark.parametrize("kind", CLASSES, ids=lambda kind: kind.__name__)
def test_every_class_is_documented_with_its_exit_status(kind):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:
        rows = [line for line in readme.read().split("\n") if line.startswith(f"| `{kind.__name__}` ")]
    status = EXIT_STATUS.get(kind.__name__, 3)
    documented = "-" if kind is errors.ArtifactsShowError else str(status)  # the base is never raised
    assert rows and rows[0].split("|")[2].strip() == documented
    assert cli._exit_code(kind("x")) == status
    assert kind.__doc__


def test_lookup_and_value_errors_stay_what_dvc_api_raises():
    assert issubclass(errors.ArtifactNotFoundError, LookupError)
    assert issubclass(errors.InvalidArgumentError, ValueError)
    assert issubclass(errors.ShallowCheckoutError, errors.GitError)
