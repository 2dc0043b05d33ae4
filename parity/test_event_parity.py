"""Differential tests of the events of tags: ``Registry.check_ref`` (``--check-ref``) next to
``gto check-ref --json``, ``Registry.history`` (``--history``) next to ``gto history --json``.

On the random histories of test_parity.py (same ``PARITY_SEED`` and ``PARITY_HISTORIES``), each
built as generated (tagger dates strictly increasing, as the tools create tags) and, every
fourth, again with its tags three to a second (so that events share a timestamp); on the
example registry; and on a registry holding an ``@created`` tag. Every tag of each is checked
(lightweight and unrelated ones included), and every artifact's history compared: the same
events, in the same order, with the same fields (timestamp, event, version, stage, commit,
author, author_email, message, ref); ``path`` must be the artifact's declared path. gto is
asked by parity/event_peers.py, run in the peers' environment. Anything but these named
differences (docs/differences.md, "Events of tags"), counted, fails with the seed and a
minimal list of tags:

- **not-a-registry-event**: a ref that is no annotated registry tag (lightweight, another
  tag, missing): gto prints nothing and exits 0; here exit 1, saying why.
- **created-crash**: an ``@created`` tag in the registry makes every gto check-ref and history
  fail (``'action'``); here it is no event (exit 1), and histories leave it out.
- **unregistered-commit-version**: an assignment or unassignment of a commit where no version
  is registered: gto prints the commit's hex name as its version; here null.
- **deregistered-version**: the same where the version registered there is deregistered: gto
  prints that version; here null, as the stage's version is shown (the overview's rule).
- **same-second-order**: events whose tags bear the same second: gto orders them by its
  event priority, then by the order it read them; here by counter (a tag without one first),
  then by name, as every other order of events here.

    PARITY_SEED=7 PARITY_HISTORIES=300 tox -e parity
"""

from __future__ import annotations

import datetime
import os
from collections import Counter
from typing import Any, Dict, List, Optional, Tuple

import pytest

from artifacts_show import ArtifactNotFoundError, Registry
from fixtures.builder import BASE_DATE, BuiltRepo, Commit, Tag, build
from fixtures.builder import Registry as Data
from fixtures.random_registry import History
from fixtures.registries import EXAMPLE_REGISTRY
from parity.peers_env import ask
from parity.test_list_parity import minimal_tags
from parity.test_parity import HISTORIES, SEED, Timeline

HERE = os.path.dirname(os.path.abspath(__file__))
NAMED_DIFFERENCES = ("not-a-registry-event", "created-crash", "unregistered-commit-version",
                     "deregistered-version", "same-second-order")
SHARED = ("artifact", "event", "stage", "tag", "commit_hexsha", "created_at", "author", "author_email", "message")
"""Fields of check-ref compared as they are (``version`` is compared apart)."""
IN_HISTORY = {"timestamp": "created_at", "artifact": "artifact", "event": "event", "stage": "stage",
              "commit": "commit_hexsha", "author": "author", "author_email": "author_email",
              "message": "message", "ref": "tag"}
"""gto history's keys, and the fields of ours they are compared with."""
EXAMPLE_PATHS = {"churn-model": "models/churn.pkl", "nlp:bert": "nlp/weights/bert.bin",
                 "text-classifier": "models/classifier.onnx"}
Failure = Tuple[str, str]  # (artifact, or "" for the repository; message)


def ask_gto(jobs: List[dict]) -> List[dict]:
    """gto's answers to ``jobs`` ({"repo", "refs"}), from two peer processes working on halves."""
    return ask("event_peers.py", jobs)


def ours(path: str, refs: List[str], names: List[str]) -> dict:
    """check_ref of every ref (None where it is no event) and the history of every artifact."""
    checked: Dict[str, Optional[Dict[str, Any]]] = {}
    histories: Dict[str, List[Dict[str, Any]]] = {}
    with Registry(path, warn=lambda message: None) as registry:
        for ref in refs:
            try:
                checked[ref] = registry.check_ref(ref)._asdict()
            except ArtifactNotFoundError:
                checked[ref] = None
        for name in names:
            histories[name] = [event._asdict() for event in registry.history(name)]
    return {"check_ref": checked, "history": histories}


def tagged(history: History) -> List[str]:
    """The artifacts that have annotated registry tags."""
    timeline = Timeline(history.registry, {commit.label: commit.label for commit in history.registry.commits})
    return sorted({name for name in history.declared if timeline.of(name)})


def version_difference(artifact: str, event: str, commit: str, mine: Optional[str], theirs: Optional[str],
                       timeline: Timeline) -> Optional[str]:
    """The named difference between two versions of one event ("" if they agree), None if none names it."""
    if mine == theirs:
        return ""
    at = timeline.versions_at(artifact, commit)
    if event in ("assignment", "unassignment") and mine is None:
        if theirs == commit and not at:
            return "unregistered-commit-version"
        if theirs in at and not at[theirs]:
            return "deregistered-version"
    return None


def compare(history: History, built: BuiltRepo, gto: dict, mine: dict,
            paths: Dict[str, str]) -> Tuple[Counter, List[Failure]]:
    """The named differences (counted) and any other (failures) of one repository."""
    timeline = Timeline(history.registry, built.commits)
    counts: Counter = Counter()
    failures: List[Failure] = []
    created = any(tag.annotated and "@created" in tag.name for tag in history.registry.tags)
    for ref, theirs in gto["check_ref"].items():
        found = mine["check_ref"][ref]
        artifact = (found or {}).get("artifact") or (theirs if isinstance(theirs, dict) else {}).get("artifact", "")
        if isinstance(theirs, dict) and "error" in theirs:
            if "'action'" in theirs["error"] and created and (found is None) == ("@created" in ref):
                counts["check-ref: created-crash"] += 1
            else:
                failures.append((artifact, f"check-ref {ref}: gto failed ({theirs['error']}), ours {found}"))
            continue
        if theirs is None or found is None:
            if theirs is None and found is None:
                counts["check-ref: not-a-registry-event"] += 1
            else:
                failures.append((artifact, f"check-ref {ref}: ours {found}, gto {theirs}"))
            continue
        problems = [f"{key} ours {found[key]!r}, gto {theirs.get(key)!r}" for key in SHARED
                    if found[key] != theirs.get(key)]
        named = version_difference(found["artifact"], found["event"], found["commit_hexsha"], found["version"],
                                   theirs.get("version"), timeline)
        if named is None:
            problems.append(f"version ours {found['version']!r}, gto {theirs.get('version')!r}")
        if found["path"] != paths.get(found["artifact"]):
            problems.append(f"path {found['path']!r}, declared {paths.get(found['artifact'])!r}")
        if problems:
            failures.append((found["artifact"], f"check-ref {ref}: " + "; ".join(problems)))
        else:
            counts[f"check-ref: {named or 'equal'}"] += 1
    if isinstance(gto["history"], dict):
        if created and "'action'" in gto["history"]["error"]:
            counts["history: created-crash"] += 1
        else:
            failures.append(("", f"gto history failed: {gto['history']['error']}"))
        return counts, failures
    for name, events in mine["history"].items():
        named, problem = history_difference(name, events, [event for event in gto["history"]
                                                           if event["artifact"] == name], timeline)
        counts.update(named)
        if problem:
            failures.append((name, problem))
    return counts, failures


def history_difference(name: str, mine: List[dict], theirs: List[dict],
                       timeline: Timeline) -> Tuple[Counter, Optional[str]]:
    counts: Counter = Counter()
    if sorted(event["tag"] for event in mine) != sorted(event["ref"] for event in theirs):
        return counts, (f"history of {name}: ours {[event['tag'] for event in mine]}, "
                        f"gto {[event['ref'] for event in theirs]}")
    by_ref = {event["ref"]: event for event in theirs}
    for event in mine:
        other = by_ref[event["tag"]]
        problems = [f"{key} ours {event[field]!r}, gto {other[key]!r}" for key, field in IN_HISTORY.items()
                    if event[field] != other[key]]
        named = version_difference(name, event["event"], event["commit_hexsha"], event["version"],
                                   other["version"], timeline)
        if named is None:
            problems.append(f"version ours {event['version']!r}, gto {other['version']!r}")
        if problems:
            return counts, f"history of {name}, {event['tag']}: " + "; ".join(problems)
        counts[f"history events: {named or 'equal'}"] += 1
    position = {event["ref"]: index for index, event in enumerate(theirs)}
    inverted = [(first, second) for index, first in enumerate(mine) for second in mine[index + 1:]
                if position[first["tag"]] > position[second["tag"]]]
    for first, second in inverted:
        if instant(first["created_at"]) != instant(second["created_at"]):
            return counts, (f"history of {name}: ours {first['tag']} before {second['tag']}, gto after, "
                            f"at {first['created_at']} and {second['created_at']}")
    counts[f"history order: {'same-second-order' if inverted else 'equal'}"] += 1
    return counts, None


def instant(iso: Optional[str]) -> Optional[datetime.datetime]:
    return datetime.datetime.fromisoformat(iso) if iso else None


def three_to_a_second(history: History) -> History:
    """The same history with its tags dated three to a second (a minute apart between groups)."""
    first = BASE_DATE + len(history.registry.commits) * 60
    tags = [Tag(tag.name, tag.target, tag.annotated, first + index // 3 * 60)
            for index, tag in enumerate(history.registry.tags)]
    return History(history.seed, Data(history.registry.commits, tags), history.queries, history.declared)


CREATED = History(0, Data(
    [Commit("A", {"dvc.yaml": "artifacts:\n  m:\n    path: m.pkl\n"})],
    [Tag("m@created", "A"), Tag("m@v1.0.0", "A"), Tag("m#prod#1", "A")]), [], {"m": "m.pkl"})
EXAMPLE = History(0, EXAMPLE_REGISTRY, [], EXAMPLE_PATHS)


def test_events_match_gto(histories, tmp_path):
    cases = [(history, built, "") for history, built in histories]
    for history, _ in histories[::4]:
        tied = three_to_a_second(history)
        cases.append((tied, build(tied.registry, str(tmp_path / f"tied-{history.seed}")), " (three to a second)"))
    for name, extra in (("example", EXAMPLE), ("created", CREATED)):
        cases.append((extra, build(extra.registry, str(tmp_path / name)), f" ({name})"))

    def judge(candidates: List[Tuple[History, BuiltRepo]]) -> List[Tuple[Counter, List[Failure]]]:
        refs = [[tag.name for tag in history.registry.tags] for history, _ in candidates]
        answers = ask_gto([{"repo": built.path, "refs": names} for (_, built), names in zip(candidates, refs)])
        return [compare(history, built, gto, ours(built.path, names, tagged(history)), history.declared)
                for (history, built), gto, names in zip(candidates, answers, refs)]

    totals: Counter = Counter()
    for (history, _, kind), (counts, failures) in zip(cases, judge([(h, b) for h, b, _ in cases])):
        totals.update(counts)
        if failures:
            pytest.fail(kind + " " + minimal_tags(
                history, failures[0], lambda candidates: [found for _, found in judge(candidates)], tmp_path))
    print(f"\n{len(histories)} histories (seeds {SEED}..{SEED + HISTORIES - 1}), {len(cases) - len(histories) - 2} "
          "of them again three tags to a second, the example registry, an @created tag; next to gto "
          "check-ref --json and gto history --json: "
          + ", ".join(f"{name} {count}" for name, count in sorted(totals.items())))
    assert {name.split(": ")[1] for name in totals} <= {"equal", *NAMED_DIFFERENCES}
