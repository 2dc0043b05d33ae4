"""Differential tests: artifacts-show next to gto's registry state and dvc.api.artifacts_show.

Floating lookups (latest, stage) must equal what ``gto show`` gives; pinned
versions and paths must equal ``dvc.api.artifacts_show``. Where dvc.api differs,
the difference must be one of those named in the README (counted per name),
else the test fails with the seed and a minimal list of tags that reproduces it.

    PARITY_SEED=7 PARITY_HISTORIES=300 tox -e parity
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from typing import Dict, List, Optional, Tuple

import pytest

from artifacts_show import ArtifactNotFoundError, ArtifactsShowError, artifacts_show
from fixtures.builder import Registry, build, git
from fixtures.random_registry import History, Query
from fixtures.registries import MONOREPO
from fixtures.servers import SmartHttpServer
from parity.conftest import HISTORIES, SEED
from parity.peers_env import ask

HERE = os.path.dirname(os.path.abspath(__file__))
NAMED_DIFFERENCES = ("unassigned-stage", "deregistered-latest", "deregistered-stage",
                     "deprecated-artifact", "no-version-crash", "unassign-without-version")


logging.getLogger("artifacts_show").setLevel(logging.ERROR)  # pinned lookups warn; not news here


def ours(query: Query, repo: str) -> Optional[Dict[str, str]]:
    try:
        return artifacts_show(query.name, version=query.version, stage=query.stage, repo=repo)
    except ArtifactNotFoundError:
        return None


def ask_peers(jobs: List[dict]) -> List[dict]:
    """Answers of dvc.api and gto, from two peer processes working on halves of the jobs."""
    return ask("peers.py", jobs)


class Timeline:
    """What happened, in creation order, read straight from the generated tags."""

    def __init__(self, registry: Registry, commits: Dict[str, str]) -> None:
        self.tags = [(tag.name, commits[tag.target]) for tag in registry.tags if tag.annotated]

    def of(self, artifact: str) -> List[Tuple[str, str]]:
        prefix = artifact.replace(":", "=")
        return [(name[len(prefix):], commit) for name, commit in self.tags
                if name.startswith(prefix) and name[len(prefix)] in "@#"]

    def deprecated(self, artifact: str) -> bool:
        events = [suffix for suffix, _ in self.of(artifact) if not suffix.startswith("@created")]
        return bool(events) and events[-1].startswith("@deprecated")

    def versions_at(self, artifact: str, commit: str) -> Dict[str, bool]:
        """version -> still registered, for the versions registered at ``commit``."""
        state: Dict[str, bool] = {}
        for suffix, target in self.of(artifact):
            if suffix.startswith("@v") and target == commit:
                version = suffix[1:].split("#")[0]
                state[version.rstrip("!")] = not version.endswith("!")
        return state

    def deregistered(self, artifact: str, commit: str) -> bool:
        state = self.versions_at(artifact, commit)
        return bool(state) and not any(state.values())

    def last_stage_event(self, artifact: str, stage: str, commit: str) -> Optional[str]:
        events = [suffix for suffix, target in self.of(artifact)
                  if target == commit and suffix.split("#")[1:2] in ([stage], [stage + "!"])]
        return events[-1] if events else None


def explain(query: Query, mine: Optional[Dict[str, str]], dvc: dict, timeline: Timeline) -> Optional[str]:
    """The named difference that explains dvc.api's answer, or None if none does."""
    if dvc.get("error") == "IndexError" and mine is None:
        return "no-version-crash"
    if "rev" not in dvc or query.version:
        return None
    if timeline.deprecated(query.name) and mine is None:
        return "deprecated-artifact"
    if query.stage:
        last = timeline.last_stage_event(query.name, query.stage, dvc["rev"])
        if last is not None and last.split("#")[1].endswith("!"):
            return "unassigned-stage"
        if timeline.deregistered(query.name, dvc["rev"]):
            return "deregistered-stage"
        return None
    if timeline.deregistered(query.name, dvc["rev"]):
        return "deregistered-latest"
    return None


def compare(history: History, built, answers: List[dict], mine: List) -> Tuple[Counter, List[str]]:
    timeline = Timeline(history.registry, built.commits)
    counts: Counter = Counter()
    failures = []
    for query, answer, result in zip(history.queries, answers, mine):
        dvc = answer["dvc"]
        if query.version:  # pinned: exactly dvc.api's answer
            if dvc != result and not (result is None and dvc.get("error") == "ArtifactNotFoundError"):
                failures.append(f"{query}: ours {result}, dvc.api {dvc}")
            continue
        gto = answer["gto"]
        if (result or {}).get("rev") != gto:
            last = timeline.last_stage_event(query.name, query.stage or "", gto or "")
            if not (query.stage and last and last.split("#")[1].endswith("!")
                    and not timeline.versions_at(query.name, gto)):
                failures.append(f"{query}: ours {result}, gto {gto}")
                continue
            counts["unassign-without-version"] += 1
        if result is not None and "rev" in dvc and dvc["path"] != result["path"]:
            failures.append(f"{query}: path ours {result['path']}, dvc.api {dvc['path']}")
        agree = dvc == result or (result is None and dvc.get("error") == "ArtifactNotFoundError")
        if not agree:
            named = explain(query, result, dvc, timeline)
            if named is None:
                failures.append(f"{query}: ours {result}, dvc.api {dvc} (no documented difference)")
            else:
                counts[named] += 1
    return counts, failures


def minimal_tags(history: History, query: Query, tmp_path) -> List[str]:
    """Drop tags one at a time while ours and the peers still disagree on ``query``."""
    tags = list(history.registry.tags)
    changed = True
    while changed:
        changed = False
        for index in range(len(tags)):
            trial = tags[:index] + tags[index + 1:]
            candidate = History(history.seed, Registry(history.registry.commits, trial), [query])
            path = str(tmp_path / f"shrink-{len(trial)}-{index}")
            built = build(candidate.registry, path)
            answers = ask_peers([dict(repo=path, name=query.name, version=query.version, stage=query.stage)])
            try:
                mine = [ours(query, path)]
            except ArtifactsShowError as error:
                mine = [{"error": str(error)}]
            if compare(candidate, built, answers, mine)[1]:
                tags, changed = trial, True
                break
    return [f"{tag.name} -> {tag.target}" for tag in tags if tag.annotated]


def test_parity_with_gto_and_dvc(histories, tmp_path):
    jobs, mine = [], []
    for history, built in histories:
        for query in history.queries:
            jobs.append(dict(repo=built.path, name=query.name, version=query.version, stage=query.stage))
            try:
                mine.append(ours(query, built.path))
            except ArtifactsShowError as error:
                mine.append({"error": str(error)})
    answers = ask_peers(jobs)
    totals: Counter = Counter()
    position = 0
    for history, built in histories:
        count = len(history.queries)
        counts, failures = compare(history, built, answers[position:position + count],
                                   mine[position:position + count])
        position += count
        totals.update(counts)
        if failures:
            query = next(query for query in history.queries if str(query) in failures[0])
            shrunk = minimal_tags(history, query, tmp_path)
            pytest.fail(f"seed {history.seed}: {failures[0]}\nminimal tags:\n  " + "\n  ".join(shrunk))
    print(f"\n{len(histories)} histories (seeds {SEED}..{SEED + HISTORIES - 1}), {len(jobs)} lookups; "
          "documented differences from dvc.api and gto: "
          + ", ".join(f"{name} {totals[name]}" for name in NAMED_DIFFERENCES))
    assert set(totals) <= set(NAMED_DIFFERENCES)


def test_same_answers_through_smart_http(histories, tmp_path, monkeypatch):
    sample = histories[::10]
    base = str(tmp_path / "served")
    os.makedirs(base)
    for history, built in sample:
        git("clone", "-q", "--bare", built.path, os.path.join(base, f"h{history.seed}.git"))
    server = SmartHttpServer(base)
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    try:
        for history, built in sample:
            for query in history.queries:
                try:
                    local = ours(query, built.path)
                except ArtifactsShowError as error:
                    local = {"error": str(error)}
                try:
                    remote = ours(query, server.url(f"h{history.seed}.git"))
                except ArtifactsShowError as error:
                    remote = {"error": str(error)}
                assert remote == local, f"seed {history.seed}: {query}"
    finally:
        server.stop()


def test_dvc_projects_under_a_git_root_without_dvc(tmp_path):
    """Paths are relative to the nearest folder at or above ``repo`` that holds ``.dvc``, else
    to ``repo``, as DVC's root is; a path leaving that folder is an error here
    (**outside-subproject**), where DVC answers a ``../`` path."""
    built = build(MONOREPO, str(tmp_path / "mono"))
    folders = ["", "deep", "deep/proj2", "deep/proj2/m", "proj1", "proj1/models"]
    names = ["proj1:m", "deep/proj2:xmodel", "deep/proj2:up"]
    jobs = [dict(repo=os.path.join(built.path, folder), name=name, version=None, stage=None)
            for folder in folders for name in names]
    counts: Counter = Counter()
    for job, answer in zip(jobs, ask_peers(jobs)):
        dvc = answer["dvc"]
        try:
            mine = artifacts_show(job["name"], repo=job["repo"])
        except ArtifactsShowError as error:
            assert "outside the DVC sub-project" in str(error) and dvc["path"].startswith(".."), (job, dvc)
            counts["outside-subproject"] += 1
            continue
        assert mine == dvc, job
        counts["same"] += 1
    print(f"\nDVC projects under a root without .dvc: {len(jobs)} lookups, {dict(counts)}")
    assert counts == {"same": 10, "outside-subproject": 8}
