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


# -- what a tag did, histories, versions, shortcuts, resolved versions, declarations, CI outputs --

def test_check_ref_prints_one_json_line_with_gtos_keys_and_the_path(example):
    result = cli("--check-ref", "refs/tags/churn-model#prod#7", "--repo", example.path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.count("\n") == 1
    event = json.loads(result.stdout)
    assert list(event) == ["artifact", "event", "version", "stage", "tag", "commit_hexsha", "created_at",
                           "author", "author_email", "message", "path"]
    assert event == {"artifact": "churn-model", "event": "assignment", "version": "v1.0.0", "stage": "prod",
                     "tag": "churn-model#prod#7", "commit_hexsha": example.commits["churn-1"],
                     "created_at": "2023-11-14T22:34:20+00:00", "author": "Registry Bot",
                     "author_email": "bot@example.com", "message": "registry tag churn-model#prod#7",
                     "path": os.path.join("models", "churn.pkl")}


@pytest.mark.parametrize(("ref", "keys", "version"), [
    ("churn-model@v1.1.0", ["artifact", "event", "version", "tag"], "v1.1.0"),
    ("churn-model#staging!#6", ["artifact", "event", "version", "stage", "tag"], "v1.1.0"),
])
def test_check_ref_keys_of_each_kind_of_event_with_url_and_declaration(example, ref, keys, version):
    event = json.loads(cli("--check-ref", ref, "--url", "--describe", "--repo", example.path).stdout)
    assert list(event)[:len(keys)] == keys and event["version"] == version
    assert list(event)[len(keys):] == ["commit_hexsha", "created_at", "author", "author_email", "message", "path",
                                       "url", "type", "desc", "labels", "meta"]
    assert (event["url"], event["type"], event["labels"]) == (
        "s3://example-model-registry/dvc-storage/files/md5/e5/b3a1f9d7c6b4a2e0f8d6c4b2a0e9f7", "model", [])


@pytest.mark.parametrize(("ref", "message"), [
    ("refs/heads/main", "'refs/heads/main' is not a tag, so not a registry event"),
    ("refs/tags/v0.1", "'v0.1' is not a registry tag"),
    ("build-42", "'build-42' is not a registry tag"),
    ("churn-model@v7.0.0", "is not an annotated tag of the repository"),
])
def test_check_ref_of_a_ref_that_is_no_registry_event_exits_1_with_one_line(example, ref, message):
    result = cli("--check-ref", ref, "--repo", example.path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("artifacts-show: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_history_as_json_and_as_a_table(example):
    result = cli("--history", "churn-model", "--repo", example.path)
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    assert [event["ref"] for event in events][:3] == [
        "churn-model#prod#7", "churn-model#staging!#6", "churn-model#staging#5"]
    assert len(events) == 10 and list(events[0]) == [
        "timestamp", "artifact", "event", "version", "stage", "commit", "author", "author_email", "message", "ref"]
    table = cli("churn-model", "--history", "--format", "table", "--repo", example.path).stdout.splitlines()
    assert table[0].split() == ["timestamp", "artifact", "event", "version", "stage", "commit", "ref"]
    assert table[1].split() == ["2023-11-14", "22:34:20+00:00", "churn-model", "assignment", "v1.0.0", "prod",
                                example.commits["churn-1"][:7], "churn-model#prod#7"]
    assert table[5].split()[4:6] == ["v1.1.0", "-"] and len(table) == 11


def test_versions_as_json_and_as_a_table(example):
    versions = json.loads(cli("--versions", "churn-model", "--repo", example.path).stdout)
    assert versions == [
        {"version": "v1.1.0", "rev": example.commits["churn-3"], "deregistered": False, "stages": [],
         "tag": "churn-model@v1.1.0"},
        {"version": "v1.1.0-rc.1", "rev": example.commits["churn-2"], "deregistered": False, "stages": ["dev"],
         "tag": "churn-model@v1.1.0-rc.1"},
        {"version": "v1.0.0", "rev": example.commits["churn-1"], "deregistered": False, "stages": ["prod"],
         "tag": "churn-model@v1.0.0"}]
    table = cli("--versions", "churn-model", "--format", "table", "--repo", example.path).stdout.splitlines()
    assert [line.split() for line in table] == [
        ["version", "rev", "deregistered", "stages", "tag"],
        ["v1.1.0", example.commits["churn-3"][:7], "no", "-", "churn-model@v1.1.0"],
        ["v1.1.0-rc.1", example.commits["churn-2"][:7], "no", "dev", "churn-model@v1.1.0-rc.1"],
        ["v1.0.0", example.commits["churn-1"][:7], "no", "prod", "churn-model@v1.0.0"]]


def test_the_version_and_the_tag_an_answer_resolved_to(example):
    revs = cli("churn-model@v1.0.0", "churn-model#prod", "churn-model@latest", "nope", "--field", "tag",
               "--repo", example.path)
    assert (revs.returncode, revs.stdout) == (1, "churn-model@v1.0.0\nchurn-model#prod#7\nchurn-model@v1.1.0\n\n")
    versions = cli("churn-model#dev", "churn-model#prod", "--field", "version", "--repo", example.path)
    assert versions.stdout == "v1.1.0-rc.1\nv1.0.0\n"
    answer = json.loads(cli("churn-model#prod", "--with", "version,tag", "--repo", example.path).stdout)
    assert answer == {"path": os.path.join("models", "churn.pkl"), "rev": example.commits["churn-1"],
                      "version": "v1.0.0", "tag": "churn-model#prod#7"}
    assert list(json.loads(cli("churn-model", "--with", "tag", "--repo", example.path).stdout)) == [
        "path", "rev", "tag"]


def test_a_commit_without_a_version_resolves_to_none(build_registry):
    from fixtures.registries import CASES

    case = next(case for case in CASES if case.name == "stage-on-commit-without-version")
    built = build_registry(case.name, case.registry)
    assert cli("m#staging", "--field", "version", "--repo", built.path).stdout == "\n"
    answer = json.loads(cli("m#staging", "--with", "version,tag", "--repo", built.path).stdout)
    assert (answer["version"], answer["tag"]) == (None, "m#staging#1")


def test_describe_adds_the_declaration(example):
    answer = json.loads(cli("nlp:bert", "--describe", "--url", "--repo", example.path).stdout)
    assert list(answer) == ["path", "rev", "url", "type", "desc", "labels", "meta"]
    assert (answer["type"], answer["desc"], answer["labels"], answer["meta"]) == ("model", None, ["nlp"], {})


def test_ci_formats_of_a_lookup(example, tmp_path):
    target = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "artifacts_show", "churn-model#prod", "--url", "--describe",
                             "--format", "github", "--repo", example.path], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=ROOT, GITHUB_OUTPUT=str(target)))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    from tests.helpers import github_outputs

    assert github_outputs(target.read_text()) == {
        "name": "churn-model", "path": os.path.join("models", "churn.pkl"), "rev": example.commits["churn-1"],
        "version": "v1.0.0", "stage": "prod", "tag": "churn-model#prod#7",
        "url": "s3://example-model-registry/dvc-storage/files/md5/3f/1b4c2a9e8d7f60b5a4c3d2e1f09876",
        "type": "model", "desc": "Customer churn classifier"}
    env = cli("churn-model", "--format", "env", "--repo", example.path).stdout.splitlines()
    assert env == ["ARTIFACT_NAME=churn-model", "ARTIFACT_PATH=models/churn.pkl",
                   f"ARTIFACT_REV={example.commits['churn-3']}", "ARTIFACT_VERSION=v1.1.0", "ARTIFACT_STAGE=''",
                   "ARTIFACT_TAG=churn-model@v1.1.0"]
    dotenv = cli("--check-ref", "churn-model#prod#7", "--format", "dotenv", "--repo", example.path)
    assert dotenv.stdout.splitlines() == [
        "ARTIFACT_NAME=churn-model", "ARTIFACT_EVENT=assignment", "ARTIFACT_PATH=models/churn.pkl",
        f"ARTIFACT_REV={example.commits['churn-1']}", "ARTIFACT_VERSION=v1.0.0", "ARTIFACT_STAGE=prod",
        "ARTIFACT_TAG=churn-model#prod#7"]
    refused = cli("--check-ref", "nlp=bert#prod#1", "--format", "dotenv", "--repo", example.path)
    assert (refused.returncode, refused.stdout) == (3, "") and "the tag 'nlp=bert#prod#1' holds '='" in refused.stderr


def test_an_unwritable_github_output_is_exit_3(example, tmp_path):
    result = subprocess.run([sys.executable, "-m", "artifacts_show", "churn-model", "--format", "github",
                             "--repo", example.path], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=ROOT, GITHUB_OUTPUT=str(tmp_path / "no" / "such")))
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr.startswith("artifacts-show: error: cannot write $GITHUB_OUTPUT (")


@pytest.mark.parametrize(("args", "message"), [
    (["--check-ref", "m@v1.0.0", "churn-model"], "--check-ref takes a REF, no NAME"),
    (["--check-ref", "m@v1.0.0", "--stage", "prod"], "--check-ref takes no --version, --stage or --field"),
    (["--check-ref", "m@v1.0.0", "--list"], "go alone"),
    (["--history", "a", "b"], "--history takes one NAME"),
    (["--versions"], "--versions takes one NAME"),
    (["--history", "m", "--versions"], "go alone"),
    (["--history", "m", "--url"], "--url and --remote go with a NAME or --check-ref, not with --history"),
    (["--versions", "m", "--describe"], "--describe goes with a NAME or --check-ref"),
    (["--history", "m", "--format", "github"], "--format github goes with lookup, --check-ref"),
    (["m", "--format", "table"], "--format table goes with --list, --history, --versions"),
    (["--list", "--format", "env"], "--format env goes with lookup, --check-ref"),
    (["a", "b", "--format", "github"], "--format github takes one NAME"),
    (["m", "--field", "rev", "--with", "tag"], "--field prints one value"),
    (["m", "--field", "rev", "--format", "env"], "--field prints one value"),
    (["m", "--with", "url"], "expected version, tag or both"),
    (["--check-ref", "m@v1.0.0", "--with", "tag"], "--with goes with a NAME"),
    (["--check-ref", "m@v1.0.0", "--paths"], "--paths goes with --list"),
    (["--check-ref", "m@v1.0.0", "--remote", "r"], "--remote goes with --url"),
    (["--list", "--describe"], "--describe goes with a NAME or --check-ref"),
    (["--history", "m@v1.0.0"], "invalid artifact name"),
])
def test_event_and_output_options_that_do_not_go_together(example, args, message):
    result = cli(*args, "--repo", example.path)
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
