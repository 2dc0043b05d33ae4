"""DVC's ``${...}`` interpolation, ``vars`` and parameter files, from dvc.yaml bytes: no git."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts_show import (
    ArtifactNotFoundError,
    MalformedFileError,
)
from tests.helpers import artifact_path, interpolated, path_of


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


# Values written as DVC's to_str writes them.
# Every expectation below is what dvc 3.67.1's dvc.api.artifacts_show answered
# (parity/test_yaml_parity.py asks it again), or one of the differences it names.


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


@pytest.mark.parametrize(("content", "problem"), [(b"\xef\xbb\xbf{\"x\": 1}", "invalid JSON"),
                                                  ('{"x": 1}'.encode("utf-16"), "not UTF-8")])
def test_json_is_read_as_strict_utf8_text(content, problem):
    with pytest.raises(MalformedFileError, match=problem):
        path_of("vars: [p.json]\nartifacts: {m: {path: 'v/${x}'}}", files={"p.json": content})


def test_backslashes_in_vars_file_names_are_characters():
    files = {"nlp/conf\\p.yaml": b"x: 2\n", "nlp/conf/p.yaml": b"x: 1\n", "nlp/\\q.yaml": b"y: 3\n"}
    text = "vars: ['conf\\p.yaml', '\\q.yaml']\nartifacts: {m: {path: 'v/${x}${y}'}}"
    assert path_of(text, dvcyaml="nlp/dvc.yaml", files=files) == "nlp/v/23"
    with pytest.raises(MalformedFileError, match=r"vars file nlp/\.\.\\p\.yaml does not exist"):
        path_of("vars: ['..\\p.yaml']\nartifacts: {m: {path: '${x}'}}", dvcyaml="nlp/dvc.yaml",
                files={"p.yaml": b"x: 1\n"})


def test_an_alias_bomb_in_vars_is_looked_at_once_per_shared_node(monkeypatch):
    """Values are checked as DVC checks them, but each shared (aliased) list only once."""
    from artifacts_show import interpolation
    from fixtures.hostile import BOMB

    calls = []
    real = interpolation._check_values
    monkeypatch.setattr(interpolation, "_check_values", lambda *args: calls.append(1) or real(*args))
    content = (BOMB + "vars: [{i: *i}]\nartifacts: {m: {path: '${i}'}}\n").encode()
    with pytest.raises(MalformedFileError, match="must be a string, found a list"):
        artifact_path(content, dvcyaml_path="dvc.yaml", name="m", commit="c", read_file=lambda path: None)
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
    from artifacts_show.interpolation import interpolations

    assert interpolations(text) == [(m.start(), m.end(), m.group("inner")) for m in KEYCRE.finditer(text)]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=".[] \ra1-", max_size=24))
def test_the_key_grammar_accepts_what_dvc_accepts(text):
    """The grammar with one way to match each text (linear) against pyparsing's spelled out."""
    from artifacts_show.interpolation import _KEY_RE

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
