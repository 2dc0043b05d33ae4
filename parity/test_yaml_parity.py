"""Differential test of dvc.yaml reading: YAML scalars, artifact names and path forms next to
``dvc.api.artifacts_show``.

Each case is a one-commit repository with ``m@v1.0.0`` (or the case's own name)
on it; the lookup is pinned, so only reading dvc.yaml is compared: the same
path, both not found, or both an error. Where the README names a deliberate
difference, the case says which, and both sides must still show it (dvc.api a
path, artifacts-show an error or the URL as written).

    python3 -m pytest parity/test_yaml_parity.py -p no:cacheprovider -s
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Dict, List, NamedTuple, Optional, Union

from artifacts_show import ArtifactNotFoundError, ArtifactsShowError, artifacts_show
from fixtures.builder import Commit, Registry, Tag, build
from parity.test_parity import ask_peers

logging.getLogger("artifacts_show").setLevel(logging.ERROR)

Files = Dict[str, Union[str, bytes]]


class Case(NamedTuple):
    label: str
    files: Files
    name: str = "m"
    difference: Optional[str] = None  # a difference the README names, or None: equal answers


def path_case(path: str, dirname: str = "", difference: Optional[str] = None) -> Case:
    dvcyaml = f"{dirname}/dvc.yaml" if dirname else "dvc.yaml"
    name = f"{dirname}:m" if dirname else "m"
    return Case(f"path {path!r} in {dirname or '.'}", {dvcyaml: f"artifacts:\n  m:\n    path: '{path}'\n"},
                name, difference)


def interpolated(label: str, params: Union[str, bytes], *, params_file: str = "params.yaml",
                 path: str = "m/${x}.pkl", difference: Optional[str] = None) -> Case:
    vars_line = "" if params_file == "params.yaml" else f"vars: ['{params_file}']\n"
    return Case(label, {"dvc.yaml": f"{vars_line}artifacts:\n  m:\n    path: '{path}'\n",
                        params_file: params}, difference=difference)


def declaring(label: str, artifacts: str, name: str = "m") -> Case:
    return Case(label, {"dvc.yaml": f"artifacts:\n{artifacts}"}, name)


SCALARS = [
    "NO", "no", "on", "off", "yes", "y", "n", "true", "True", "TRUE", "tRue", "false", "FALSE",
    "~", "null", "Null", "NULL", "", "nULL",
    "1e-5", "1e5", "1.0e+5", "1E+2", "1.5", "1.", ".5", "-.5", "+.5", "1.e5", ".5e5", ".5e+5",
    "-0.0", "1e400", "1e-400", "1_000.5", "1_0e1", "0.1e1_0", "0e0", "12e+3", "123e", "1.2.3",
    ".inf", "-.inf", "+.inf", ".Inf", ".INF", ".NaN", ".nan", ".NAN", "-.nan", "inf", "nan",
    "+1", "-1", "-0", "+0", "00", "010", "-010", "+010", "0777", "08", "0999",
    "0o17", "0O17", "-0o17", "0o", "0x1F", "0X1F", "-0x1F", "0x-1", "0b101", "-0b1", "0b_1", "0b",
    "1_000", "1__0", "1_", "_1", "0x_1F", "12345678901234567890123", "1,000",
    "1:30", "1:30:00", "190:20:30.15", "-1:30", "2001-12-14", "2001-12-14 21:59:43.10 -5",
    "2001-12-14t21:59:43.10-05:00", "2001-1-4", "2001-13-45",
    "'010'", '"on"', "!!binary aGk=", "!!bool yes", "!!int '010'", "!!int 1:30",
    "!!float '1'", "!!str 010", "!!null x", "!!set {a}", "+_", "0x_", "._", "=", "<<",
]
ARTIFACT_M = "artifacts:\n  m:\n    path: m/${x}\n"
FEWER = ["on", "NO", "010", "1e5", "1e-5", "1:30", "~", "0o17", ".NaN", "2001-12-14", "!!binary aGk="]
NAMES = ["on", "yes", "no", "NO", "off", "y", "null", "1", "true", "True", "010", "0o17", "1e5",
         "1_000", "0x1F", "2001-12-14", "'1'", "'on'", "'null'", "'true'"]

CASES: List[Case] = [
    *[interpolated(f"params {value!r}", f"x: {value}\n") for value in SCALARS],
    interpolated("params '!!bool maybe'", "x: !!bool maybe\n", difference="error-as-not-found"),
    *[Case(f"vars inline {value!r}", {"dvc.yaml": f"vars:\n  - x: {value}\n{ARTIFACT_M}"})
      for value in FEWER],
    *[interpolated(f"vars file {value!r}", f"x: {value}\n", params_file="p.yaml") for value in FEWER],
    *[interpolated(f"whole path {value!r}", f"x: {value}\n", path="${x}")
      for value in ["on", "abc", "010", "1e5", "null", "true", "!!binary aGk=", "'b\\${y}'"]],
    *[interpolated(f"json {text}", text, params_file="p.json")
      for text in ['{"x": 1e5}', '{"x": 1E400}', '{"x": null}', '{"x": true}', '{"x": 10}',
                   '{"x": NaN}', '{"x": -0.0}', "false", "[]"]],
    interpolated("json with a BOM", b'\xef\xbb\xbf{"x": 1}', params_file="p.json"),
    interpolated("json in UTF-16", '{"x": 1}'.encode("utf-16"), params_file="p.json"),
    *[declaring(f"name {key}", f"  {key}:\n    path: a/b\n", key.strip("'")) for key in NAMES],
    *[declaring(f"name {key} beside m", f"  {key}:\n    path: a/b\n  m:\n    path: c\n")
      for key in ["1", "null", "~", "true", "1e5", "2001-12-14"]],
    # backslashes in paths (DVC on POSIX: as_posix after its normpath)
    path_case("weights\\bert.bin", "nlp"), path_case("..\\shared\\emb.bin", "nlp"),
    path_case("a\\\\b"), path_case("a\\.\\b"), path_case("x\\..\\y"), path_case("a\\b/../c"),
    path_case("a\\b/../../c", "nlp"), path_case(".\\a"), path_case("a\\"), path_case("./a\\b", "nlp"),
    path_case("a/b\\", "nlp"), path_case("a//b\\\\c"), path_case("s3:\\\\b\\k"), path_case("a\\${x}"),
    path_case(".", difference="repository-root"), path_case(".", "nlp"),
    path_case("..\\..\\x", "nlp", "outside-repository"), path_case("..\\x", difference="outside-repository"),
    path_case("nlp\\..\\..\\x", difference="outside-repository"),
    path_case("..\\", "nlp", "outside-repository"), path_case("..", "nlp", "outside-repository"),
    path_case("\\abs\\x", difference="outside-repository"), path_case("\\", difference="outside-repository"),
    path_case("\\\\srv\\share\\x", difference="outside-repository"),
    path_case("/abs/x", difference="outside-repository"), path_case("../x", difference="outside-repository"),
    path_case("C:\\x", difference="windows-drive"), path_case("c:/x", difference="windows-drive"),
    path_case("s3://b\\k", difference="url-as-written"), path_case("s3://b/k", difference="url-as-written"),
    Case("backslashes from a value", {"nlp/dvc.yaml": "artifacts:\n  m:\n    path: ${d}\\m.bin\n",
                                      "nlp/params.yaml": "d: '..\\shared\\w'\n"}, "nlp:m"),
    Case("vars file name with a backslash", {"nlp/dvc.yaml": "vars: ['conf\\p.yaml']\nartifacts:\n  m:\n"
                                             "    path: a/${x}\n", "nlp/conf\\p.yaml": "x: 2\n",
                                             "nlp/conf/p.yaml": "x: 1\n"}, "nlp:m"),
    Case("vars file name with a backslash, only with a slash",
         {"nlp/dvc.yaml": "vars: ['conf\\p.yaml']\nartifacts:\n  m:\n    path: a/${x}\n",
          "nlp/conf/p.yaml": "x: 1\n"}, "nlp:m"),
    # the rest of YAML as DVC reads it
    declaring("merge key, overridden", "  a: &b {path: a/b, type: t}\n  m:\n    <<: *b\n    path: c/d\n"),
    declaring("merge key", "  a: &b {path: a/b}\n  m:\n    <<: *b\n"),
    declaring("merge list", "  a: &a {path: p1}\n  b: &b {path: p2}\n  m: {<<: [*a, *b]}\n"),
    declaring("merge key twice", "  a: &a {path: p}\n  b: &b {path: q}\n  m: {<<: *a, <<: *b}\n"),
    Case("duplicate under a merge", {"dvc.yaml": "vars:\n  - o: &o {z: {path: q}}\nartifacts:\n  <<: *o\n"
                                                 "  m: {path: x}\n  m: {path: y}\n"}),
    declaring("duplicate under an empty merge", "  a: &a {}\n  m: {<<: *a, path: x, path: y}\n"),
    declaring("duplicate artifact", "  m: {path: x}\n  m: {path: y}\n"),
    interpolated("merge in params", "d: &d {x: 1, y: 2}\nc:\n  <<: *d\n  y: on\n", path="${c.x}/${c.y}"),
    interpolated("list as a key in params", "x: 1\n? [1, 2]\n: z\n"),
    interpolated("a date that is not used", "x: 1\nd: 2001-12-14\n"),
    interpolated("%YAML 1.1 params", "%YAML 1.1\n---\na: on\nb: 010\nc: 1:30\nd: 1e5\n",
                 path="${a}/${b}/${c}/${d}"),
    Case("%YAML 1.1 dvc.yaml", {"dvc.yaml": "%YAML 1.1\n---\nartifacts:\n  on:\n    path: x\n"}, "on"),
    Case("%YAML 1.2 dvc.yaml", {"dvc.yaml": "%YAML 1.2\n---\nartifacts:\n  on:\n    path: x\n"}, "on"),
    Case("%YAML 1.3 dvc.yaml", {"dvc.yaml": "%YAML 1.3\n---\nartifacts:\n  m:\n    path: x\n"}),
    interpolated("escape in a value", "x: 'b\\${y}'\n", path="a/${x}"),
    interpolated("escaped backslash", "x: 1\n", path="a/\\\\${x}"),
    interpolated("brace inside", "x: 1\n", path="a/${x{y}"),
    *[Case(f"dvc.yaml {text}", {"dvc.yaml": text + "\n"}) for text in ["[]", "false", "0", "''", "~", "{}"]],
    *[interpolated(f"params {text}", text + "\n") for text in ["[]", "false", "0", "''", "- 1"]],
    declaring("artifacts: nothing", ""),
    # artifact names are interpolated; ${...} inside vars is an error
    Case("name from vars", {"dvc.yaml": "vars:\n  - x: m\nartifacts:\n  ${x}:\n    path: a/m.pkl\n"}),
    *[Case(f"names {label}", {"dvc.yaml": f"artifacts:\n{body}", "params.yaml": "x: m\nn: 1\n"}, name)
      for label, body, name in [
          ("literal, then alike", "  m: {path: lit}\n  ${x}: {path: interp}\n", "m"),
          ("alike, then literal", "  ${x}: {path: interp}\n  m: {path: lit}\n", "m"),
          ("part of a name", "  ${x}2: {path: b}\n", "m2"),
          ("an int", "  ${n}: {path: a}\n  m: {path: b}\n", "m"),
          ("not found", "  ${y}: {path: a}\n  m: {path: b}\n", "m"),
      ]],
    *[Case(f"vars {section}", {"dvc.yaml": f"vars: {section}\nartifacts: {{m: {{path: plain}}}}\n"})
      for section in ["[{x: '${y}'}, {y: 1}]", "[{'${y}': 1}]", "['${f}.yaml']", "[{x: [a, {b: 'c${d}'}]}]",
                      "[{x: 'a\\${y}'}]"]],
    *[interpolated(f"key {key!r}", "x: [a, b, c]\nd: {k: v, l: [1]}\na/b: s\n'\u00e9:@+ $': u\n'x{y': 2\n",
                   path=f"w/${{{key}}}")
      for key in ["x[-1]", "x.-1", "x[ 1 ]", "x [0]", "\tx.0", "d[k]", "d[l] [0]", "d.k ", "a/b",
                  "\u00e9:@+ $", "x[+1]", "x[1_0]", "x[3]", "x..y", "x[]", "x[0]y", " ", "x{y", "a\tb"]],
    *[Case(f"written {value}",
           {"dvc.yaml": f"vars: [{{x: {value}}}]\nartifacts: {{m: {{path: 'w/${{x}}'}}}}\n"})
      for value in ["{a: 1}", "{a: {b: x y, c: true, d: false}}", "{a: [1, x y, 2.5], b: [], c: {}}",
                    "{a: null, b: ''}", "{a: \"it's\"}", "{1: 2, a: 3}", "{a: !!binary aGk=}",
                    "[1, a, null, true, [2], {b: 1, 2: 3}]", "[[1]]", "{a: [[1]]}", "{a.b: 1, a: {b: 2}}"]],
    # DVC resolves and validates the whole file; only the asked artifact's path is read here
    *[Case(f"elsewhere: {label}", {"dvc.yaml": text, "params.yaml": "x: 1\n"}, difference="whole-file-checks")
      for label, text in [
          ("another artifact's missing variable", "artifacts:\n  m: {path: a}\n  o: {path: '${nope}'}\n"),
          ("type with a missing variable", "artifacts:\n  m: {path: a, type: '${nope}'}\n"),
          ("an unknown key", "artifacts:\n  m: {path: a, foo: 1}\n"),
          ("a stage's missing variable", "artifacts:\n  m: {path: a}\nstages:\n  s: {cmd: 'echo ${nope}'}\n"),
          ("vars not a list", "vars: 3\nartifacts:\n  m: {path: a}\n"),
      ]],
]


def ours(case: Case, repo: str) -> dict:
    try:
        return dict(artifacts_show(case.name, version="v1.0.0", repo=repo))
    except ArtifactNotFoundError as error:
        return {"error": "ArtifactNotFoundError", "message": str(error)}
    except ArtifactsShowError as error:
        return {"error": type(error).__name__, "message": str(error)}


def disagreement(case: Case, mine: dict, dvc: dict) -> Optional[str]:
    """None when the answers agree as the case expects; else what went wrong."""
    if case.difference is None:
        if "path" in dvc or "path" in mine:
            agree = mine == dvc
        else:  # both errors: not found on both sides, or an error on both sides
            agree = (mine["error"] == "ArtifactNotFoundError") == (dvc["error"] == "ArtifactNotFoundError")
    elif case.difference == "url-as-written":
        agree = "path" in dvc and "path" in mine and mine["path"] != dvc["path"]
    elif case.difference == "whole-file-checks":  # dvc.api refuses the file, the path is answered here
        agree = "error" in dvc and "path" in mine
    elif case.difference == "error-as-not-found":  # ruamel's KeyError, caught by DVC's lookup
        agree = dvc.get("error") == "ArtifactNotFoundError" and mine.get("error") == "MalformedFileError"
    else:  # outside-repository, repository-root, windows-drive: dvc.api answers, artifacts-show refuses
        agree = "path" in dvc and mine.get("error") == "MalformedFileError"
    return None if agree else f"{case.label}: ours {mine}, dvc.api {dvc}"


def test_dvc_yaml_reading_as_dvc_api(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))  # no answer remembered
    jobs, mine = [], []
    for index, case in enumerate(CASES):
        repo = str(tmp_path / f"case{index}")
        files = {".dvc/config": "", **case.files}
        build(Registry([Commit("c", files)], [Tag(f"{case.name.replace(':', '=')}@v1.0.0", "c")]), repo)
        jobs.append(dict(repo=repo, name=case.name, version="v1.0.0", stage=None))
        mine.append(ours(case, repo))
    answers = ask_peers(jobs)
    failures = [problem for case, answer, result in zip(CASES, answers, mine)
                if (problem := disagreement(case, result, answer["dvc"])) is not None]
    counts = Counter(case.difference for case in CASES if case.difference)
    paths = sum("path" in answer["dvc"] for answer in answers)
    print(f"\n{len(CASES)} dvc.yaml cases: dvc.api answered {paths} with a path, "
          f"{len(CASES) - paths} with an error; documented differences: "
          + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
    assert not failures, "\n".join(failures)
