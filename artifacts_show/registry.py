"""Registry semantics as pure functions over events: no git in here.

An event is a registry tag of one artifact together with the commit it
points at and, when known, its tagger date. Order: between two tags that
both carry a counter, the larger counter is later; otherwise the tagger date
decides, ties falling back to the counter, then to the tag name. Only the
comparisons an answer needs are made, and a comparison that needs a date
nobody has fetched raises :class:`OrderUnknown`, so the caller can fetch the
tagger dates (a cost for remote repositories) only when the answer depends
on them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from ._records import NamedTuple
from .errors import ArtifactNotFoundError
from .names import ArtifactName
from .tags import Action, RegistryTag, Version

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Tuple


class OrderUnknown(Exception):
    """The answer depends on the order of tags whose tagger dates are not loaded."""


class Event(NamedTuple):
    tag: RegistryTag
    commit: str
    date: Optional[int] = None


class Answer(NamedTuple):
    commit: str
    warnings: Tuple[str, ...] = ()


def compare_events(a: Event, b: Event) -> int:
    """Negative when ``a`` happened before ``b``, positive after, 0 only for the same tag."""
    if a.tag.counter is not None and b.tag.counter is not None and a.tag.counter != b.tag.counter:
        return -1 if a.tag.counter < b.tag.counter else 1
    if a.date is None or b.date is None:
        raise OrderUnknown(a.tag.name, b.tag.name)
    # Tagger date, then counter (a missing one first), then tag name.
    key_a = (a.date, -1 if a.tag.counter is None else a.tag.counter, a.tag.name)
    key_b = (b.date, -1 if b.tag.counter is None else b.tag.counter, b.tag.name)
    return (key_a > key_b) - (key_a < key_b)


_ORDER_KEY = functools.cmp_to_key(compare_events)


def latest(events: Iterable[Event]) -> Optional[Event]:
    """The most recent of ``events`` (None if empty); compares only if there are several."""
    candidates = sorted(events, key=lambda event: event.tag.name)
    return max(candidates, key=_ORDER_KEY) if candidates else None


def events_of(artifact: ArtifactName, events: Iterable[Event]) -> List[Event]:
    return [event for event in events if event.tag.artifact == artifact]


def _is_deprecated(events: Sequence[Event]) -> bool:
    if not any(event.tag.action is Action.DEPRECATE for event in events):
        return False
    last = latest(event for event in events if event.tag.action is not Action.CREATE)
    return last is not None and last.tag.action is Action.DEPRECATE


def _version_states(events: Sequence[Event]) -> Dict[Tuple[str, str], Event]:
    """The latest register/deregister event of each (commit, version) pair."""
    groups: Dict[Tuple[str, str], List[Event]] = {}
    for event in events:
        if event.tag.action in (Action.REGISTER, Action.DEREGISTER):
            groups.setdefault((event.commit, str(event.tag.version)), []).append(event)
    return {key: latest(group) for key, group in groups.items()}  # type: ignore[misc]


def _deregistered_commits(states: Dict[Tuple[str, str], Event]) -> set[str]:
    """Commits at which every version registered there is deregistered."""
    alive = {commit for (commit, _), event in states.items() if event.tag.action is Action.REGISTER}
    return {commit for (commit, _) in states} - alive


MAX_LISTED = 20
"""Not-found messages list at most this many versions or stages, so they stay readable."""


def _known_versions(states: Dict[Tuple[str, str], Event]) -> str:
    """Known versions in ascending order; of many, the greatest (the likeliest wanted)."""
    labels = [label for _, label in sorted(
        {
            (event.tag.version, str(event.tag.version)
             + ("" if event.tag.action is Action.REGISTER else " (deregistered)"))
            for event in states.values()
            if event.tag.version is not None
        },
        key=lambda item: (item[0], item[1]),
    )]
    if len(labels) > MAX_LISTED:
        labels = [f"{len(labels) - MAX_LISTED} older"] + labels[-MAX_LISTED:]
    return ", ".join(labels) or "none"


def _known_stages(events: Sequence[Event]) -> str:
    stages = sorted({event.tag.stage for event in events if event.tag.stage})
    if len(stages) > MAX_LISTED:
        stages = stages[:MAX_LISTED] + [f"and {len(stages) - MAX_LISTED} more"]
    return ", ".join(stages) or "none"


def resolve_version(artifact: ArtifactName, events: Sequence[Event], version: Version) -> Answer:
    """Pinned lookup: the commit of the (latest) registration of ``version``.

    Pins resolve even for deregistered versions and deprecated artifacts, with
    a warning: they exist for reproducibility.
    """
    events = events_of(artifact, events)
    registrations = [
        event for event in events
        if event.tag.action is Action.REGISTER and str(event.tag.version) == str(version)
    ]
    chosen = latest(registrations)
    if chosen is None:
        states = _version_states(events)
        raise ArtifactNotFoundError(
            f"artifact '{artifact}' has no version {version}; "
            f"known versions: {_known_versions(states)}"
        )
    warnings = []
    state = _version_states(events)[(chosen.commit, str(version))]
    if state.tag.action is Action.DEREGISTER:
        warnings.append(f"version {version} of artifact '{artifact}' is deregistered ({state.tag.name})")
    if _is_deprecated(events):
        warnings.append(f"artifact '{artifact}' is deprecated")
    return Answer(chosen.commit, tuple(warnings))


def resolve_stage(artifact: ArtifactName, events: Sequence[Event], stage: str) -> Answer:
    """Stage lookup: the commit in ``stage`` whose latest assignment is the most recent."""
    events = events_of(artifact, events)
    if _is_deprecated(events):
        raise ArtifactNotFoundError(f"artifact '{artifact}' is deprecated")
    excluded = _deregistered_commits(_version_states(events))
    by_commit: Dict[str, List[Event]] = {}
    for event in events:
        if event.tag.stage == stage and event.commit not in excluded:
            by_commit.setdefault(event.commit, []).append(event)
    assignments = []
    for group in by_commit.values():
        last = latest(group)
        if last is not None and last.tag.action is Action.ASSIGN:
            assignments.append(last)
    chosen = latest(assignments)
    if chosen is None:
        raise ArtifactNotFoundError(
            f"artifact '{artifact}' has no version in stage '{stage}'; "
            f"stages: {_known_stages(events)}"
        )
    return Answer(chosen.commit)


def resolve_latest(artifact: ArtifactName, events: Sequence[Event]) -> Answer:
    """Latest lookup: the greatest registered, not deregistered version."""
    events = events_of(artifact, events)
    states = _version_states(events)
    if _is_deprecated(events):
        raise ArtifactNotFoundError(f"artifact '{artifact}' is deprecated")
    alive = [event for event in states.values() if event.tag.action is Action.REGISTER]
    if not alive:
        raise ArtifactNotFoundError(
            f"artifact '{artifact}' has no registered version; "
            f"known versions: {_known_versions(states)}"
        )
    greatest = max(event.tag.version for event in alive if event.tag.version is not None)
    chosen = latest(event for event in alive if event.tag.version == greatest)
    assert chosen is not None
    return Answer(chosen.commit)

