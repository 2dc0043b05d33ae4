"""The command-line tool, run as a separate process: output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import artifacts_show
from fixtures import ROOT
from fixtures.registries import EXAMPLE_REGISTRY


def cli(*args: str, cwd: str = ROOT, **variables: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT, **variables)
    return subprocess.run([sys.executable, "-m", "artifacts_show", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def example(build_registry):
    return build_registry("example", EXAMPLE_REGISTRY)


def test_prints_json(example):
    result = cli("churn-model", "--stage", "prod", "--repo", example.path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "path": os.path.join("models", "churn.pkl"), "rev": example.commits["churn-1"]}
    assert result.stderr == ""


def test_field_prints_one_value(example):
    rev = cli("nlp:bert", "--version", "v0.1.0", "--repo", example.path, "--field", "rev")
    assert (rev.returncode, rev.stdout) == (0, example.commits["nlp-1"] + "\n")
    path = cli("nlp:bert", "--repo", example.path, "--field", "path")
    assert path.stdout == os.path.join("nlp", "weights", "bert.bin") + "\n"


def test_current_directory_is_the_default_repo(example):
    result = cli("text-classifier", "--field", "rev", cwd=os.path.join(example.path, "models"))
    assert result.stdout.strip() == example.commits["text-1"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["churn-model", "--stage", "staging"], 1, "no version in stage 'staging'"),
        (["nope"], 1, "no registry tags for artifact 'nope'"),
        (["churn-model", "--version", "v1.0.0", "--stage", "prod"], 2, "not allowed with argument"),
        (["churn-model", "--version", "1.0"], 2, "invalid version '1.0'"),
        (["bad name"], 2, "invalid artifact name"),
        (["churn-model", "--field", "size"], 2, "invalid choice"),
        ([], 2, "the artifact NAME is required"),
    ],
)
def test_exit_codes_and_one_line_errors(example, args, code, message):
    result = cli(*args, "--repo", example.path)
    assert result.returncode == code
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_git_failure_exits_3(tmp_path):
    result = cli("m", "--repo", str(tmp_path))
    assert result.returncode == 3
    assert "not a git repository" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_trace_asked_for_passes_through_and_the_error_stays_one_line(example, tmp_path):
    found = cli("churn-model", "--stage", "prod", "--repo", example.path, GIT_TRACE="1")
    assert json.loads(found.stdout)["rev"] == example.commits["churn-1"]
    assert "trace: built-in: git for-each-ref" in found.stderr
    assert "trace: built-in: git cat-file" in found.stderr
    failed = cli("m", "--repo", str(tmp_path), GIT_TRACE="1")
    assert failed.returncode == 3 and "trace: built-in: git rev-parse" in failed.stderr
    assert [line for line in failed.stderr.splitlines() if line.startswith("artifacts-show:")] == [
        "artifacts-show: error: fatal: not a git repository (or any of the parent directories): .git "
        "(git rev-parse)"]


def test_malformed_dvc_yaml_exits_3(build_registry):
    from fixtures.registries import CASES

    case = next(case for case in CASES if case.name == "malformed-dvc-yaml")
    built = build_registry(case.name, case.registry)
    result = cli("m", "--version", "v1.0.0", "--repo", built.path)
    assert result.returncode == 3 and "duplicate key 'm'" in result.stderr


def test_pinned_deregistered_version_warns(build_registry):
    from fixtures.registries import CASES

    case = next(case for case in CASES if case.name == "worked-example-deregistered")
    built = build_registry(case.name, case.registry)
    result = cli("m", "--version", "v2.0.0", "--repo", built.path, "--field", "rev")
    assert result.returncode == 0 and result.stdout.strip() == built.commits["B"]
    assert "version v2.0.0 of artifact 'm' is deregistered (m@v2.0.0!)" in result.stderr


def test_verbose_logs_git_commands_and_times(example):
    result = cli("churn-model", "--repo", example.path, "--verbose")
    assert result.returncode == 0
    assert "DEBUG: git for-each-ref" in result.stderr
    assert "DEBUG: git cat-file --batch (" in result.stderr and " s)" in result.stderr


def test_help_has_examples():
    result = cli("--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout and "--stage" in result.stdout and "exit status" in result.stdout


@pytest.mark.parametrize("columns", [50, 120])
def test_help_is_as_wide_as_the_terminal(columns, monkeypatch):
    """argparse is given the width that shutil would find ($COLUMNS here), without loading shutil."""
    monkeypatch.setenv("COLUMNS", str(columns))
    result = cli("--help")
    options = result.stdout.split("positional arguments:")[1].split("\n\nexamples:")[0].splitlines()
    assert max(len(line) for line in options) <= columns - 2
    assert any(len(line) > 48 for line in options) == (columns > 50)  # the wide one uses its width


def test_version_alone_prints_the_program_version():
    result = cli("--version")
    assert (result.returncode, result.stdout) == (0, f"artifacts-show {artifacts_show.__version__}\n")


@pytest.mark.parametrize("args", [["churn-model", "--version"], ["churn-model", "--version", "--field", "rev"],
                                  ["--version", "--list"]])
def test_version_without_its_value_is_a_usage_error(example, args):
    """`V=""; artifacts-show m --version $V --field rev` must not print the program's version as a rev."""
    result = cli(*args, "--repo", example.path)
    assert (result.returncode, result.stdout) == (2, "")
    assert "expected one argument" in result.stderr


def test_warnings_are_one_line_on_stderr(build_registry):
    from fixtures.registries import CASES

    case = next(case for case in CASES if case.name == "worked-example-deregistered")
    built = build_registry(case.name, case.registry)
    result = cli("m", "--version", "v2.0.0", "--repo", built.path)
    assert result.returncode == 0 and result.stderr == (
        "artifacts-show: warning: version v2.0.0 of artifact 'm' is deregistered (m@v2.0.0!)\n")


def test_several_names_one_line_each_in_order_and_the_worst_status(example):
    result = cli("nlp:bert", "nope", "churn-model", "--stage", "prod", "--repo", example.path)
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and result.returncode == 1
    assert json.loads(lines[0]) == {"path": os.path.join("nlp", "weights", "bert.bin"),
                                    "rev": example.commits["nlp-2"]}
    assert "no registry tags for artifact 'nope'" in json.loads(lines[1])["error"]
    assert json.loads(lines[2])["rev"] == example.commits["churn-1"]
    assert result.stderr.count("\n") == 1 and "artifacts-show: error: no registry tags" in result.stderr
    revs = cli("nlp:bert", "nope", "churn-model", "--stage", "prod", "--repo", example.path, "--field", "rev")
    assert revs.stdout == f"{example.commits['nlp-2']}\n\n{example.commits['churn-1']}\n"


def test_several_names_are_all_checked_before_git_runs(example, tmp_path):
    result = cli("churn-model", "bad name", "--repo", str(tmp_path / "nothing-here"))
    assert (result.returncode, result.stdout) == (2, "") and "invalid artifact name" in result.stderr


def test_list_prints_every_artifact_as_json_and_as_a_table(example):
    result = cli("--list", "--repo", example.path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["churn-model"] == {  # staging was unassigned; prod rolled back to v1.0.0
        "latest": {"version": "v1.1.0", "rev": example.commits["churn-3"]},
        "stages": {"dev": {"version": "v1.1.0-rc.1", "rev": example.commits["churn-2"]},
                   "prod": {"version": "v1.0.0", "rev": example.commits["churn-1"]}},
        "deprecated": False,
    }
    assert sorted(seen) == ["churn-model", "nlp:bert", "text-classifier"]
    for name, entry in seen.items():
        if entry["latest"]:
            single = cli(name, "--repo", example.path, "--field", "rev")
            assert single.stdout.strip() == entry["latest"]["rev"]
    table = cli("--list", "--repo", example.path, "--format", "table").stdout.splitlines()
    assert table[0].split() == ["artifact", "latest", *sorted({f"#{stage}" for entry in seen.values()
                                                                for stage in entry["stages"]})]
    assert table[0].split() == ["artifact", "latest", "#dev", "#prod"]
    assert [line.split() for line in table[1:]] == [
        ["churn-model", "v1.1.0", "v1.1.0-rc.1", "v1.0.0"], ["nlp:bert", "v0.2.0", "-", "v0.2.0"],
        ["text-classifier", "v0.1.0", "-", "-"]]


def test_list_with_paths(example):
    seen = json.loads(cli("--list", "--paths", "--repo", example.path).stdout)
    assert seen["nlp:bert"]["latest"]["path"] == os.path.join("nlp", "weights", "bert.bin")


@pytest.mark.parametrize("output", ["json", "table"])
def test_list_that_finds_no_artifact_says_why_on_stderr(tmp_path, output):
    """A checkout without tags (or with lightweight ones only) lists nothing, exit 0, and says
    why, as a lookup there would."""
    from fixtures.builder import Commit, Registry, Tag, build

    commits = [Commit("A", {"dvc.yaml": "artifacts: {m: {path: m.pkl}}\n"})]
    untagged = build(Registry(commits), str(tmp_path / "untagged")).path
    lightweight = build(Registry(commits, [Tag("m@v1.0.0", "A", annotated=False)]), str(tmp_path / "light")).path
    for repo, why in [
        (untagged, "the repository has no tags at all. A clone made with --depth or --no-tags (the default of many "
                   "CI systems) has none: fetch them with `git fetch --tags`, or give the registry's URL as repo"),
        (lightweight, "m has only lightweight tags, which the registry ignores: registry tags are annotated "
                      "(`git tag -a`, as gto writes them)"),
    ]:
        result = cli("--list", "--format", output, "--repo", repo)
        assert (result.returncode, result.stdout) == (0, "{}\n" if output == "json" else "artifact  latest\n")
        assert result.stderr == f"artifacts-show: warning: no artifact has registry tags: {why}\n"


@pytest.mark.parametrize("args", [["--list", "churn-model"], ["--list", "--stage", "prod"], ["--paths", "m"]])
def test_list_takes_no_lookup_arguments(example, args):
    result = cli(*args, "--repo", example.path)
    assert (result.returncode, result.stdout) == (2, "")


def test_git_errors_are_one_line():
    result = cli("m", "--repo", "file:///nonexistent.git")
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "does not appear to be a git repository" in result.stderr


def test_a_clone_without_tags_says_so(tmp_path, example):
    subprocess.run(["git", "clone", "-q", "--no-tags", f"file://{example.path}", str(tmp_path / "ci")],
                   check=True)  # a shallow one answers from its upstream (tests/test_ci_checkouts.py)
    result = cli("churn-model", "--repo", str(tmp_path / "ci"))
    assert result.returncode == 1
    assert "the repository has no tags at all" in result.stderr and "git fetch --tags" in result.stderr


def test_a_reader_that_went_away_ends_without_a_traceback(example):
    read, write = os.pipe()
    os.close(read)  # `| head -c0`: nobody reads
    env = dict(os.environ, PYTHONPATH=ROOT)
    with os.fdopen(write, "wb") as stdout:
        result = subprocess.run([sys.executable, "-m", "artifacts_show", "churn-model", "--repo", example.path],
                                stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    assert result.returncode == 141 and result.stderr == ""


def test_an_unwritable_output_is_an_error_not_a_traceback(example):
    env = dict(os.environ, PYTHONPATH=ROOT)
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "artifacts_show", "churn-model", "--repo", example.path],
                                stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    assert result.returncode == 3
    assert result.stderr == "artifacts-show: error: cannot write the output: No space left on device\n"


def test_url_adds_where_the_data_is(example):
    from fixtures.registries import EXAMPLE_URLS

    result = cli("churn-model", "--stage", "prod", "--repo", example.path, "--url")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"path": os.path.join("models", "churn.pkl"),
                                         "rev": example.commits["churn-1"],
                                         "url": EXAMPLE_URLS[("churn-model", "v1.0.0")]}
    alone = cli("nlp:bert", "--repo", example.path, "--field", "url")
    assert (alone.returncode, alone.stdout) == (0, EXAMPLE_URLS[("nlp:bert", "v0.2.0")] + "\n")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nlp:bert", "--version", "v0.1.0", "--url"], 1, "no DVC output records nlp/weights/bert.bin"),
        (["churn-model", "--url", "--remote", "nope"], 1, "no remote 'nope'"),
        (["churn-model", "--remote", "storage"], 2, "--remote goes with --url"),
        (["--list", "--url"], 2, "--url and --remote go with a NAME"),
        (["churn-model", "--url", "--remote", "bad\nname"], 2, "invalid remote"),
    ],
)
def test_url_errors(example, args, code, message):
    result = cli(*args, "--repo", example.path)
    assert (result.returncode, result.stdout) == (code, "")
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_list_with_paths_shows_an_undeclared_artifact_as_an_error(build_registry):
    from fixtures.builder import Commit, Registry, Tag

    registry = Registry([Commit("A", {"dvc.yaml": "artifacts:\n  m:\n    path: m.pkl\n"})],
                        [Tag("m@v1.0.0", "A"), Tag("ghost@v1.0.0", "A")])
    built = build_registry("undeclared-in-overview", registry)
    result = cli("--list", "--paths", "--repo", built.path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["m"]["latest"] == {"version": "v1.0.0", "rev": built.commits["A"], "path": "m.pkl"}
    assert seen["ghost"]["latest"]["path"] is None
    assert "does not declare artifact 'ghost'" in seen["ghost"]["latest"]["error"]


def test_an_unexpected_exception_is_one_line_and_exit_3(example, monkeypatch, capsys):
    """A bug must not look like "not found" (exit 1) to a script, nor print a traceback."""
    from artifacts_show import api
    from artifacts_show import cli as command

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.Registry, "show_many", broken)
    assert command.main(["churn-model", "--repo", example.path]) == 3
    captured = capsys.readouterr()
    assert captured.err == "artifacts-show: error: internal error, please report it: RuntimeError: boom\n"
    assert captured.out == ""


@pytest.mark.parametrize("args", [["m", "--version", "notsemver"], ["m", "--url", "--remote", "a\tb"],
                                  ["m", "--stage", "bad stage"]])
def test_invalid_arguments_start_no_git(args, fp):
    from artifacts_show import cli as command

    fp.register([fp.any()], occurrences=100)
    assert command.main([*args, "--repo", "https://example.com/r.git"]) == 2
    assert list(fp.calls) == []
