"""dvc.yaml reading from bytes, other files through a callable: no git."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts_show import (
    ArtifactNotFoundError,
    MalformedFileError,
)
from artifacts_show.dvcyaml import Where, artifact_path, load_yaml


def path_of(content, name="m", dvcyaml="dvc.yaml", files=None):
    files = files or {}
    return artifact_path(
        content.encode() if isinstance(content, str) else content,
        dvcyaml_path=dvcyaml, name=name, commit="c0ffee", read_file=files.get,
    )


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


def test_interpolation_sources_and_order():
    files = {
        "d/params.yaml": b"model: {dir: models}\nn: 3\n",
        "d/conf.yaml": b"ext: onnx\n",
        "d/p.json": b'{"tag": "x", "skip": 1}',
        "shared.yaml": b"flag: false\nlst: [a, b]\n",
    }
    text = ("vars:\n  - conf.yaml\n  - p.json:tag\n  - ../shared.yaml\n  - {inline: i}\n"
            "artifacts:\n  m:\n"
            "    path: ${model.dir}/${ n }-${tag}-${flag}-${lst[1]}-${lst.0}-${inline}.${ext}\n")
    assert path_of(text, dvcyaml="d/dvc.yaml", files=files) == "d/models/3-x-false-b-a-i.onnx"


def test_whole_file_listed_twice_is_loaded_once():
    files = {"params.yaml": b"a: 1\n"}
    assert path_of("vars: [params.yaml]\nartifacts: {m: {path: 'x${a}'}}", files=files) == "x1"


def test_escaped_interpolation_is_literal():
    assert path_of("artifacts: {m: {path: 'a/\\${b}'}}") == "a/${b}"


@pytest.mark.parametrize(
    ("text", "files", "problem"),
    [
        ("artifacts: {m: {path: '${x}'}}", {}, "could not find 'x'"),
        ("vars: [{x: 1}, {x: 2}]\nartifacts: {m: {path: '${x}'}}", {}, "cannot redefine 'x'"),
        ("vars: [{x: {a: 1}}, {x: {a: 2}}]\nartifacts: {m: {path: '${x.a}'}}", {}, "cannot redefine 'a'"),
        ("vars: [{x: {a: [[1]]}}]\nartifacts: {m: {path: 'a${x}'}}", {}, "'a' holds a list or a mapping"),
        ("vars: [{x: {a.b: 1, a: {b: 2}}}]\nartifacts: {m: {path: 'a${x}'}}", {}, "'a.b' names two values"),
        ("vars: [{x: {a: 1}}]\nartifacts: {m: {path: '${x}'}}", {}, "must be a string, found a mapping"),
        ("vars: [nope.yaml]\nartifacts: {m: {path: '${x}'}}", {}, "vars file nope.yaml does not exist"),
        ("vars: [p.yaml:y]\nartifacts: {m: {path: '${x}'}}", {"p.yaml": b"x: 1"},
         "could not find 'y' in p.yaml"),
        ("vars: [p.toml]\nartifacts: {m: {path: '${x}'}}", {"p.toml": b"x = 1"},
         "unsupported parameters file"),
        ("vars: [p.json]\nartifacts: {m: {path: '${x}'}}", {"p.json": b"{"}, "invalid JSON"),
        ("vars: [../../p.yaml]\nartifacts: {m: {path: '${x}'}}", {}, "leaves the repository"),
        ("vars: {x: 1}\nartifacts: {m: {path: '${x}'}}", {}, "'vars' must be a list"),
        ("artifacts: {m: {path: '${x..y}'}}", {}, "not a variable name"),
        ("artifacts: {m: {path: '${x[]}'}}", {}, "not a variable name"),
        ("artifacts: {m: {path: '${x[0]y}'}}", {}, "not a variable name"),
        ("artifacts: {m: {path: '${x]}'}}", {}, "not a variable name"),
        ("artifacts: {m: {path: '${ }'}}", {}, "could not find ''"),
        ("vars: [{x: [a]}]\nartifacts: {m: {path: 'a${x[1]}'}}", {}, "could not find 'x\\[1\\]'"),
        ("vars: [{x: [a]}]\nartifacts: {m: {path: 'a${x[y]}'}}", {}, "could not find"),
        ("vars: [{x: 1}]\nartifacts: {m: {path: 'a${x.y}'}}", {}, "could not find 'x.y'"),
        ("artifacts: {m: {path: '${x}'}}", {"params.yaml": b"- 1\n"},
         "params.yaml at commit c0ffee: expected a mapping"),
    ],
)
def test_interpolation_errors(text, files, problem):
    with pytest.raises(MalformedFileError, match=problem):
        path_of(text, files=files)


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


# YAML as DVC reads it: ruamel.yaml's YAML 1.2, values written as DVC's to_str writes them.
# Every expectation below is what dvc 3.67.1's dvc.api.artifacts_show answered
# (parity/test_yaml_parity.py asks it again), or one of the differences it names.


def interpolated(value, text="artifacts: {m: {path: 'v/${x}'}}"):
    return path_of(text, files={"params.yaml": f"x: {value}\n".encode()})


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


@pytest.mark.parametrize("value", ["010", "1e5", "true", "null", "!!binary aGk="])
def test_a_whole_path_from_one_variable_must_be_a_string(value):
    with pytest.raises(MalformedFileError, match=r"artifacts.m.path '\$\{x\}' must be a string"):
        interpolated(value, text="artifacts: {m: {path: '${x}'}}")


def test_a_whole_path_from_one_string_variable():
    assert interpolated("on", text="artifacts: {m: {path: '${x}'}}") == "on"
    assert interpolated("'b\\${y}'", text="artifacts: {m: {path: '${x}'}}") == "b/${y}"  # no unescaping


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ("x: 1\nunused: 2001-12-14\n", "unsupported value of type 'date' in 'params.yaml:unused'"),
        ("x: 1\nl: [1, {t: 2001-12-14 21:59:43}]\n", "type 'datetime' in 'params.yaml:l.1.t'"),
        ("x: 1\ns: !!set {a}\n", "type 'set' in 'params.yaml:s'"),
    ],
)
def test_values_dvc_cannot_hold_fail_the_whole_file(params, problem):
    with pytest.raises(MalformedFileError, match=problem):
        path_of("artifacts: {m: {path: 'v/${x}'}}", files={"params.yaml": params.encode()})


def test_unsupported_values_in_vars_and_selected_keys():
    with pytest.raises(MalformedFileError, match=r"type 'date' in 'vars\[1\]:d'"):
        path_of("vars: [{x: 1}, {d: 2001-12-14}]\nartifacts: {m: {path: 'v/${x}'}}")
    files = {"p.yaml": b"x: 1\nd: 2001-12-14\n"}  # DVC checks only the keys it selects
    assert path_of("vars: ['p.yaml:x']\nartifacts: {m: {path: 'v/${x}'}}", files=files) == "v/1"


def test_escapes_are_undone_after_interpolation_even_in_values():
    files = {"params.yaml": b"x: 'b\\${y}'\n"}
    assert path_of("artifacts: {m: {path: 'a/${x}'}}", files=files) == "a/b${y}"
    assert path_of("artifacts: {m: {path: 'a/\\\\${x}'}}", files=files) == "a/${x}"  # \\${ then \ -> /


@pytest.mark.parametrize(("key", "path"), [
    ("x[-1]", "w/c"), ("x.-1", "w/c"), ("x[ 1 ]", "w/b"), ("x [0]", "w/a"), ("\tx.0", "w/a"),
    ("d[k]", "w/v"), ("d[l] [0]", "w/1"), ("d.k ", "w/v"), ("a/b", "w/s"), ("é:@+ $", "w/u"),
    ("x[+1]", "w/b"), ("x[1_0]", None),
])
def test_variables_select_as_dvc_parser_reads_them(key, path):
    """Names are anything but '.', '[' and ']'; '[k]' is '.k'; list positions are int(), negative
    ones from the end; tabs are spaces; after ']' a space may come before '.'."""
    params = b"x: [a, b, c]\nd: {k: v, l: [1]}\na/b: s\n'\xc3\xa9:@+ $': u\n"
    text = f"artifacts: {{m: {{path: 'w/${{{key}}}'}}}}"
    if path is None:
        with pytest.raises(MalformedFileError, match="could not find"):
            path_of(text, files={"params.yaml": params})
    else:
        assert path_of(text, files={"params.yaml": params}) == path


@pytest.mark.parametrize(("value", "written"), [
    ("{a: 1}", "--a 1"), ("{a: {b: x y, c: true, d: false}}", "--a.b 'x y' --a.c"),
    ("{a: [1, x y, 2.5], b: [], c: {}}", "--a 1 'x y' 2.5"), ("{a: null, b: ''}", "--a None --b ''"),
    ("{a: \"it's\"}", "--a 'it'\"'\"'s'"), ("{1: 2, a: 3}", "--a 3"), ("{a: !!binary aGk=}", "--a 104 105"),
    ("[1, a, null, true, [2], {b: 1, 2: 3}]", "[1, 'a', None, True, [2], {'b': 1}]"), ("[[1]]", "[[1]]"),
])
def test_mappings_and_lists_are_written_as_dvc_writes_them(value, written):
    assert path_of(f"vars: [{{x: {value}}}]\nartifacts: {{m: {{path: 'w/${{x}}'}}}}") == f"w/{written}"


def test_artifact_names_are_interpolated_and_the_later_of_two_alike_wins():
    files = {"params.yaml": b"x: m\nn: 1\n"}
    assert path_of("artifacts:\n  ${x}: {path: a}\n", files=files) == "a"
    assert path_of("artifacts:\n  m: {path: lit}\n  ${x}: {path: interp}\n", files=files) == "interp"
    assert path_of("artifacts:\n  ${x}: {path: interp}\n  m: {path: lit}\n", files=files) == "lit"
    assert path_of("artifacts:\n  ${x}2: {path: b}\n", name="m2", files=files) == "b"
    assert path_of("artifacts:\n  m\\${x}: {path: c}\n", name="m${x}", files=files) == "c"
    with pytest.raises(ArtifactNotFoundError, match="it declares: m"):
        path_of("artifacts:\n  ${x}: {path: a}\n", name="o", files=files)
    with pytest.raises(MalformedFileError, match="is int once interpolated, not a string"):
        path_of("artifacts:\n  ${n}: {path: a}\n  m: {path: b}\n", files=files)
    with pytest.raises(MalformedFileError, match="could not find 'y'"):
        path_of("artifacts:\n  ${y}: {path: a}\n  m: {path: b}\n", files=files)


@pytest.mark.parametrize("vars_section", [
    "[{x: '${y}'}, {y: 1}]", "[{'${y}': 1}]", "['${f}.yaml']", "[{x: [a, {b: 'c${d}'}]}]",
])
def test_interpolation_inside_vars_is_refused_even_when_unused(vars_section):
    with pytest.raises(MalformedFileError, match="'vars' cannot interpolate"):
        path_of(f"vars: {vars_section}\nartifacts: {{m: {{path: plain}}}}")
    assert path_of("vars: [{x: 'a\\${y}'}]\nartifacts: {m: {path: 'w/${x}'}}") == "w/a${y}"


def test_a_brace_inside_a_variable_is_part_of_its_name():
    with pytest.raises(MalformedFileError, match="could not find 'x{y'"):
        path_of("artifacts: {m: {path: 'a/${x{y}'}}", files={"params.yaml": b"x: 1\n"})
    assert path_of("artifacts: {m: {path: 'a/${x{y}'}}", files={"params.yaml": b"'x{y': 2\n"}) == "a/2"


@pytest.mark.parametrize("key", ["on", "yes", "NO", "off", "y", "n", "Null_", "0o8"])
def test_yaml_1_1_words_are_artifact_names(key):
    assert path_of(f"artifacts:\n  {key}: {{path: p}}\n", name=key) == "p"


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


@pytest.mark.parametrize(("content", "problem"), [(b"\xef\xbb\xbf{\"x\": 1}", "invalid JSON"),
                                                  ('{"x": 1}'.encode("utf-16"), "not UTF-8")])
def test_json_is_read_as_strict_utf8_text(content, problem):
    with pytest.raises(MalformedFileError, match=problem):
        path_of("vars: [p.json]\nartifacts: {m: {path: 'v/${x}'}}", files={"p.json": content})


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


def test_backslashes_in_vars_file_names_are_characters():
    files = {"nlp/conf\\p.yaml": b"x: 2\n", "nlp/conf/p.yaml": b"x: 1\n", "nlp/\\q.yaml": b"y: 3\n"}
    text = "vars: ['conf\\p.yaml', '\\q.yaml']\nartifacts: {m: {path: 'v/${x}${y}'}}"
    assert path_of(text, dvcyaml="nlp/dvc.yaml", files=files) == "nlp/v/23"
    with pytest.raises(MalformedFileError, match=r"vars file nlp/\.\.\\p\.yaml does not exist"):
        path_of("vars: ['..\\p.yaml']\nartifacts: {m: {path: '${x}'}}", dvcyaml="nlp/dvc.yaml",
                files={"p.yaml": b"x: 1\n"})


def test_an_alias_bomb_in_vars_is_looked_at_once_per_shared_node(monkeypatch):
    """Values are checked as DVC checks them, but each shared (aliased) list only once."""
    from artifacts_show import dvcyaml
    from fixtures.hostile import BOMB

    calls = []
    real = dvcyaml._check_values
    monkeypatch.setattr(dvcyaml, "_check_values", lambda *args: calls.append(1) or real(*args))
    content = (BOMB + "vars: [{i: *i}]\nartifacts: {m: {path: '${i}'}}\n").encode()
    with pytest.raises(MalformedFileError, match="must be a string, found a list"):
        dvcyaml.artifact_path(content, dvcyaml_path="dvc.yaml", name="m", commit="c", read_file=lambda path: None)
    assert len(calls) < 200  # 9 levels of 10 aliases: 10**9 nodes if walked naively


@pytest.mark.parametrize("use", ["a/${i}", "a/${m}"])
def test_an_alias_bomb_written_into_a_path_is_refused_at_once(use):
    """DVC would write out 10**9 values; a value of more than MAX_INTERPOLATED is an error."""
    from fixtures.hostile import BOMB

    content = BOMB + f"vars: [{{i: *i, m: {{a: *i}}}}]\nartifacts: {{m: {{path: '{use}'}}}}\n"
    with pytest.raises(MalformedFileError, match="holds more than 10,000 values"):
        path_of(content)


def test_a_list_that_holds_itself_is_refused():
    with pytest.raises(MalformedFileError, match="holds more than 10,000 values"):
        path_of("vars: [{x: &x [1, *x]}]\nartifacts: {m: {path: 'a/${x}'}}\n")


@pytest.mark.parametrize("document", [
    "artifacts:\n  m:\n    path: " + "[" * 50_000 + "]" * 50_000 + "\n",  # libyaml's composer would crash
    "%YAML 1.2\n---\nartifacts:\n  m:\n    path: " + "[" * 5_000 + "]" * 5_000 + "\n",
    "artifacts:\n  m:\n    path:\n    - " + "- " * 300 + "x\n",
])
def test_deep_nesting_is_refused_not_a_crash(document):
    # newer libyaml refuses on its own ("maximum nesting depth"); older ones would crash
    with pytest.raises(MalformedFileError, match="nested deeper than|maximum nesting depth"):
        artifact_path(document.encode(), dvcyaml_path="dvc.yaml", name="m", commit="c", read_file=lambda path: None)


def test_a_huge_integer_in_a_path_is_an_error():
    content = b"vars: [{n: " + b"1" * 5000 + b"}]\nartifacts:\n  m:\n    path: m${n}.pkl\n"
    with pytest.raises(MalformedFileError, match="integer string conversion|cannot interpolate"):
        artifact_path(content, dvcyaml_path="dvc.yaml", name="m", commit="c", read_file=lambda path: None)


def test_deeply_nested_json_vars_is_an_error():
    content = b"vars: [p.json]\nartifacts:\n  m:\n    path: m${b}.pkl\n"
    nested = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(MalformedFileError, match="p.json"):
        artifact_path(content, dvcyaml_path="dvc.yaml", name="m", commit="c",
                      read_file=lambda path: b'{"a": ' + nested + b"}" if path == "p.json" else None)


KEYCRE = re.compile(r"(?<!\\)\$\{(?P<inner>.*?)\}")  # DVC's, as dvc/parsing/interpolate.py writes it
DVC_GRAMMAR = re.compile(r"[^.\[\]]+(?:[ \r]*(?:\.[^.\[\]]+|\[[^.\[\]]+\]))*[ \r]*")  # pyparsing's, spelled out


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="${}\\\na ", max_size=40))
def test_interpolations_are_found_where_dvc_finds_them(text):
    """One pass, where DVC's expression takes quadratic time on a line of '${' without '}'."""
    from artifacts_show.dvcyaml import _interpolations

    assert _interpolations(text) == [(m.start(), m.end(), m.group("inner")) for m in KEYCRE.finditer(text)]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=".[] \ra1-", max_size=24))
def test_the_key_grammar_accepts_what_dvc_accepts(text):
    """The grammar with one way to match each text (linear) against pyparsing's spelled out."""
    from artifacts_show.dvcyaml import _KEY_RE

    assert bool(_KEY_RE.fullmatch(text)) == bool(DVC_GRAMMAR.fullmatch(text))


def test_an_integer_too_long_to_write_inside_a_mapping_is_an_error():
    with pytest.raises(MalformedFileError, match="cannot interpolate 'x'.*digits"):
        path_of("vars: [{x: {a: 0x" + "f" * 4000 + "}}]\nartifacts: {m: {path: 'w/${x}'}}")


def test_merging_into_an_aliased_mapping_changes_only_the_one_named():
    """params `a: &x {p: 1}` and `b: *x`; vars add `a.q`: `b` stays `{p: 1}`, as in DVC."""
    files = {"params.yaml": b"a: &x {p: 1}\nb: *x\n"}
    text = "vars: [{a: {q: 2}}]\nartifacts: {m: {path: 'w/${b}/${a.q}'}}"
    assert path_of(text, files=files) == "w/--p 1/2"
    with pytest.raises(MalformedFileError, match="could not find 'b.q'"):
        path_of("vars: [{a: {q: 2}}]\nartifacts: {m: {path: 'w/${b.q}'}}", files=files)
