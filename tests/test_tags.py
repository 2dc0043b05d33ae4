import itertools

import pytest

from artifacts_show.names import ArtifactName
from artifacts_show.tags import Action, RegistryTag, Version, format_tag, parse_tag, parse_version

SEMVER_SPEC_ORDER = [
    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
    "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
]
SPEC_EXAMPLE_ORDER = ["v1.9.0", "v1.10.0-alpha", "v1.10.0-rc.1", "v1.10.0-rc.2", "v1.10.0"]


@pytest.mark.parametrize("order", [SEMVER_SPEC_ORDER, SPEC_EXAMPLE_ORDER])
def test_semver_precedence(order):
    versions = [parse_version(text) for text in order]
    assert sorted(reversed(versions)) == versions
    for left, right in itertools.combinations(versions, 2):
        assert left < right and right > left and left != right and left <= right


def test_build_metadata_does_not_affect_precedence():
    plain, built = parse_version("1.0.0"), parse_version("v1.0.0+build.5")
    assert plain == built and hash(plain) == hash(built)
    assert str(built) == "v1.0.0+build.5"
    assert parse_version("1.0.0+b") < parse_version("1.0.1-rc.1+b")


def test_numeric_identifiers_compare_numerically():
    assert parse_version("1.10.0") > parse_version("1.9.0")
    assert parse_version("1.0.0-rc.10") > parse_version("1.0.0-rc.9")
    assert parse_version("1.0.0-11") < parse_version("1.0.0-9a")


@pytest.mark.parametrize("text", ["1.2.3", "v1.2.3"])
def test_with_and_without_v(text):
    assert parse_version(text) == Version(1, 2, 3)
    assert str(parse_version(text)) == "v1.2.3"


@pytest.mark.parametrize(
    "text",
    ["", "v", "1", "1.2", "v1.2", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3-a..b",
     "V1.2.3", "vv1.2.3", " 1.2.3", "1.2.3\n", "1.2.3.4", "latest", "v1.2.3-é"],
)
def test_not_semver(text):
    assert parse_version(text) is None


M = ArtifactName("", "m")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("m@v1.0.0", RegistryTag("m@v1.0.0", M, Action.REGISTER, Version(1, 0, 0))),
        ("m@v1.0.0!", RegistryTag("m@v1.0.0!", M, Action.DEREGISTER, Version(1, 0, 0))),
        ("m@v1.0.0-rc.1+b.2!#12", RegistryTag(
            "m@v1.0.0-rc.1+b.2!#12", M, Action.DEREGISTER,
            Version(1, 0, 0, ("rc", "1"), ("b", "2")), counter=12)),
        ("m#prod", RegistryTag("m#prod", M, Action.ASSIGN, stage="prod")),
        ("m#prod#3", RegistryTag("m#prod#3", M, Action.ASSIGN, stage="prod", counter=3)),
        ("m#prod!#4", RegistryTag("m#prod!#4", M, Action.UNASSIGN, stage="prod", counter=4)),
        ("m@deprecated", RegistryTag("m@deprecated", M, Action.DEPRECATE)),
        ("m@created#1", RegistryTag("m@created#1", M, Action.CREATE, counter=1)),
        ("nlp/models=bert#a/b-c#2", RegistryTag(
            "nlp/models=bert#a/b-c#2", ArtifactName("nlp/models", "bert"), Action.ASSIGN,
            stage="a/b-c", counter=2)),
    ],
)
def test_registry_tags(name, expected):
    parsed = parse_tag(name)
    assert parsed == expected
    assert format_tag(parsed) == name


@pytest.mark.parametrize(
    "name",
    ["m", "m@1.0.0", "m@v1.0", "m@latest", "m#prod#", "m#prod#x", "m#prod!!", "m@v1.0.0#", "m@",
     "m#", "release-1", "m@deprecated!", "m@v1.0.0 ", "=m@v1.0.0", "./d=m@v1.0.0", "m-@v1.0.0",
     "m@v1.0.0#1#2", "m#-prod"],
)
def test_not_registry_tags(name):
    assert parse_tag(name) is None


def test_another_artifact_is_not_this_one():
    assert parse_tag("model-v2@v1.0.0").artifact == ArtifactName("", "model-v2")
