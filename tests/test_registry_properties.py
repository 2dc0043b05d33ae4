"""Property tests of the registry semantics (hypothesis) on random histories of one artifact.

The order of a set must be total and independent of the order the events come
in; the overview must equal the single lookups; a stage's answer must equal that
of a sort-and-walk reference.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts_show import ArtifactNotFoundError
from artifacts_show.names import ArtifactName
from artifacts_show.registry import (
    NO_TAGGER_DATE,
    Event,
    latest,
    order_key,
    overview,
    resolve_latest,
    resolve_stage,
)
from artifacts_show.tags import Action, RegistryTag, format_tag, parse_version

M = ArtifactName("", "m")
VERSIONS = ["v1.0.0", "v1.1.0", "v2.0.0-rc.1", "v2.0.0", "v2.0.0+b"]
STAGES = ["dev", "prod"]
COMMITS = "ABCD"

steps = st.tuples(
    st.sampled_from([Action.REGISTER, Action.REGISTER, Action.DEREGISTER, Action.ASSIGN, Action.UNASSIGN,
                     Action.DEPRECATE, Action.CREATE]),
    st.sampled_from(VERSIONS),
    st.sampled_from(STAGES),
    st.sampled_from(COMMITS),
    st.booleans(),  # carries a counter
    st.one_of(st.integers(0, 6), st.just(NO_TAGGER_DATE)),  # few dates: ties happen
)


def build_events(history: Sequence[tuple]) -> List[Event]:
    """Events as the tools would leave them: unique tag names, counters increasing when present."""
    events, seen = [], set()
    for counter, (action, version, stage, commit, counted, date) in enumerate(history, 1):
        keeps_version = action in (Action.REGISTER, Action.DEREGISTER)
        keeps_stage = action in (Action.ASSIGN, Action.UNASSIGN)
        tag = RegistryTag("", M, action, parse_version(version) if keeps_version else None,
                          stage if keeps_stage else None, counter if counted else None)
        tag = tag._replace(name=format_tag(tag))
        if tag.name not in seen:
            seen.add(tag.name)
            events.append(Event(tag, commit, date))
    return events


def outcome(decide: Callable[[List[Event]], object], events: List[Event]) -> object:
    try:
        return decide(events)
    except ArtifactNotFoundError as error:
        return ("not found", str(error))


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_the_order_of_a_set_is_total_and_independent_of_input_order(history, rng):
    events = build_events(history)
    key = order_key(events)
    keys = sorted(map(key, events))
    assert len(set(keys)) == len(keys), "two different events compare equal"
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert latest(shuffled) == latest(events) == max(events, key=key)
    ordered = sorted(events, key=key)
    for first, second, third in zip(ordered, ordered[1:], ordered[2:]):
        assert key(first) < key(second) < key(third)


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=14))
def test_the_overview_equals_the_single_lookups(history):
    events = build_events(history)
    seen = overview(M, events)
    single = outcome(lambda events: resolve_latest(M, events).commit, events)
    assert (seen.latest.commit if seen.latest else None) == (None if isinstance(single, tuple) else single)
    for stage in STAGES:
        answer = outcome(lambda events: resolve_stage(M, events, stage).commit, events)
        in_overview = seen.stages.get(stage)
        assert (in_overview.commit if in_overview else None) == (None if isinstance(answer, tuple) else answer)


def reference_stage(events: List[Event], stage: str):
    """A stage's answer by another road: sort all of the stage's events by the stage's rule,
    walk them keeping each commit's last one, take the latest assignment still standing."""
    stage_events = [event for event in events if event.tag.stage == stage]
    if not stage_events:
        return None
    key = order_key(stage_events)
    last: Dict[str, Event] = {}
    for event in sorted(stage_events, key=key):
        last[event.commit] = event

    def deregistered(commit: str) -> bool:
        spellings = {str(event.tag.version) for event in events
                     if event.commit == commit and event.tag.action in (Action.REGISTER, Action.DEREGISTER)}
        if not spellings:
            return False
        for spelling in spellings:
            family = [event for event in events if event.tag.action in (Action.REGISTER, Action.DEREGISTER)
                      and str(event.tag.version) == spelling]
            state = max((event for event in family if event.commit == commit), key=order_key(family))
            if state.tag.action is Action.REGISTER:
                return False
        return True

    standing = [event for commit, event in last.items()
                if event.tag.action is Action.ASSIGN and not deregistered(commit)]
    return max(standing, key=key).commit if standing else None


@settings(max_examples=400, deadline=None)
@given(st.lists(steps, max_size=14))
def test_a_stage_answer_is_that_of_one_order_over_the_stages_events(history):
    events = [event for event in build_events(history) if event.tag.action is not Action.DEPRECATE]
    for stage in STAGES:
        answer = outcome(lambda events: resolve_stage(M, events, stage).commit, events)
        assert (None if isinstance(answer, tuple) else answer) == reference_stage(events, stage)
