"""gto's shortcuts as names on the command line: taken apart, refused, and answering exactly as
their flag forms do on every lookup of the test tables."""

from __future__ import annotations

import pytest

from artifacts_show import InvalidArgumentError
from artifacts_show.cli import main
from artifacts_show.shortcuts import Shortcut, split_shortcut
from fixtures.registries import CASES, EXAMPLE_LOOKUPS, EXAMPLE_REGISTRY, Lookup


@pytest.mark.parametrize(("text", "parts"), [
    ("m", ("m", None, None)),
    ("m@v1.2.3", ("m", "v1.2.3", None)),
    ("m@v1.2.3-rc.1+b5", ("m", "v1.2.3-rc.1+b5", None)),
    ("m@latest", ("m", None, None)),
    ("m@greatest", ("m", None, None)),
    ("nlp/models:bert#prod", ("nlp/models:bert", None, "prod")),
    ("dir/dvc.yaml:m#team/prod", ("dir/dvc.yaml:m", None, "team/prod")),
    ("bad name", ("bad name", None, None)),  # no shortcut: the name is checked later, as any
])
def test_shortcuts_taken_apart(text, parts):
    assert split_shortcut(text) == Shortcut(*parts)


@pytest.mark.parametrize("tag", ["churn-model#prod#4", "m@v1.0.0!", "m#prod!", "m#prod!#3", "m@deprecated",
                                 "m@deprecated#9", "m@v1.0.0#2", "m@created", "nlp:bert@v1.0.0#2"])
def test_a_whole_registry_tag_is_refused_with_a_hint(tag):
    with pytest.raises(InvalidArgumentError, match="is a registry tag, not an artifact: ask what it did with "
                       r"`--check-ref '[^']+'`"):
        split_shortcut(tag)


def test_the_hint_spells_the_tag_as_it_is_named():
    with pytest.raises(InvalidArgumentError, match="--check-ref 'nlp=bert#prod#2'"):
        split_shortcut("nlp:bert#prod#2")


@pytest.mark.parametrize(("text", "message"), [
    ("m@1.2.3", r"a version is written with its v: m@v1\.2\.3"),
    ("m@v1.2", "a name holds no '@' or '#'"), ("m@", "a name holds no"), ("@v1.0.0", "a name holds no"),
    ("m#", "a name holds no"), ("m@v1.0.0@v2.0.0", "a name holds no"), ("m#prod\n", "a name holds no"),
    ("m#$(touch x)", "a name holds no"), ("m@LATEST", "a name holds no"),
    ("bad name@v1.0.0", "invalid artifact name 'bad name'"), ("../x:m#prod", "must not leave the repository"),
])
def test_malformed_shortcuts(text, message):
    with pytest.raises(InvalidArgumentError, match=message):
        split_shortcut(text)


def spellings(lookup: Lookup) -> list:
    """The shortcuts of a lookup: ``@v...`` for a pinned version, ``#stage``, ``@latest`` and
    ``@greatest`` for neither."""
    if lookup.version:
        return [f"{lookup.name}@v{lookup.version.lstrip('v')}"]
    if lookup.stage:
        return [f"{lookup.name}#{lookup.stage}"]
    return [f"{lookup.name}@latest", f"{lookup.name}@greatest"]


def flags(lookup: Lookup) -> list:
    return [lookup.name, *(["--version", lookup.version] if lookup.version else []),
            *(["--stage", lookup.stage] if lookup.stage else [])]


TABLE = [pytest.param(case.name, case.registry, lookup, id=f"{case.name}:{lookup.id}")
         for case in CASES for lookup in case.lookups]
TABLE += [pytest.param("example", EXAMPLE_REGISTRY, lookup, id=f"example:{lookup.id}") for lookup in EXAMPLE_LOOKUPS]


def run(arguments: list, capsys) -> tuple:
    capsys.readouterr()
    code = main(arguments)
    printed = capsys.readouterr()
    return code, printed.out, printed.err


@pytest.mark.parametrize(("name", "registry", "lookup"), TABLE)
def test_a_shortcut_answers_as_its_flags(build_registry, capsys, name, registry, lookup):
    repo = build_registry(name, registry).path
    for options in ([], ["--with", "version,tag"]):
        expected = run([*flags(lookup), *options, "--repo", repo], capsys)
        assert expected[0] == (1 if lookup.error and lookup.error.__name__ == "ArtifactNotFoundError"
                               else 3 if lookup.error else 0), expected
        for spelling in spellings(lookup):
            assert run([spelling, *options, "--repo", repo], capsys) == expected, spelling


@pytest.mark.parametrize(("arguments", "message"), [
    (["m@v1.0.0", "--stage", "prod"], "m@v1.0.0 conflicts with --stage prod"),
    (["m@v1.0.0", "--version", "v2.0.0"], "m@v1.0.0 conflicts with --version v2.0.0"),
    (["m#prod", "--stage", "dev"], "m#prod conflicts with --stage dev"),
    (["m#prod", "--version", "1.0.0"], "m#prod conflicts with --version 1.0.0"),
    (["m@latest", "--stage", "prod"], "m@latest conflicts with --stage prod"),
    (["m@greatest", "--version", "1.0.0"], "m@greatest conflicts with --version 1.0.0"),
    (["n", "m@latest", "--stage", "prod"], "m@latest conflicts with --stage prod"),
    (["churn-model#prod#4"], "is a registry tag"),
])
def test_a_shortcut_with_a_conflicting_flag_is_a_usage_error_before_git_runs(arguments, message, capsys, fp):
    fp.register([fp.any()], occurrences=100)
    code, out, err = run([*arguments, "--repo", "https://example.com/r.git"], capsys)
    assert (code, out) == (2, "") and message in err and err.count("\n") == 1
    assert list(fp.calls) == []


def test_a_shortcut_that_says_what_its_flag_says_is_fine(build_registry, capsys):
    repo = build_registry("example", EXAMPLE_REGISTRY).path
    expected = run(["churn-model", "--version", "v1.0.0", "--repo", repo], capsys)
    assert expected[0] == 0
    assert run(["churn-model@v1.0.0", "--version", "1.0.0", "--repo", repo], capsys) == expected
    staged = run(["churn-model", "--stage", "prod", "--repo", repo], capsys)
    assert run(["churn-model#prod", "--stage", "prod", "--repo", repo], capsys) == staged
