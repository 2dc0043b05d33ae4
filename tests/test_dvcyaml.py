"""dvc.yaml reading from bytes, other files through a callable: no git."""

import pytest

from artifacts_show import ArtifactNotFoundError, ArtifactsShowError
from artifacts_show.dvcyaml import artifact_path


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
    with pytest.raises(ArtifactsShowError, match=problem) as info:
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
            "artifacts:\n  m:\n    path: ${model.dir}/${ n }-${tag}-${flag}-${lst[1]}-${lst.0}-${inline}.${ext}\n")
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
        ("vars: [{x: [1]}]\nartifacts: {m: {path: 'a${x}'}}", {}, "cannot interpolate 'x'"),
        ("vars: [{x: {a: 1}}]\nartifacts: {m: {path: '${x}'}}", {}, "which is a mapping"),
        ("vars: [nope.yaml]\nartifacts: {m: {path: '${x}'}}", {}, "vars file nope.yaml does not exist"),
        ("vars: [p.yaml:y]\nartifacts: {m: {path: '${x}'}}", {"p.yaml": b"x: 1"}, "could not find 'y' in p.yaml"),
        ("vars: [p.toml]\nartifacts: {m: {path: '${x}'}}", {"p.toml": b"x = 1"}, "unsupported parameters file"),
        ("vars: [p.json]\nartifacts: {m: {path: '${x}'}}", {"p.json": b"{"}, "invalid JSON"),
        ("vars: [../../p.yaml]\nartifacts: {m: {path: '${x}'}}", {}, "leaves the repository"),
        ("vars: {x: 1}\nartifacts: {m: {path: '${x}'}}", {}, "'vars' must be a list"),
        ("artifacts: {m: {path: '${a b}'}}", {}, "not a variable name"),
        ("artifacts: {m: {path: '${x}'}}", {"params.yaml": b"- 1\n"}, "params.yaml at commit c0ffee: expected a mapping"),
    ],
)
def test_interpolation_errors(text, files, problem):
    with pytest.raises(ArtifactsShowError, match=problem):
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
        ("a: &x [1]\nb: {*x : 1}\n", "unhashable key"),
    ],
)
def test_malformed(content, problem):
    with pytest.raises(ArtifactsShowError, match=problem) as info:
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
