"""The tag grammar and semver: examples, then properties (hypothesis): only the designed errors,
round trips, a total order."""

from __future__ import annotations

import functools
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts_show.names import ArtifactName
from artifacts_show.tags import (
    Action,
    RegistryTag,
    Version,
    format_tag,
    parse_tag,
    parse_tag_of,
    parse_version,
)

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


NAME_CHARS = "abcXYZ019"
names = st.builds(
    lambda first, middle, last: first + middle + last if middle or last else first,
    st.sampled_from(NAME_CHARS),
    st.text(NAME_CHARS + "-_/", max_size=8).filter(lambda text: "//" not in text),
    st.one_of(st.just(""), st.sampled_from(NAME_CHARS)),
).filter(lambda name: not name.endswith(("-", "_", "/")))
dirnames = st.lists(st.text(NAME_CHARS + "-_.", min_size=1, max_size=5)
                    .filter(lambda part: part not in (".", "..")), max_size=3).map("/".join)
numbers = st.integers(min_value=0, max_value=10**6)
identifiers = st.one_of(numbers.map(str), st.text("abcz-", min_size=1, max_size=4).map(lambda t: t + "x"))
versions = st.builds(
    Version, numbers, numbers, numbers,
    st.lists(identifiers, max_size=3).map(tuple),
    st.lists(st.text("ab01-", min_size=1, max_size=3), max_size=2).map(tuple),
)


def registry_tag(artifact, action, version, stage, counter) -> RegistryTag:
    """A tag of ``action``, keeping the version or the stage only where the action has one."""
    return RegistryTag(
        "", artifact, action,
        version if action in (Action.REGISTER, Action.DEREGISTER) else None,
        stage if action in (Action.ASSIGN, Action.UNASSIGN) else None,
        counter,
    )


@given(st.text())
@settings(max_examples=500)
def test_tag_parser_never_raises(text):
    parsed = parse_tag(text)
    assert parsed is None or parsed.name == text


@given(st.text())
def test_version_parser_never_raises(text):
    parsed = parse_version(text)
    assert parsed is None or str(parsed).lstrip("v") == text.lstrip("v")


@given(
    dirnames, names, st.sampled_from(list(Action)), versions, names,
    st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)),
)
@settings(max_examples=500)
def test_formatting_a_parsed_tag_gives_it_back(dirname, name, action, version, stage, counter):
    tag = registry_tag(ArtifactName(dirname, name), action, version, stage, counter)
    text = format_tag(tag)
    parsed = parse_tag(text)
    assert parsed == tag._replace(name=text)
    assert format_tag(parsed) == text


@given(
    dirnames, names, dirnames, names, st.sampled_from(list(Action)), versions, names,
    st.one_of(st.none(), st.integers(min_value=0, max_value=99)), st.text(),
)
@settings(max_examples=500)
def test_the_tags_of_one_artifact_are_what_the_grammar_says(
    dirname, name, other_dirname, other_name, action, version, stage, counter, noise
):
    """The prefix test of parse_tag_of leaves out nothing that parse_tag gives the artifact."""
    artifact = ArtifactName(dirname, name)
    tagged = ArtifactName(other_dirname, other_name)
    for owner in (artifact, tagged):
        text = format_tag(registry_tag(owner, action, version, stage, counter))
        for candidate in (text, text + noise, noise):
            whole = parse_tag(candidate)
            expected = whole if whole is not None and whole.artifact == artifact else None
            assert parse_tag_of(artifact, candidate) == expected


@given(st.lists(versions, min_size=1, max_size=8))
def test_precedence_is_a_total_order(items):
    ordered = sorted(items)
    for left, right in zip(ordered, ordered[1:]):
        assert left <= right and not right < left
    for a in items:
        for b in items:
            assert (a < b) + (a == b) + (a > b) == 1
            assert (a == b) == (hash(a) == hash(b)) or a != b
            for c in items:
                if a <= b and b <= c:
                    assert a <= c


@given(versions, versions)
def test_build_metadata_never_decides(a, b):
    assert (a == b) == (a._replace(build=()) == b._replace(build=()))


def semver_compare(a: str, b: str) -> int:
    """Section 11 of semver.org, written independently of tags.Version, for cross-checking."""
    def split(text):
        main, _, pre = text.split("+")[0].partition("-")
        return [int(part) for part in main.split(".")], pre.split(".") if pre else []

    (main_a, pre_a), (main_b, pre_b) = split(a), split(b)
    if main_a != main_b:
        return -1 if main_a < main_b else 1
    if not pre_a or not pre_b:
        return (not pre_a) - (not pre_b)
    for x, y in zip(pre_a, pre_b):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return -1 if x < y else 1
    return (len(pre_a) > len(pre_b)) - (len(pre_a) < len(pre_b))


@given(versions, versions)
@settings(max_examples=500)
def test_precedence_agrees_with_the_specification(a, b):
    expected = semver_compare(str(a)[1:], str(b)[1:])
    assert ((a > b) - (a < b)) == expected


def test_the_specification_examples_in_order():
    examples = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1"]
    parsed = [parse_version(text) for text in examples]
    assert sorted(parsed[::-1]) == parsed
    assert sorted(examples[::-1], key=functools.cmp_to_key(semver_compare)) == examples
