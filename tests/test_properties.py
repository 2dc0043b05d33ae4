"""Property tests of the grammar (hypothesis): only the designed errors, round trips, a total order."""

from __future__ import annotations

import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts_show import InvalidArgumentError
from artifacts_show.names import ArtifactName, parse_full_name
from artifacts_show.tags import (
    Action,
    RegistryTag,
    Version,
    format_tag,
    parse_tag,
    parse_tag_of,
    parse_version,
)

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
@settings(max_examples=500)
def test_name_parser_raises_only_invalid_argument(text):
    try:
        parsed = parse_full_name(text)
    except InvalidArgumentError:
        return
    assert isinstance(parsed, ArtifactName)


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
