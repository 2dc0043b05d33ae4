"""YAML as DVC's ruamel.yaml reads it: scalars, merge keys, versions, nesting."""

import pytest

from artifacts_show import MalformedFileError
from artifacts_show.yaml12 import Where, load_yaml
from tests.helpers import artifact_path, interpolated, path_of


@pytest.mark.parametrize(
    ("value", "written"),
    [
        # YAML 1.1 booleans and sexagesimals are strings in 1.2
        ("NO", "NO"), ("on", "on"), ("yes", "yes"), ("off", "off"), ("y", "y"), ("1:30", "1:30"),
        ("tRue", "tRue"), ("true", "true"), ("True", "true"), ("FALSE", "false"),
        # ints: leading zeros are decimal; 0o, 0x, 0b and _ as ruamel reads them
        ("010", "10"), ("-010", "-10"), ("0o17", "15"), ("0x1F", "31"), ("0b101", "5"),
        ("1_000", "1000"), ("+1", "1"), ("-0", "0"), ("0O17", "0O17"), ("0X1F", "0X1F"),
        ("12345678901234567890123", "12345678901234567890123"),
        # floats: str() of the float, as DVC writes it
        ("1e-5", "1e-05"), ("1e5", "100000.0"), ("1.0e+5", "100000.0"), ("1E+2", "100.0"),
        ("1.", "1.0"), ("-0.0", "-0.0"), ("1e400", "inf"), ("1e-400", "0.0"), ("1_0e1", "100.0"),
        (".inf", "inf"), ("-.inf", "-inf"), (".NaN", "nan"), (".5e5", ".5e5"), ("inf", "inf"),
        # None, bytes, explicit tags and quotes
        ("~", "None"), ("null", "None"), ("NULL", "None"), ("", "None"), ("nULL", "nULL"),
        ("!!binary aGk=", "b'hi'"), ("!!bool yes", "true"), ("!!int '010'", "10"),
        ("!!float '1'", "1.0"), ("!!str 010", "010"), ("'010'", "010"), ("'on'", "on"),
    ],
)
def test_scalars_are_typed_and_written_as_dvc_does(value, written):
    assert interpolated(value) == f"v/{written}"


@pytest.mark.parametrize("value", ["0x_", "+_", "._", "!!int 1:30", "!!bool maybe", "2001-13-45", "=", "<<"])
def test_scalars_ruamel_cannot_build_are_errors(value):
    """DVC fails on each as well (for '!!bool maybe' its lookup takes ruamel's KeyError for 'not found')."""
    with pytest.raises(MalformedFileError, match="params.yaml at commit c0ffee: invalid YAML"):
        interpolated(value)


@pytest.mark.parametrize(
    ("header", "written"),
    [("%YAML 1.1\n---\n", "true-8-90-100000.0"), ("# first\n%YAML 1.1\n---\n", "true-8-90-100000.0"),
     ("%YAML 1.2\n---\n", "on-10-1:30-100000.0"), ("", "on-10-1:30-100000.0")],
)
def test_a_yaml_1_1_directive_brings_back_yaml_1_1_scalars(header, written):
    files = {"params.yaml": f"{header}a: on\nb: 010\nc: 1:30\nd: 1e5\n".encode()}
    assert path_of("artifacts: {m: {path: '${a}-${b}-${c}-${d}'}}", files=files) == written


def test_other_yaml_versions_are_errors():
    with pytest.raises(MalformedFileError, match="YAML 1.3 is not supported"):
        path_of("%YAML 1.3\n---\nartifacts: {m: {path: a}}\n")


@pytest.mark.parametrize("key", ["on", "yes", "NO", "off", "y", "n", "Null_", "0o8"])
def test_yaml_1_1_words_are_artifact_names(key):
    assert path_of(f"artifacts:\n  {key}: {{path: p}}\n", name=key) == "p"


@pytest.mark.parametrize(
    ("artifacts", "path"),
    [
        ("a: &b {path: a/b, type: t}\n  m: {<<: *b, path: c/d}", "c/d"),
        ("a: &b {path: a/b, type: t}\n  m: {<<: *b}", "a/b"),
        ("a: &a {path: p1}\n  b: &b {path: p2}\n  m: {<<: [*a, *b]}", "p1"),
        ("a: &b {type: t}\n  m: {<<: *b, path: x, path: y}", "y"),  # with <<, later keys win
    ],
)
def test_merge_keys_as_ruamel_merges_them(artifacts, path):
    assert path_of(f"artifacts:\n  {artifacts}\n") == path


@pytest.mark.parametrize(
    ("artifacts", "problem"),
    [
        ("a: &a {path: p}\n  b: &b {type: t}\n  m: {<<: *a, <<: *b}", "duplicate merge key"),
        ("a: &a {}\n  m: {<<: *a, path: x, path: y}", "duplicate key 'path'"),  # an empty << merges nothing
        ("m: {<<: 1, path: x}", "expected a mapping or list of mappings"),
    ],
)
def test_merge_key_errors(artifacts, problem):
    with pytest.raises(MalformedFileError, match=problem):
        path_of(f"artifacts:\n  {artifacts}\n")


def test_load_yaml_keys_and_values():
    where = Where("f.yaml", "c0ffee")
    assert load_yaml(b"? [1, 2]\n: x\non: 010\n", where) == {(1, 2): "x", "on": 10}
    assert load_yaml(b"", where) is None
    assert load_yaml(b"a: 1\nb: {<<: {a: 2}, c: 3}\n", where) == {"a": 1, "b": {"a": 2, "c": 3}}


@pytest.mark.parametrize("document", [
    "artifacts:\n  m:\n    path: " + "[" * 50_000 + "]" * 50_000 + "\n",  # libyaml's composer would crash
    "%YAML 1.2\n---\nartifacts:\n  m:\n    path: " + "[" * 5_000 + "]" * 5_000 + "\n",
    "artifacts:\n  m:\n    path:\n    - " + "- " * 300 + "x\n",
])
def test_deep_nesting_is_refused_not_a_crash(document):
    # newer libyaml refuses on its own ("maximum nesting depth"); older ones would crash
    with pytest.raises(MalformedFileError, match="nested deeper than|maximum nesting depth"):
        artifact_path(document.encode(), dvcyaml_path="dvc.yaml", name="m", commit="c", read_file=lambda path: None)
