"""dvc.yaml reading from bytes, other files through a callable: no git."""

import pytest

from artifacts_show import (
    ArtifactNotFoundError,
    MalformedFileError,
)
from tests.helpers import path_of


def test_plain_and_normalized_paths():
    assert path_of("artifacts:\n  m:\n    path: models/m.pkl\n    type: model\n") == "models/m.pkl"
    assert path_of("artifacts: {m: {path: ./a/../b//m.pkl}}") == "b/m.pkl"
    assert path_of("artifacts: {m: {path: ../b/m.pkl}}", dvcyaml="x/y/dvc.yaml") == "x/b/m.pkl"


@pytest.mark.parametrize("url", ["s3://b/m.pkl", "gs://b/../m", "azure://c/m", "https://h/m", "remote://r/m"])
def test_url_paths_unchanged(url):
    assert path_of(f"artifacts: {{m: {{path: '{url}'}}}}") == url


@pytest.mark.parametrize(
    ("path", "problem"),
    [("../m.pkl", "leaves the repository"), ("/etc/passwd", "is absolute"),
     ("C:\\\\m.pkl", "is absolute"), ("a/../..", "leaves the repository"), ("''", "is empty"),
     (".", "leaves the repository")],
)
def test_paths_refused(path, problem):
    with pytest.raises(MalformedFileError, match=problem) as info:
        path_of(f"artifacts: {{m: {{path: {path}}}}}")
    assert "dvc.yaml at commit c0ffee" in str(info.value)
    assert not isinstance(info.value, ArtifactNotFoundError)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("artifacts:\n  m: {path: a}\n  m: {path: b}\n", "duplicate key 'm'"),
        ("artifacts: [m]\n", "'artifacts' must be a mapping, found a list"),
        ("artifacts: {m: {path: [a]}}\n", "path must be a string, found a list"),
        ("artifacts: {m: {path: 3}}\n", "path must be a string, found int"),
        ("artifacts: {m: [path]}\n", "artifacts.m must be a mapping"),
        ("artifacts: {m: {path: [\n", "invalid YAML"),
        (b"artifacts: {m: {path: \xff}}\n", "not UTF-8"),
        ("[1, 2]\n", "expected a mapping at the top, found a list"),
        ("a: &x {k: 1}\nb: {*x : 1}\n", "unhashable key"),
    ],
)
def test_malformed(content, problem):
    with pytest.raises(MalformedFileError, match=problem) as info:
        path_of(content)
    assert "dvc.yaml at commit c0ffee" in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("artifacts: {a: {path: x}, b: {path: y}}\n", "does not declare artifact 'm'; it declares: a, b"),
        ("stages: {}\n", "declares no artifacts"),
        ("", "declares no artifacts"),
    ],
)
def test_not_declared(content, message):
    with pytest.raises(ArtifactNotFoundError, match=message):
        path_of(content)


def test_other_keys_are_not_validated():
    content = "artifacts:\n  m:\n    path: m.pkl\n    type: [weird]\n    meta: 3\n    labels: x\n"
    assert path_of(content) == "m.pkl"


# Every expectation below is what dvc 3.67.1's dvc.api.artifacts_show answered
# (parity/test_yaml_parity.py asks it again), or one of the differences it names.


@pytest.mark.parametrize("key", ["1", "true", "null", "~", "1e5", "0o17", "010", "2001-12-14"])
def test_artifact_names_that_are_not_strings_make_the_file_an_error(key):
    content = f"artifacts:\n  {key}: {{path: p}}\n  m: {{path: q}}\n"
    with pytest.raises(MalformedFileError, match="not a string: quote it") as info:
        path_of(content)
    assert not isinstance(info.value, ArtifactNotFoundError)
    assert path_of(content.replace(f"  {key}:", f"  '{key}':")) == "q"


def test_artifacts_set_to_nothing_is_an_error():
    with pytest.raises(MalformedFileError, match="'artifacts' must be a mapping, found nothing") as info:
        path_of("artifacts:\n")
    assert not isinstance(info.value, ArtifactNotFoundError)


@pytest.mark.parametrize("document", ["[]", "false", "0", "''", "~"])
def test_empty_looking_documents_are_empty_mappings(document):
    with pytest.raises(ArtifactNotFoundError, match="declares no artifacts"):
        path_of(document + "\n")
    for params in ("params.yaml", "p.json"):
        with pytest.raises(MalformedFileError, match="could not find 'x'"):
            path_of(f"vars: [{params}]\nartifacts: {{m: {{path: 'v/${{x}}'}}}}",
                    files={params: (document if params.endswith("yaml") else "[]").encode()})


# Backslashes in artifacts.<name>.path are separators, as DVC's as_posix makes them,
# after DVC's own normpath (which still sees them inside names).


@pytest.mark.parametrize(
    ("dvcyaml", "path", "expected"),
    [
        ("nlp/dvc.yaml", "weights\\bert.bin", "nlp/weights/bert.bin"),
        ("nlp/dvc.yaml", "..\\shared\\emb.bin", "shared/emb.bin"),
        ("nlp/dvc.yaml", ".\\a\\b", "nlp/a/b"),
        ("nlp/dvc.yaml", "a/b\\", "nlp/a/b"),
        ("dvc.yaml", "a\\\\b", "a/b"),
        ("dvc.yaml", "a\\.\\b", "a/b"),
        ("dvc.yaml", "x\\..\\y", "y"),
        ("dvc.yaml", "a\\b/../c", "c"),  # DVC's normpath drops 'a\b' before a\b becomes a/b
        ("nlp/dvc.yaml", "a\\b/../../c", "c"),
        ("dvc.yaml", "s3:\\\\b\\k", "s3:/b/k"),  # no '://': a path, as for DVC
        ("dvc.yaml", "a\\${x}", "a${x}"),
    ],
)
def test_backslashes_are_separators(dvcyaml, path, expected):
    assert path_of(f"artifacts: {{m: {{path: '{path}'}}}}", dvcyaml=dvcyaml) == expected


def test_backslashes_from_interpolated_values_are_separators():
    files = {"nlp/params.yaml": b"d: 'w\\sub'\nup: '..\\shared'\n"}
    text = "artifacts: {m: {path: '${d}\\m.bin'}, n: {path: '${up}\\m.bin'}}"
    assert path_of(text, dvcyaml="nlp/dvc.yaml", files=files) == "nlp/w/sub/m.bin"
    assert path_of(text, name="n", dvcyaml="nlp/dvc.yaml", files=files) == "shared/m.bin"


@pytest.mark.parametrize(
    ("dvcyaml", "path", "problem"),
    [
        ("nlp/dvc.yaml", "..\\..\\x", "leaves the repository"),
        ("dvc.yaml", "nlp\\..\\..\\x", "leaves the repository"),
        ("nlp/dvc.yaml", "..\\", "leaves the repository"),
        ("dvc.yaml", "\\abs\\x", "is absolute"),
        ("dvc.yaml", "\\\\srv\\share\\x", "is absolute"),
        ("dvc.yaml", "\\", "is absolute"),
    ],
)
def test_backslash_paths_refused_like_their_slash_forms(dvcyaml, path, problem):
    """DVC clamps these at the repository root (abs/x, x, .); refused here, as '/x' and '../x' are."""
    with pytest.raises(MalformedFileError, match=problem):
        path_of(f"artifacts: {{m: {{path: '{path}'}}}}", dvcyaml=dvcyaml)


def declaration_of(content, name="m", files=None):
    from tests.helpers import artifact_declaration

    files = files or {}
    return artifact_declaration(content.encode(), dvcyaml_path="sub/dvc.yaml", name=name, commit="c0ffee",
                                read_file=files.get)


def test_a_declaration_as_dvc_models_it():
    from artifacts_show import Declaration

    assert declaration_of("artifacts: {m: {path: m.pkl}}") == Declaration("sub/m.pkl", None, None, (), {})
    declared = declaration_of(
        "vars: [{team: search}]\nartifacts:\n  m:\n    path: models/m.pkl\n    type: model\n"
        "    desc: the ${team} model\n    labels: [a, '${team}']\n"
        "    meta: {owner: '${team}', n: 3, ratio: 0.5, flag: true, none: ~, nested: {k: [1, '${team}']},\n"
        "           raw: '${n}', when: 2023-11-14, big: .inf, ~: 1, true: 2, 1.5: 3}\n",
        files={"sub/params.yaml": b"n: {deep: x}\n"})
    assert declared == Declaration(
        "sub/models/m.pkl", "model", "the search model", ("a", "search"),
        {"owner": "search", "n": 3, "ratio": 0.5, "flag": True, "none": None, "nested": {"k": [1, "search"]},
         "raw": {"deep": "x"}, "when": "2023-11-14", "big": "inf", "null": 1, "true": 2, "1.5": 3})
    assert declared.annotations() == {"type": "model", "desc": "the search model", "labels": ["a", "search"],
                                      "meta": declared.meta}


@pytest.mark.parametrize(("entry", "problem"), [
    ("{path: m, type: 3}", "artifacts.m.type must be a string, found int"),
    ("{path: m, desc: [a]}", "artifacts.m.desc must be a string, found a list"),
    ("{path: m, labels: a}", "artifacts.m.labels must be a list of strings"),
    ("{path: m, labels: [1]}", "artifacts.m.labels must be a list of strings"),
    ("{path: m, desc: '${nope}'}", "could not find 'nope'"),
    ("{type: model}", "artifacts.m.path must be a string, found nothing"),
])
def test_a_declaration_dvc_would_refuse(entry, problem):
    with pytest.raises(MalformedFileError, match=problem):
        declaration_of(f"artifacts: {{m: {entry}}}")


@pytest.mark.parametrize("meta", ["&a [*a]", "&a {k: [1, *a]}"])
def test_meta_holding_itself_is_refused(meta):
    with pytest.raises(MalformedFileError, match="artifacts.m.meta holds itself"):
        declaration_of(f"artifacts: {{m: {{path: m, meta: {meta}}}}}")


def test_a_value_used_twice_is_not_holding_itself():
    declared = declaration_of("artifacts: {m: {path: m, meta: {a: &x [1], b: *x, c: [*x, *x]}}}")
    assert declared.meta == {"a": [1], "b": [1], "c": [[1], [1]]}


def test_an_alias_bomb_in_meta_is_not_expanded():
    from fixtures.hostile import BOMB

    with pytest.raises(MalformedFileError, match="artifacts.m.meta holds more than 10,000 values"):
        declaration_of(BOMB + "artifacts: {m: {path: m, meta: *i}}")
