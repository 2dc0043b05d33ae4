"""Registry semantics as pure functions over events: no git in here.

An event is a registry tag of one artifact together with the commit it
points at and, when known, its tagger date. Events are ordered set by set
(a stage's events, one version's registrations and deregistrations, ...):
when every event of the set carries a counter and no two share one, the
larger counter is later; otherwise the tagger date decides, ties falling
back to the counter (a missing one first), then to the tag name. Each rule is
a total order on its set (a rule that mixed both per pair would not be
transitive).

Only the sets an answer depends on are ordered, and ordering a set by dates
that nobody has fetched raises :class:`OrderUnknown` naming the tags, so the
caller fetches tagger dates (a cost for remote repositories) only when the
answer really turns on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ._records import NamedTuple
from .errors import ArtifactNotFoundError
from .names import ArtifactName
from .tags import Action, RegistryTag, Version

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Tuple

    OrderKey = Callable[["Event"], Tuple[object, ...]]
    Group = List["Event"]
    """The registrations and deregistrations of one version at one commit."""

NO_TAGGER_DATE = -(1 << 63)
"""The date of an annotated tag without a tagger line: older than any other."""

MAX_LISTED = 20
"""Not-found messages list at most this many versions or stages, so they stay readable."""


class OrderUnknown(Exception):
    """The answer depends on the order of tags whose tagger dates are not loaded."""

    def __init__(self, tag_names: Sequence[str]) -> None:
        super().__init__(", ".join(tag_names))
        self.tag_names = tuple(tag_names)


class Event(NamedTuple):
    tag: RegistryTag
    commit: str
    date: Optional[int] = None
    """Unix time of the tagger line; None if not loaded; NO_TAGGER_DATE if the tag has none."""


class Answer(NamedTuple):
    commit: str
    version: Optional[str] = None
    """The version registered at the commit, as tagged (build metadata included), if any."""
    warnings: Tuple[str, ...] = ()


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
    undated = [event.tag.name for event in events if event.date is None]
    if undated:
        raise OrderUnknown(undated)
    return lambda event: (
        event.date, -1 if event.tag.counter is None else event.tag.counter, event.tag.name
    )


def latest(events: Iterable[Event]) -> Optional[Event]:
    """The most recent of ``events`` (None if empty); a single event needs no order."""
    candidates = list(events)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    return max(candidates, key=order_key(candidates))


def events_of(artifact: ArtifactName, events: Iterable[Event]) -> List[Event]:
    return [event for event in events if event.tag.artifact == artifact]


def is_deprecated(events: Sequence[Event]) -> bool:
    """Whether the latest event (``@created`` aside) is a deprecation; ordered only if there is one."""
    if not any(event.tag.action is Action.DEPRECATE for event in events):
        return False
    last = latest(event for event in events if event.tag.action is not Action.CREATE)
    return last is not None and last.tag.action is Action.DEPRECATE


def _version_groups(events: Sequence[Event]) -> Dict[Tuple[str, str], Group]:
    groups: Dict[Tuple[str, str], Group] = {}
    for event in events:
        if event.tag.action in (Action.REGISTER, Action.DEREGISTER):
            groups.setdefault((event.commit, str(event.tag.version)), []).append(event)
    return groups


def _is_alive(group: Group) -> bool:
    """Registered, not deregistered: ordered only when a deregistration exists."""
    if all(event.tag.action is Action.REGISTER for event in group):
        return True
    last = latest(group)
    return last is not None and last.tag.action is Action.REGISTER


def _groups_at(commit: str, groups: Dict[Tuple[str, str], Group]) -> List[Group]:
    """The version groups at ``commit``, those without a deregistration first: a commit
    that stays registered then needs no order at all."""
    return sorted((group for (where, _), group in groups.items() if where == commit),
                  key=_has_deregistration)


def _is_deregistered(commit: str, groups: Dict[Tuple[str, str], Group]) -> bool:
    """A commit is deregistered when every version registered at it is deregistered."""
    at_commit = _groups_at(commit, groups)
    return bool(at_commit) and not any(_is_alive(group) for group in at_commit)


def _has_deregistration(group: Group) -> bool:
    return any(event.tag.action is Action.DEREGISTER for event in group)


def _known_versions(groups: Dict[Tuple[str, str], Group]) -> str:
    """Known versions in ascending order; of many, the greatest (the likeliest wanted)."""
    labels = [label for _, label in sorted(
        {
            (group[0].tag.version, key[1] + ("" if _is_alive(group) else " (deregistered)"))
            for key, group in groups.items()
        },
        key=lambda item: (item[0].precedence, item[1]),  # type: ignore[union-attr]
    )]
    if len(labels) > MAX_LISTED:
        labels = [f"{len(labels) - MAX_LISTED} older"] + labels[-MAX_LISTED:]
    return ", ".join(labels) or "none"


def _known_stages(events: Sequence[Event]) -> str:
    stages = sorted({event.tag.stage for event in events if event.tag.stage})
    if len(stages) > MAX_LISTED:
        stages = stages[:MAX_LISTED] + [f"and {len(stages) - MAX_LISTED} more"]
    return ", ".join(stages) or "none"


def _version_at(commit: str, groups: Dict[Tuple[str, str], Group]) -> Optional[str]:
    """The version shown for a stage's commit: the greatest live version registered there."""
    alive = [group for group in _groups_at(commit, groups) if _is_alive(group)]
    if not alive:
        return None
    greatest = max(alive, key=lambda group: (group[0].tag.version.precedence,  # type: ignore[union-attr]
                                              str(group[0].tag.version)))
    return str(greatest[0].tag.version)


def resolve_version(artifact: ArtifactName, events: Sequence[Event], version: Version) -> Answer:
    """Pinned lookup: the commit of the (latest) registration of ``version``.

    Orders that version's events alone, and all events only if the artifact
    was ever deprecated. Pins resolve even for deregistered versions and
    deprecated artifacts, with a warning: they exist for reproducibility.
    """
    events = events_of(artifact, events)
    wanted = str(version)
    chosen = latest(
        event for event in events
        if event.tag.action is Action.REGISTER and str(event.tag.version) == wanted
    )
    groups = _version_groups(events)
    if chosen is None:
        raise ArtifactNotFoundError(
            f"artifact '{artifact}' has no version {version}; known versions: {_known_versions(groups)}"
        )
    warnings = []
    group = groups[(chosen.commit, wanted)]
    if not _is_alive(group):
        deregistration = latest(group)
        assert deregistration is not None
        warnings.append(
            f"version {version} of artifact '{artifact}' is deregistered ({deregistration.tag.name})"
        )
    if is_deprecated(events):
        warnings.append(f"artifact '{artifact}' is deprecated")
    return Answer(chosen.commit, wanted, tuple(warnings))


def _in_stage(stage: str, events: Sequence[Event], groups: Dict[Tuple[str, str], Group]) -> Optional[str]:
    """The commit in ``stage`` whose latest assignment is the most recent; None if none.

    Looks only at commits that were ever in the stage; per commit, its stage
    events first (they usually carry counters), its versions only if it is
    still assigned.
    """
    by_commit: Dict[str, List[Event]] = {}
    for event in events:
        if event.tag.stage == stage:
            by_commit.setdefault(event.commit, []).append(event)
    assignments = []
    for commit, stage_events in by_commit.items():
        last = latest(stage_events)
        if last is not None and last.tag.action is Action.ASSIGN and not _is_deregistered(commit, groups):
            assignments.append(last)
    chosen = latest(assignments)
    return chosen.commit if chosen else None


def resolve_stage(artifact: ArtifactName, events: Sequence[Event], stage: str) -> Answer:
    """Stage lookup: among commits not deregistered, the one most recently assigned to ``stage``."""
    events = events_of(artifact, events)
    if is_deprecated(events):
        raise ArtifactNotFoundError(f"artifact '{artifact}' is deprecated")
    commit = _in_stage(stage, events, _version_groups(events))
    if commit is None:
        raise ArtifactNotFoundError(
            f"artifact '{artifact}' has no version in stage '{stage}'; stages: {_known_stages(events)}"
        )
    return Answer(commit)


def _latest_answer(groups: Dict[Tuple[str, str], Group]) -> Optional[Answer]:
    """The greatest live version, looking from the greatest down until one is alive."""
    by_precedence: Dict[Version, List[Group]] = {}
    for group in groups.values():
        version = group[0].tag.version
        assert version is not None
        by_precedence.setdefault(version, []).append(group)
    for version in sorted(by_precedence, key=lambda version: version.precedence, reverse=True):
        alive = [group for group in by_precedence[version] if _is_alive(group)]
        if len(alive) == 1:
            return Answer(alive[0][0].commit, str(alive[0][0].tag.version))
        if alive:
            states = []
            for group in alive:
                state = latest(event for event in group if event.tag.action is Action.REGISTER)
                assert state is not None
                states.append(state)
            chosen = latest(states)
            assert chosen is not None
            return Answer(chosen.commit, str(chosen.tag.version))
    return None


def resolve_latest(artifact: ArtifactName, events: Sequence[Event]) -> Answer:
    """Latest lookup: the greatest registered, not deregistered version (semver precedence)."""
    events = events_of(artifact, events)
    if is_deprecated(events):
        raise ArtifactNotFoundError(f"artifact '{artifact}' is deprecated")
    groups = _version_groups(events)
    answer = _latest_answer(groups)
    if answer is None:
        raise ArtifactNotFoundError(
            f"artifact '{artifact}' has no registered version; known versions: {_known_versions(groups)}"
        )
    return answer


def overview(artifact: ArtifactName, events: Sequence[Event]) -> Overview:
    """Latest and every stage of ``artifact``, each as its single lookup answers it."""
    events = events_of(artifact, events)
    if is_deprecated(events):
        return Overview(None, {}, True)
    groups = _version_groups(events)
    stages = {}
    for stage in sorted({event.tag.stage for event in events if event.tag.stage}):
        commit = _in_stage(stage, events, groups)
        if commit is not None:
            stages[stage] = Answer(commit, _version_at(commit, groups))
    return Overview(_latest_answer(groups), stages, False)
