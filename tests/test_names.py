"""Artifact names, dirnames and their spelling in tag names."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts_show import InvalidArgumentError
from artifacts_show.names import (
    ArtifactName,
    parse_full_name,
    parse_name_in_tag,
    spelled_otherwise,
    validate_stage,
)


@pytest.mark.parametrize(
    ("text", "dirname", "name"),
    [
        ("m", "", "m"),
        ("model-v2_final", "", "model-v2_final"),
        ("nlp/bert", "", "nlp/bert"),
        ("nlp/models:bert", "nlp/models", "bert"),
        ("nlp/models/dvc.yaml:bert", "nlp/models", "bert"),
        ("dvc.yaml:bert", "", "bert"),
        ("./nlp//models/:bert", "nlp/models", "bert"),
        (".:bert", "", "bert"),
    ],
)
def test_full_names(text, dirname, name):
    assert parse_full_name(text) == ArtifactName(dirname, name)


@pytest.mark.parametrize(
    "text",
    ["", "-m", "m-", "m_", "/m", "m/", "a b", "m@v1.0.0", "m#prod", "a:b:c", ":m", "../up:m",
     "a/../../b:m", "/abs:m", "dir:", "m\n", "m\x00", "x" * 10 + "!", "é"],
)
def test_invalid_full_names(text):
    """A name never holds '@' or '#': the command line alone splits gto's shortcuts off
    (``m@v1.0.0``, ``m#prod``: tests/test_shortcuts.py) before the name is parsed here."""
    with pytest.raises(InvalidArgumentError):
        parse_full_name(text)


def test_one_character_name_and_tag_spelling():
    artifact = parse_full_name("nlp/models:b")
    assert artifact.in_tag == "nlp/models=b"
    assert artifact.full == "nlp/models:b"
    assert artifact.dvcyaml_path == "nlp/models/dvc.yaml"
    assert parse_full_name("b").dvcyaml_path == "dvc.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("m", ArtifactName("", "m")),
        ("nlp/models=bert", ArtifactName("nlp/models", "bert")),
        ("./nlp=bert", None),  # not the canonical spelling the tools write
        ("../x=bert", None),
        ("a=b=c", None),
        ("bert-", None),
    ],
)
def test_names_in_tags(text, expected):
    assert parse_name_in_tag(text) == expected


@pytest.mark.parametrize("stage", ["", "prod!", "pro d", "-prod", "prod#1", None, 3])
def test_invalid_stages(stage):
    with pytest.raises(InvalidArgumentError):
        validate_stage(stage)


@pytest.mark.parametrize(("tag", "otherwise"), [
    ("d/=m@v1.0.0", True), ("./d=m#prod#1", True), ("d/dvc.yaml=m@v1", True), ("d//.=m#dev!", True),
    ("d=m@v1.0.0", False),  # the artifact's own spelling
    ("e/=m@v1", False), ("d/=n@v1", False), ("m@v1", False), ("../d=m@v1", False), ("d/=m", True),
])
def test_tags_spelling_the_folder_otherwise(tag, otherwise):
    assert spelled_otherwise(ArtifactName("d", "m"), tag) is otherwise


@pytest.mark.parametrize(("tag", "otherwise"), [
    ("dvc.yaml=m@v1", True), ("=m#prod", False), ("m@v1", False), ("d=m@v1", False), ("dvc.yaml=n@v1", False),
])
def test_tags_spelling_the_root_otherwise(tag, otherwise):
    assert spelled_otherwise(ArtifactName("", "m"), tag) is otherwise


@given(st.text())
@settings(max_examples=500)
def test_name_parser_raises_only_invalid_argument(text):
    try:
        parsed = parse_full_name(text)
    except InvalidArgumentError:
        return
    assert isinstance(parsed, ArtifactName)
