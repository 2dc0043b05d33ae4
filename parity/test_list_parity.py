"""Differential tests of the registry overview, ``artifacts_list``.

On the random histories of test_parity.py (same ``PARITY_SEED`` and ``PARITY_HISTORIES``):

- next to ``gto show --json``: the same artifacts, the same latest version and the same
  version in each stage (gto prints a stage held by a commit without a version as that
  commit's hex name); the revs must be the commits the tags register those versions at. A
  deprecated artifact is hidden by ``gto show`` (and ``active: false`` with ``--deprecated``);
  here it is ``"deprecated": true`` with no latest and no stages. The one difference allowed is
  the README's **unassign-without-version** (gto keeps a commit without a version in a stage
  after its unassignment), counted; anything else fails with the seed and a minimal tag list;
- next to the single lookups: every entry's latest and stage revs are what
  ``artifacts_show(name)`` and ``artifacts_show(name, stage=s)`` answer, for every artifact and
  every stage its tags name, and a stage's version is the version registered at its commit;
- ``artifacts-show --list --repo R`` prints the same overview (every 20th history).

gto is asked by parity/list_peers.py, run in the peers' environment.

    PARITY_SEED=7 PARITY_HISTORIES=300 tox -e parity
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections import Counter
from typing import Callable, Dict, List, Optional, Set, Tuple

import pytest

from artifacts_show import ArtifactNotFoundError, ArtifactsShowError, artifacts_list, artifacts_show
from fixtures.builder import BuiltRepo, Registry, build
from fixtures.random_registry import History
from parity.peers_env import ask
from parity.test_parity import HISTORIES, SEED, Timeline

HERE = os.path.dirname(os.path.abspath(__file__))
HEX_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
ENTRY_KEYS = {"latest", "stages", "deprecated"}
Overview = Tuple[Optional[dict], Optional[str]]  # artifacts_list's answer, or its error
Held = Optional[Tuple[Optional[str], str]]  # (version, rev) of a latest or a stage, None if none
Failure = Tuple[str, str]  # (artifact, or "" for the whole registry; message)


def overview(repo: str) -> Overview:
    try:
        return artifacts_list(repo=repo), None
    except ArtifactsShowError as error:
        return None, f"artifacts_list failed: {error}"


def single(name: str, stage: Optional[str], repo: str) -> Optional[Dict[str, str]]:
    try:
        return artifacts_show(name, stage=stage, repo=repo)
    except ArtifactNotFoundError:
        return None
    except ArtifactsShowError as error:
        return {"error": str(error)}


def ask_gto(paths: List[str]) -> List[dict]:
    """``gto show --json`` of each repository, from two peer processes working on halves."""
    return ask("list_peers.py", paths)


def held(value: Optional[dict]) -> Held:
    return None if value is None else (value.get("version"), value.get("rev", "(no rev)"))


def alive_versions(timeline: Timeline, name: str, commit: str) -> List[str]:
    return [version for version, alive in timeline.versions_at(name, commit).items() if alive]


def version_at(timeline: Timeline, name: str, commit: str) -> Optional[str]:
    """The version registered, and still registered, at ``commit``; the histories put at most one there."""
    alive = alive_versions(timeline, name, commit)
    return alive[0] if alive else None


def printed_as(timeline: Timeline, name: str, printed: Optional[str]) -> Set[Held]:
    """What a value printed by ``gto show`` may stand for: a version at the commits that hold it alive,
    a commit without a version, or nothing."""
    if printed is None:
        return {None}
    if HEX_COMMIT.fullmatch(printed):
        return {(None, printed)}
    return {(printed, commit) for _, commit in timeline.tags
            if printed in alive_versions(timeline, name, commit)}


def unassigned_without_version(timeline: Timeline, name: str, stage: str, commit: str) -> bool:
    last = timeline.last_stage_event(name, stage, commit)
    return last is not None and last.split("#")[1].endswith("!") and not timeline.versions_at(name, commit)


def entry_problem(name: str, entry: object) -> Optional[str]:
    """What in ``entry`` is not of the overview's shape, or contradicts itself."""
    def is_held(value: object) -> bool:
        return (isinstance(value, dict) and set(value) == {"version", "rev"}
                and isinstance(value["rev"], str) and isinstance(value["version"], (str, type(None))))

    if not isinstance(entry, dict) or set(entry) != ENTRY_KEYS:
        return f"{name}: entry {entry!r} does not have exactly the keys {sorted(ENTRY_KEYS)}"
    if not (entry["latest"] is None or is_held(entry["latest"])) or not isinstance(entry["deprecated"], bool):
        return f"{name}: entry {entry!r}: latest is not null or {{version, rev}}, or deprecated not a bool"
    if not isinstance(entry["stages"], dict) or not all(map(is_held, entry["stages"].values())):
        return f"{name}: entry {entry!r}: stages is not a mapping of stage to {{version, rev}}"
    if entry["deprecated"] and (entry["latest"] is not None or entry["stages"]):
        return f"{name}: deprecated, yet latest {entry['latest']} and stages {entry['stages']}"
    return None


def gto_differences(history: History, built: BuiltRepo, gto: dict,
                    listed: Overview) -> Tuple[Counter, List[Failure]]:
    """The named differences from ``gto show --json`` (counted) and any other (failures)."""
    counts: Counter = Counter()
    mine, error = listed
    if "error" in gto:
        return counts, [("", f"gto show failed: {gto['error']}")]
    if mine is None:
        return counts, [("", str(error))]
    timeline = Timeline(history.registry, built.commits)
    shown, everything = gto["show"], gto["with_deprecated"]
    if set(mine) != set(everything):
        return counts, [("", f"artifacts: ours {sorted(mine)}, gto show --deprecated {sorted(everything)}")]
    failures: List[Failure] = []
    for name in sorted(mine):
        entry, theirs = mine[name], everything[name]
        problem = entry_problem(name, entry)
        if problem is None and entry["deprecated"] != (not theirs["active"] and name not in shown):
            problem = f"{name}: deprecated ours {entry['deprecated']}, gto active {theirs['active']}"
        if problem is None and not entry["deprecated"]:
            if held(entry["latest"]) not in printed_as(timeline, name, theirs["version"]):
                problem = f"{name} latest: ours {entry['latest']}, gto show {theirs['version']!r}"
        if problem is not None:
            failures.append((name, problem))
            continue
        if entry["deprecated"]:
            counts["deprecated (hidden by gto show)"] += 1
            continue
        for stage in sorted(set(theirs["stage"]) | set(entry["stages"])):
            printed = theirs["stage"].get(stage)
            ours = entry["stages"].get(stage)
            if held(ours) in printed_as(timeline, name, printed):
                counts["stages compared"] += printed is not None
                continue
            if (printed and HEX_COMMIT.fullmatch(printed)
                    and unassigned_without_version(timeline, name, stage, printed)):
                counts["unassign-without-version"] += 1
                continue
            failures.append((name, f"{name} #{stage}: ours {ours}, gto show {printed!r}"))
    return counts, failures


def lookup_differences(history: History, built: BuiltRepo, listed: Overview) -> List[Failure]:
    """Where an overview entry is not what the single lookups answer."""
    mine, error = listed
    if mine is None:
        return [("", str(error))]
    timeline = Timeline(history.registry, built.commits)
    failures: List[Failure] = []
    for name in sorted(set(history.declared) | set(mine)):
        entry = mine.get(name)
        tagged = bool(timeline.of(name))
        if (entry is not None) != tagged:
            failures.append((name, f"{name}: entry {entry}, but {'some' if tagged else 'no'} registry tags"))
            continue
        if entry is None:
            continue
        problem = entry_problem(name, entry)
        if problem is None and entry["deprecated"] != timeline.deprecated(name):
            problem = f"{name}: deprecated {entry['deprecated']}, tags say {timeline.deprecated(name)}"
        if problem is not None:
            failures.append((name, problem))
            continue
        answers = {"latest": single(name, None, built.path)}
        ours = {"latest": entry["latest"]}
        stages = {suffix[1:].split("#")[0].rstrip("!") for suffix, _ in timeline.of(name) if suffix[0] == "#"}
        for stage in sorted(stages | set(entry["stages"])):
            answers[f"#{stage}"] = single(name, stage, built.path)
            ours[f"#{stage}"] = entry["stages"].get(stage)
        for what, answer in answers.items():
            value = ours[what]
            if "error" in (answer or {}) or (value or {}).get("rev") != (answer or {}).get("rev"):
                failures.append((name, f"{name} {what}: overview {value}, artifacts_show {answer}"))
            elif value is not None and value.get("version") != version_at(timeline, name, value["rev"]):
                failures.append((name, f"{name} {what}: overview {value}, version registered there "
                                       f"{version_at(timeline, name, value['rev'])!r}"))
    return failures


def minimal_tags(history: History, failure: Failure,
                 still: Callable[[List[Tuple[History, BuiltRepo]]], List[List[Failure]]], folder) -> str:
    """The failure, and a smallest list of tags that still fails for the same artifact.

    Tags are dropped one at a time; each round's candidates are judged together (one peers process).
    """
    tags = list(history.registry.tags)
    numbers = itertools.count()
    while True:
        candidates = []
        for index in range(len(tags)):
            trial = History(history.seed, Registry(history.registry.commits, tags[:index] + tags[index + 1:]),
                            history.queries, history.declared)
            candidates.append((trial, build(trial.registry, str(folder / f"shrink-{next(numbers)}"))))
        verdicts = [[found for found in failures if found[0] == failure[0]]
                    for failures in (still(candidates) if candidates else [])]
        smaller = next((index for index, found in enumerate(verdicts) if found), None)
        if smaller is None:
            return (f"seed {history.seed}: {failure[1]}\nminimal tags:\n  "
                    + "\n  ".join(f"{tag.name} -> {tag.target}" for tag in tags if tag.annotated))
        tags = list(candidates[smaller][0].registry.tags)
        failure = verdicts[smaller][0]


@pytest.fixture(scope="module")
def overviews(histories) -> List[Overview]:
    return [overview(built.path) for _, built in histories]


def test_overview_matches_gto_show(histories, overviews, tmp_path):
    answers = ask_gto([built.path for _, built in histories])
    totals: Counter = Counter()
    for (history, built), gto, listed in zip(histories, answers, overviews):
        counts, failures = gto_differences(history, built, gto, listed)
        totals.update(counts)
        if failures:
            def still(candidates):
                theirs = ask_gto([repo.path for _, repo in candidates])
                return [gto_differences(candidate, repo, answer, overview(repo.path))[1]
                        for (candidate, repo), answer in zip(candidates, theirs)]
            pytest.fail(minimal_tags(history, failures[0], still, tmp_path))
    print(f"\n{len(histories)} histories (seeds {SEED}..{SEED + HISTORIES - 1}) next to gto show --json: "
          f"{sum(len(mine or {}) for mine, _ in overviews)} artifacts, "
          + ", ".join(f"{name} {count}" for name, count in sorted(totals.items())))


def test_overview_matches_single_lookups(histories, overviews, tmp_path):
    for (history, built), listed in zip(histories, overviews):
        failures = lookup_differences(history, built, listed)
        if failures:
            def still(candidates):
                return [lookup_differences(candidate, repo, overview(repo.path))
                        for candidate, repo in candidates]
            pytest.fail(minimal_tags(history, failures[0], still, tmp_path))


def test_command_line_lists_the_same(histories, overviews, capsys):
    """``artifacts-show --list --repo R`` prints the overview as JSON (a sample of the histories)."""
    from artifacts_show.cli import main

    for (history, built), (mine, error) in list(zip(histories, overviews))[::20]:
        capsys.readouterr()
        status = main(["--list", "--repo", built.path])
        printed = capsys.readouterr()
        assert (status, json.loads(printed.out) if status == 0 else printed.err) == (0, mine), \
            f"seed {history.seed}: {error or ''}"
