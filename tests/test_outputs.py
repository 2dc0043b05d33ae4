"""Answers in the forms CI systems take in (GitHub step outputs, shell assignments, GitLab dotenv),
read back as the runners read them: every value exactly, or refused; never another output."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from artifacts_show import outputs
from fixtures import ROOT
from fixtures.builder import Commit, Registry, Tag
from tests.helpers import github_outputs, gitlab_dotenv, shell_variables

HOSTILE_PATH = "models/it's \"q\" $(touch pwned) `touch pwned` a=b\nrev=0000 & ;|<>*?~#!.pkl"
"""A path holding quotes, a command substitution, backticks, '=', a line break that looks like
another output, and every other character a shell treats apart (not a backslash: in dvc.yaml, as
in DVC, it is a separator)."""
VALUES = {"name": "m", "path": HOSTILE_PATH, "rev": "c0ffee", "version": "", "tag": "m#prod#1"}


def test_github_carries_every_value_exactly():
    text = outputs.github(VALUES)
    assert github_outputs(text) == VALUES
    assert text.count("<<ghadelimiter_") == len(VALUES)


def test_github_chooses_another_delimiter_when_a_value_holds_it(monkeypatch):
    randoms = iter([b"\x01" * 16, b"\x02" * 16])
    monkeypatch.setattr(os, "urandom", lambda size: next(randoms))
    taken = f"ghadelimiter_{'01' * 16}"
    values = {"path": f"a\n{taken}\nrev<<{taken}\nevil\n{taken}", "rev": "c0ffee"}
    text = outputs.github(values)
    assert taken not in text.replace(values["path"], "")
    assert github_outputs(text) == values


def test_shell_assignments_set_the_values_and_run_nothing(tmp_path):
    lines = outputs.shell(VALUES)
    assert lines[0] == "ARTIFACT_NAME=m"
    names = [f"ARTIFACT_{key.upper()}" for key in VALUES]
    before = set(os.listdir(tmp_path))
    found = subprocess.run(["sh", "-c", 'cd "$1" && eval "$2" && printf %s "$ARTIFACT_PATH"', "sh",
                            str(tmp_path), "\n".join(lines)], capture_output=True, text=True, check=True)
    assert found.stdout == HOSTILE_PATH
    assert set(os.listdir(tmp_path)) == before  # no `touch pwned` ran
    assert shell_variables("\n".join(lines), names) == dict(zip(names, VALUES.values()))


def test_dotenv_carries_plain_values_as_gitlab_reads_them():
    plain = {"name": "nlp:bert", "path": "nlp/weights/bert.bin", "version": "v1.0.0+build.5", "stage": "",
             "tag": "churn-model#prod#7", "desc": 'a "quoted" model, `not run`'}
    lines = outputs.dotenv(plain)
    assert gitlab_dotenv("\n".join(lines) + "\n") == {f"ARTIFACT_{key.upper()}": value
                                                     for key, value in plain.items()}


@pytest.mark.parametrize(("value", "why"), [
    ("a\nb", "a line break"), ("a\rb", "a carriage return"), ("$HOME/m", "'$'"),
    ("a=b", "'='"),  # older GitLab split a line at its last '=', newer at its first: either reads it
    ("nlp=bert#prod#1", "'='"),  # so the tags of an artifact in a folder cannot go
    (" m", "white space at an end"), ("m\t", "white space at an end"), (HOSTILE_PATH, "a line break, '=', '$'"),
])
def test_dotenv_refuses_what_it_cannot_carry(value, why):
    with pytest.raises(ValueError, match=f"the path .* holds {re.escape(why)}"):
        outputs.dotenv({"name": "m", "path": value})


@pytest.mark.parametrize("form", [outputs.github, outputs.shell, outputs.dotenv])
def test_bytes_that_are_not_utf8_are_refused_by_every_form(form):
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        form({"path": "m\udcff.pkl"})


@pytest.mark.parametrize("form", [outputs.github, outputs.shell, outputs.dotenv])
def test_a_nul_is_refused_by_every_form(form):
    """A shell drops it silently: the variable would name another file."""
    with pytest.raises(ValueError, match=re.escape("the path 'a\\x00b' holds a NUL")):
        form({"path": "a\0b"})


# -- end to end: a dvc.yaml whose path holds all of that --

HOSTILE_YAML = 'artifacts:\n  m:\n    path: "{}"\n'.format(HOSTILE_PATH.replace('"', '\\"').replace("\n", "\\n"))
HOSTILE_REGISTRY = Registry([Commit("A", {"dvc.yaml": HOSTILE_YAML})], [Tag("m@v1.0.0", "A"), Tag("m#prod#1", "A")])


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "artifacts_show", *args], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT, **env), timeout=60)


@pytest.fixture(scope="module")
def hostile(build_registry):
    return build_registry("hostile-path", HOSTILE_REGISTRY)


@pytest.mark.parametrize("ask", [["m#prod"], ["--check-ref", "refs/tags/m#prod#1"]], ids=["lookup", "check-ref"])
def test_a_hostile_path_through_each_form(hostile, ask, tmp_path):
    rev = hostile.commits["A"]
    target = tmp_path / "github_output"
    target.write_text("earlier=kept\n")
    github = cli(*ask, "--repo", hostile.path, "--format", "github", GITHUB_OUTPUT=str(target))
    assert (github.returncode, github.stdout, github.stderr) == (0, "", "")
    found = github_outputs(target.read_text())
    assert found["earlier"] == "kept" and found["path"] == HOSTILE_PATH and found["rev"] == rev
    assert found["version"] == "v1.0.0" and found["stage"] == "prod" and found["tag"] == "m#prod#1"
    assert set(found) == {"earlier", "name", "path", "rev", "version", "stage", "tag",
                          *(["event"] if "--check-ref" in ask else [])}
    printed = cli(*ask, "--repo", hostile.path, "--format", "github", GITHUB_OUTPUT="")
    assert github_outputs(printed.stdout)["path"] == HOSTILE_PATH  # unset: printed instead
    env = cli(*ask, "--repo", hostile.path, "--format", "env")
    assert env.returncode == 0
    variables = shell_variables(env.stdout, ["ARTIFACT_PATH", "ARTIFACT_REV", "ARTIFACT_STAGE"])
    assert variables == {"ARTIFACT_PATH": HOSTILE_PATH, "ARTIFACT_REV": rev, "ARTIFACT_STAGE": "prod"}
    dotenv = cli(*ask, "--repo", hostile.path, "--format", "dotenv")
    assert (dotenv.returncode, dotenv.stdout) == (3, "")
    assert dotenv.stderr.startswith("artifacts-show: error: the path 'models/it") and dotenv.stderr.count("\n") == 1
    assert "holds a line break, '=', '$': a GitLab dotenv report cannot carry it" in dotenv.stderr
