"""Registry semantics as pure functions over events: no git in here.

An event is a registry tag of one artifact together with the commit it
points at and its tagger date. Events are ordered set by set, the
sets being a stage's events, one version's registrations and deregistrations,
and (for deprecation) all of the artifact's events: when every event of the set
carries a counter, the larger counter is later (equal counters fall back to
the tagger date, then the tag name); otherwise the tagger date decides, ties
falling back to the counter (a missing one first), then to the tag name. Each
rule is a total order on its set (a rule that mixed both per pair would not be
transitive), and every comparison within a set uses the set's rule. Only the
sets an answer depends on are ordered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ._speed import TYPE_CHECKING, NamedTuple
from .errors import ArtifactNotFoundError
from .names import ArtifactName
from .tags import Action, RegistryTag, Version

if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Tuple

    from .dvcyaml import Declaration

    OrderKey = Callable[["Event"], Tuple[object, ...]]
    Group = List["Event"]
    """The registrations and deregistrations of one version at one commit."""

NO_TAGGER_DATE = -(1 << 63)
"""The date of an annotated tag without a tagger line: older than any other."""

MAX_LISTED = 20
"""Not-found messages list at most this many versions or stages, so they stay readable."""


class Event(NamedTuple):
    tag: RegistryTag
    commit: str
    date: int
    """Unix time of the tagger line; NO_TAGGER_DATE if the tag has none."""


class Answer(NamedTuple):
    commit: str
    version: Optional[str] = None
    """The version registered at the commit, as tagged (build metadata included), if any."""
    warnings: Tuple[str, ...] = ()
    tag: Optional[str] = None
    """The tag that decided the answer (see :func:`explained`); None until asked for."""


class Overview(NamedTuple):
    """An artifact at a glance: what the single lookups answer, for latest and every stage."""

    latest: Optional[Answer]
    stages: Dict[str, Answer]
    deprecated: bool


def order_key(events: Sequence[Event]) -> OrderKey:
    """The sort key that orders ``events`` as one set (see the module docstring)."""
    counters = [event.tag.counter for event in events]
    if None not in counters and len(set(counters)) == len(counters):
        return lambda event: (event.tag.counter,)
    if None not in counters:  # every event has a counter, some share one
        return lambda event: (event.tag.counter, event.date, event.tag.name)
    return lambda event: (
        event.date, -1 if event.tag.counter is None else event.tag.counter, event.tag.name
    )


def latest(events: Iterable[Event], within: Optional[Sequence[Event]] = None) -> Optional[Event]:
    """The most recent of ``events`` (None if empty), ordered by the rule of the set
    ``within`` they belong to (by default, ``events`` themselves); one event needs no order."""
    candidates = list(events)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    return max(candidates, key=order_key(candidates if within is None else within))


def events_of(artifact: ArtifactName, events: Iterable[Event]) -> List[Event]:
    return [event for event in events if event.tag.artifact == artifact]


def is_deprecated(events: Sequence[Event]) -> bool:
    """Whether the latest event (``@created`` aside) is a deprecation; ordered only if there is one."""
    if not any(event.tag.action is Action.DEPRECATE for event in events):
        return False
    last = latest(event for event in events if event.tag.action is not Action.CREATE)
    return last is not None and last.tag.action is Action.DEPRECATE


class _Versions:
    """An artifact's registrations and deregistrations, in groups (one version at one
    commit) and in sets (one version, every commit: what orders them)."""

    def __init__(self, events: Sequence[Event]) -> None:
        self.groups: Dict[Tuple[str, str], Group] = {}
        self.sets: Dict[str, List[Event]] = {}
        self._by_commit: Dict[str, List[Group]] = {}  # a stage lookup asks for one commit after another
        for event in events:
            if event.tag.action in (Action.REGISTER, Action.DEREGISTER):
                version = str(event.tag.version)
                group = self.groups.get((event.commit, version))
                if group is None:
                    group = self.groups[(event.commit, version)] = []
                    self._by_commit.setdefault(event.commit, []).append(group)
                group.append(event)
                self.sets.setdefault(version, []).append(event)

    def is_alive(self, group: Group) -> bool:
        """Registered, not deregistered: ordered only when a deregistration exists."""
        if not _has_deregistration(group):
            return True
        last = latest(group, self.sets[str(group[0].tag.version)])
        return last is not None and last.tag.action is Action.REGISTER

    def at(self, commit: str) -> List[Group]:
        """The groups at ``commit``, those without a deregistration first: a commit that
        stays registered then needs no order at all."""
        return sorted(self._by_commit.get(commit, ()), key=_has_deregistration)

    def is_deregistered(self, commit: str) -> bool:
        """A commit is deregistered when every version registered at it is deregistered."""
        at_commit = self.at(commit)
        return bool(at_commit) and not any(self.is_alive(group) for group in at_commit)

    def known(self) -> str:
        """Known versions in ascending order; of many, the greatest (the likeliest wanted)."""
        labels = [label for _, label in sorted(
            {
                (group[0].tag.version, key[1] + ("" if self.is_alive(group) else " (deregistered)"))
                for key, group in self.groups.items()
            },
            key=lambda item: (item[0].precedence, item[1]),  # type: ignore[union-attr]
        )]
        if len(labels) > MAX_LISTED:
            labels = [f"{len(labels) - MAX_LISTED} older"] + labels[-MAX_LISTED:]
        return ", ".join(labels) or "none"

    def shown_at(self, commit: str) -> Optional[str]:
        """The version shown for a stage's commit: the greatest live version registered there."""
        alive = [group for group in self.at(commit) if self.is_alive(group)]
        if not alive:
            return None
        greatest = max(alive, key=lambda group: (group[0].tag.version.precedence,  # type: ignore[union-attr]
                                                  str(group[0].tag.version)))
        return str(greatest[0].tag.version)

    def greatest_alive(self) -> Optional[Answer]:
        """The greatest live version, looking from the greatest down until one is alive."""
        by_precedence: Dict[Version, List[Group]] = {}
        for group in self.groups.values():
            version = group[0].tag.version
            assert version is not None
            by_precedence.setdefault(version, []).append(group)
        for version in sorted(by_precedence, key=lambda version: version.precedence, reverse=True):
            alive = [group for group in by_precedence[version] if self.is_alive(group)]
            if len(alive) == 1:
                return Answer(alive[0][0].commit, str(alive[0][0].tag.version))
            if alive:  # the same precedence at several commits (or with other build metadata)
                spellings = {str(group[0].tag.version) for group in alive}
                family = [event for spelling in spellings for event in self.sets[spelling]]
                registrations = [event for group in alive for event in group
                                 if event.tag.action is Action.REGISTER]
                chosen = latest(registrations, family)
                assert chosen is not None
                return Answer(chosen.commit, str(chosen.tag.version))
        return None


def _has_deregistration(group: Group) -> bool:
    return any(event.tag.action is Action.DEREGISTER for event in group)


def _known_stages(events: Sequence[Event]) -> str:
    stages = sorted({event.tag.stage for event in events if event.tag.stage})
    if len(stages) > MAX_LISTED:
        stages = stages[:MAX_LISTED] + [f"and {len(stages) - MAX_LISTED} more"]
    return ", ".join(stages) or "none"


def skipped_counters(artifact: ArtifactName, events: Sequence[Event]) -> Optional[str]:
    """A warning naming the counters missing below the largest one of ``artifact``'s tags
    (the registry tools count across every tag of an artifact that carries a counter); None
    if they run unbroken from 1. Tags may have been deleted on purpose, or not fetched."""
    gaps: List[str] = []
    expected = 1
    for counter in sorted({event.tag.counter for event in events_of(artifact, events)
                           if event.tag.counter is not None}):
        if counter > expected:
            gaps.append(f"{expected}" if counter == expected + 1 else f"{expected}-{counter - 1}")
        expected = counter + 1
    if not gaps:
        return None
    if len(gaps) > MAX_LISTED:
        gaps = gaps[:MAX_LISTED] + [f"and {len(gaps) - MAX_LISTED} more"]
    return (f"the tag counters of artifact '{artifact}' skip {', '.join(gaps)}: tags were deleted, or "
            "this repository lacks some (`git fetch --tags`), and an answer from it may be stale")


def resolve_version(artifact: ArtifactName, events: Sequence[Event], version: Version) -> Answer:
    """Pinned lookup: the commit of the (latest) registration of ``version``.

    Orders that version's events alone, and all events only if the artifact
    was ever deprecated. Pins resolve even for deregistered versions and
    deprecated artifacts, with a warning: they exist for reproducibility.
    """
    events = events_of(artifact, events)
    versions = _Versions(events)
    wanted = str(version)
    chosen = latest((event for event in versions.sets.get(wanted, []) if event.tag.action is Action.REGISTER),
                    versions.sets.get(wanted))
    if chosen is None:
        raise ArtifactNotFoundError(
            f"artifact '{artifact}' has no version {version}; known versions: {versions.known()}"
        )
    warnings = []
    group = versions.groups[(chosen.commit, wanted)]
    if not versions.is_alive(group):
        deregistration = latest(group, versions.sets[wanted])
        assert deregistration is not None
        warnings.append(
            f"version {version} of artifact '{artifact}' is deregistered ({deregistration.tag.name})"
        )
    if is_deprecated(events):
        warnings.append(f"artifact '{artifact}' is deprecated")
    return Answer(chosen.commit, wanted, tuple(warnings))


def _in_stage(stage: str, events: Sequence[Event], versions: _Versions) -> Optional[str]:
    """The commit in ``stage`` whose latest assignment is the most recent; None if none.

    Looks only at commits that were ever in the stage, ordering their events by the
    rule of the stage's events; per commit, its stage events first, its versions only
    if it is still assigned.
    """
    stage_events = [event for event in events if event.tag.stage == stage]
    by_commit: Dict[str, List[Event]] = {}
    for event in stage_events:
        by_commit.setdefault(event.commit, []).append(event)
    assignments = []
    for commit, commit_events in by_commit.items():
        last = latest(commit_events, stage_events)
        if last is not None and last.tag.action is Action.ASSIGN and not versions.is_deregistered(commit):
            assignments.append(last)
    chosen = latest(assignments, stage_events)
    return chosen.commit if chosen else None


def resolve_stage(artifact: ArtifactName, events: Sequence[Event], stage: str) -> Answer:
    """Stage lookup: among commits not deregistered, the one most recently assigned to ``stage``."""
    events = events_of(artifact, events)
    if is_deprecated(events):
        raise ArtifactNotFoundError(f"artifact '{artifact}' is deprecated")
    versions = _Versions(events)
    commit = _in_stage(stage, events, versions)
    if commit is None:
        raise ArtifactNotFoundError(f"artifact '{artifact}' has no version in stage '{stage}'"
                                    f"{_why_empty(stage, events, versions)}")
    return Answer(commit)


def _why_empty(stage: str, events: Sequence[Event], versions: _Versions) -> str:
    """Why ``stage`` holds no commit: it never had one (the stages that exist), the
    unassignment that took out the last commit assigned, or the deregistrations of the
    versions of the commits still assigned to it."""
    stage_events = [event for event in events if event.tag.stage == stage]
    if not stage_events:
        return f"; stages: {_known_stages(events)}"
    by_commit: Dict[str, List[Event]] = {}
    for event in stage_events:
        by_commit.setdefault(event.commit, []).append(event)
    still_assigned = [commit for commit, commit_events in by_commit.items()
                      if _last_action(commit_events, stage_events) is Action.ASSIGN]
    if not still_assigned:  # the stage's latest event took the last commit out
        emptying = latest(stage_events)
        assert emptying is not None
        return f": it was emptied by {emptying.tag.name}"
    deregistrations = sorted({
        last.tag.name for commit in still_assigned for group in versions.at(commit)
        for last in [latest(group, versions.sets[str(group[0].tag.version)])] if last is not None
    })
    if len(deregistrations) > MAX_LISTED:
        deregistrations = deregistrations[:MAX_LISTED] + [f"and {len(deregistrations) - MAX_LISTED} more"]
    return (f": it was emptied by the deregistration of the version{'s' if len(deregistrations) > 1 else ''} "
            f"of its commit{'s' if len(still_assigned) > 1 else ''} ({', '.join(deregistrations)})")


def _last_action(commit_events: Sequence[Event], stage_events: Sequence[Event]) -> Optional[Action]:
    last = latest(commit_events, stage_events)
    return last.tag.action if last is not None else None


def resolve_latest(artifact: ArtifactName, events: Sequence[Event]) -> Answer:
    """Latest lookup: the greatest registered, not deregistered version (semver precedence)."""
    events = events_of(artifact, events)
    if is_deprecated(events):
        raise ArtifactNotFoundError(f"artifact '{artifact}' is deprecated")
    versions = _Versions(events)
    answer = versions.greatest_alive()
    if answer is None:
        raise ArtifactNotFoundError(
            f"artifact '{artifact}' has no registered version; known versions: {versions.known()}"
        )
    return answer


def overview(artifact: ArtifactName, events: Sequence[Event]) -> Overview:
    """Latest and every stage of ``artifact``, each as its single lookup answers it."""
    events = events_of(artifact, events)
    if is_deprecated(events):
        return Overview(None, {}, True)
    versions = _Versions(events)
    stages = {}
    for stage in sorted({event.tag.stage for event in events if event.tag.stage}):
        commit = _in_stage(stage, events, versions)
        if commit is not None:
            stages[stage] = Answer(commit, versions.shown_at(commit))
    return Overview(versions.greatest_alive(), stages, False)


EVENT_NAMES = {
    Action.REGISTER: "registration", Action.DEREGISTER: "deregistration", Action.ASSIGN: "assignment",
    Action.UNASSIGN: "unassignment", Action.DEPRECATE: "deprecation",
}
"""What each action is called in an event (the names ``gto check-ref`` and ``gto history`` print)."""


class TagEvent(NamedTuple):
    """What one registry tag did. The fields after ``commit_hexsha`` come from the tag object
    and the commit's files, filled in by the session (None where there are none)."""

    artifact: str
    """The full name (``dir:name``)."""
    event: str
    """registration, deregistration, assignment, unassignment or deprecation."""
    version: Optional[str]
    """The tag's version for a (de)registration; for an assignment or unassignment the version
    registered at the tag's commit, as a stage shows it; None for a deprecation, or none there."""
    stage: Optional[str]
    tag: str
    commit_hexsha: str
    created_at: Optional[str] = None
    """The tagger's date in ISO 8601 with the tagger's own offset (``2023-11-14T22:13:20+00:00``)."""
    author: Optional[str] = None
    """The tagger's name (the registry tools' author of an event)."""
    author_email: Optional[str] = None
    message: Optional[str] = None
    path: Optional[str] = None
    """The artifact's path at the tag's commit, where its ``dvc.yaml`` declares it there."""
    url: Optional[str] = None
    declaration: Optional[Declaration] = None
    """The artifact's declaration at the tag's commit, when asked for."""


class VersionEntry(NamedTuple):
    """A version registered for an artifact, at one commit."""

    version: str
    rev: str
    deregistered: bool
    stages: Tuple[str, ...]
    """The stages this version holds now (their single lookups answer its commit)."""
    tag: str
    """Its registration tag (the latest, if it was registered more than once at the commit)."""


def explained(artifact: ArtifactName, events: Sequence[Event], answer: Answer,
              stage: Optional[str] = None) -> Answer:
    """``answer`` (of a pinned, stage or latest lookup) with the tag that decided it: the version's
    registration at the commit, or the stage's latest assignment there; a stage's answer also gets
    the version shown at its commit, as the overview shows it."""
    events = events_of(artifact, events)
    versions = _Versions(events)
    if stage is not None:
        stage_events = [event for event in events if event.tag.stage == stage]
        decider = latest((event for event in stage_events if event.commit == answer.commit), stage_events)
        return answer._replace(version=versions.shown_at(answer.commit),
                               tag=decider.tag.name if decider else None)
    family = versions.sets.get(answer.version or "", [])  # the version as pinned, or the latest's
    decider = latest((event for event in family
                      if event.tag.action is Action.REGISTER and event.commit == answer.commit), family)
    return answer._replace(tag=decider.tag.name if decider else None)


def tag_event(artifact: ArtifactName, events: Sequence[Event], name: str) -> Optional[TagEvent]:
    """The event that the tag ``name`` of ``artifact`` makes; None if no such tag is among
    ``events`` (or it is an ``@created`` tag, which makes none)."""
    events = events_of(artifact, events)
    found = [event for event in events if event.tag.name == name and event.tag.action in EVENT_NAMES]
    if not found:
        return None
    return _happened(found[0], _Versions(events))


def _happened(event: Event, versions: _Versions) -> TagEvent:
    tag = event.tag
    version: Optional[str] = None
    if tag.action in (Action.REGISTER, Action.DEREGISTER):
        version = str(tag.version)
    elif tag.action in (Action.ASSIGN, Action.UNASSIGN):
        version = versions.shown_at(event.commit)
    return TagEvent(tag.artifact.full, EVENT_NAMES[tag.action], version, tag.stage, tag.name, event.commit)


def history(artifact: ArtifactName, events: Sequence[Event]) -> List[TagEvent]:
    """Every event of ``artifact``, newest first: the order of all its events as one set (the
    one deprecation is decided by), reversed. ``@created`` tags make no event."""
    events = [event for event in events_of(artifact, events) if event.tag.action in EVENT_NAMES]
    versions = _Versions(events)
    return [_happened(event, versions) for event in sorted(events, key=order_key(events), reverse=True)]


def registered_versions(artifact: ArtifactName, events: Sequence[Event]) -> List[VersionEntry]:
    """Every version registered for ``artifact``, each at its commit, greatest first: whether it
    is deregistered, and the stages it holds now (none for a deprecated artifact)."""
    events = events_of(artifact, events)
    versions = _Versions(events)
    held: Dict[str, List[str]] = {}
    if not is_deprecated(events):
        for stage in sorted({event.tag.stage for event in events if event.tag.stage}):
            commit = _in_stage(stage, events, versions)
            if commit is not None:
                held.setdefault(commit, []).append(stage)
    entries = []
    for (commit, version), group in versions.groups.items():
        registrations = [event for event in group if event.tag.action is Action.REGISTER]
        chosen = latest(registrations, versions.sets[version])
        if chosen is None:  # deregistered where it was never registered
            continue
        alive = versions.is_alive(group)
        stages = held.get(commit, []) if alive and versions.shown_at(commit) == version else []
        entries.append((chosen, VersionEntry(version, commit, not alive, tuple(stages), chosen.tag.name)))
    entries.sort(key=lambda item: (item[0].tag.version.precedence, item[1].version,  # type: ignore[union-attr]
                                   item[0].date, item[1].rev), reverse=True)
    return [entry for _, entry in entries]
