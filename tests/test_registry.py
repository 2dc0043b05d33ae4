"""Registry semantics from lists of tags alone, no git: examples, then properties (hypothesis) on
random histories of one artifact: the order of a set is total and independent of the order the
events come in; the overview equals the single lookups; a stage's answer equals that of a
sort-and-walk reference; events of tags, histories and versions agree with the lookups."""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts_show import ArtifactNotFoundError
from artifacts_show.names import ArtifactName
from artifacts_show.registry import (
    NO_TAGGER_DATE,
    Event,
    TagEvent,
    VersionEntry,
    explained,
    order_key,
    overview,
    registered_versions,
    resolve_latest,
    resolve_stage,
    resolve_version,
    skipped_counters,
    tag_event,
)
from artifacts_show.registry import (
    history as newest_first,
)
from artifacts_show.registry import (
    latest as latest_event,
)
from artifacts_show.tags import Action, RegistryTag, format_tag, parse_tag, parse_version

M = ArtifactName("", "m")


def history(*tags: str):
    """Events from 'name->COMMIT' strings, dated in the order given (as the tools create them)."""
    events = []
    for index, spec in enumerate(tags):
        name, commit = spec.split("->")
        events.append(Event(parse_tag(name), commit, 1000 + index))
    return events


def event(name: str, commit: str = "A", date: int = 0) -> Event:
    return Event(parse_tag(name), commit, date)


def latest(*tags, **kwargs):
    return resolve_latest(M, history(*tags, **kwargs)).commit


def stage(name, *tags, **kwargs):
    return resolve_stage(M, history(*tags, **kwargs), name).commit


def pinned(version, *tags, **kwargs):
    return resolve_version(M, history(*tags, **kwargs), parse_version(version))


def test_worked_example_latest_and_stage():
    tags = ["m@v1.0.0->A", "m@v2.0.0->B", "m#prod#1->A"]
    assert latest(*tags) == "B"
    assert stage("prod", *tags) == "A"


def test_worked_example_rollback():
    tags = ["m@v1.0.0->A", "m@v2.0.0->B", "m#prod#1->A", "m#prod#2->B", "m#prod#3->A"]
    assert stage("prod", *tags) == "A"
    assert stage("prod", *tags[:4]) == "B"


def test_worked_example_unassigned():
    with pytest.raises(ArtifactNotFoundError) as missing:
        stage("dev", "m@v1.0.0->A", "m#dev#1->A", "m#dev!#2->A")
    assert str(missing.value) == "artifact 'm' has no version in stage 'dev': it was emptied by m#dev!#2"


@pytest.mark.parametrize(("tags", "why"), [
    (["m@v1.0.0->A", "m@v2.0.0->B", "m#prod#1->A", "m#prod#2->B", "m#prod!#3->B", "m#prod!#4->A"],
     ": it was emptied by m#prod!#4"),
    # the counters order the stage's events, not the dates: #4 took the last commit out
    (["m@v1.0.0->A", "m#prod#1->A", "m#prod#2->B", "m#prod!#4->B", "m#prod!#3->A"],
     ": it was emptied by m#prod!#4"),
    (["m@v1.0.0->A", "m#prod#1->A", "m@v1.0.0!->A"],
     ": it was emptied by the deregistration of the version of its commit (m@v1.0.0!)"),
    (["m@v1.0.0->A", "m@v2.0.0->B", "m@v2.1.0->B", "m#prod#1->A", "m#prod#2->B", "m@v2.0.0!->B",
      "m@v2.1.0!->B", "m#prod!#3->A"],
     ": it was emptied by the deregistration of the versions of its commit (m@v2.0.0!, m@v2.1.0!)"),
])
def test_a_stage_with_no_version_says_what_emptied_it(tags, why):
    with pytest.raises(ArtifactNotFoundError) as missing:
        stage("prod", *tags)
    assert str(missing.value) == f"artifact 'm' has no version in stage 'prod'{why}"


def test_worked_example_deregistered():
    tags = ["m@v1.0.0->A", "m@v2.0.0->B", "m@v2.0.0!->B"]
    assert latest(*tags) == "A"
    answer = pinned("v2.0.0", *tags)
    assert answer.commit == "B"
    assert answer.warnings == ("version v2.0.0 of artifact 'm' is deregistered (m@v2.0.0!)",)


def test_registered_again_after_deregistration():
    assert latest("m@v2.0.0->B", "m@v2.0.0!#1->B", "m@v2.0.0#2->B", "m@v1.0.0->A") == "B"


def test_latest_ignores_stage_only_commits_and_other_artifacts():
    assert latest("m@v1.0.0->A", "m#prod#1->C", "m2@v9.0.0->D", "nlp=m@v9.0.0->E") == "A"
    with pytest.raises(ArtifactNotFoundError, match="no registered version; known versions: none"):
        latest("m#prod#1->C")


def test_latest_by_precedence_not_by_time():
    assert latest("m@v1.10.0->E", "m@v1.10.0-rc.2->D", "m@v1.9.0->A") == "E"
    assert latest("m@v1.10.0-rc.2->D", "m@v1.10.0-rc.10->F", "m@v1.9.0->A") == "F"


def test_same_precedence_prefers_the_later_registration():
    assert latest("m@v1.0.0+a->A", "m@v1.0.0+b->B") == "B"
    assert pinned("v1.0.0+a", "m@v1.0.0+a->A", "m@v1.0.0+b->B").commit == "A"


def test_stage_skips_deregistered_commits():
    tags = ["m@v1.0.0->A", "m@v2.0.0->B", "m#prod#1->A", "m#prod#2->B", "m@v2.0.0!#3->B"]
    assert stage("prod", *tags) == "A"


def test_commit_with_two_versions_stays_while_one_lives():
    tags = ["m@v1.0.0->A", "m@v1.1.0->A", "m#prod#1->A", "m@v1.1.0!#2->A"]
    assert stage("prod", *tags) == "A"
    assert latest(*tags) == "A"
    with pytest.raises(ArtifactNotFoundError):
        stage("prod", *tags, "m@v1.0.0!#3->A")


def test_stage_on_commit_without_version_and_its_unassignment():
    assert stage("staging", "m@v1.0.0->A", "m#staging#1->B") == "B"
    with pytest.raises(ArtifactNotFoundError):
        stage("prod", "m@v1.0.0->A", "m#prod#1->B", "m#prod!#2->B")


def test_reassigned_after_unassignment():
    assert stage("prod", "m#prod#1->A", "m#prod!#2->A", "m#prod#3->A") == "A"


def test_deprecation():
    tags = ["m@v1.0.0->A", "m#prod#1->A", "m@deprecated#2->A"]
    with pytest.raises(ArtifactNotFoundError, match="deprecated"):
        latest(*tags)
    with pytest.raises(ArtifactNotFoundError, match="deprecated"):
        stage("prod", *tags)
    answer = pinned("1.0.0", *tags)
    assert answer.commit == "A" and answer.warnings == ("artifact 'm' is deprecated",)
    assert latest(*tags, "m@v1.1.0->B") == "B"
    with pytest.raises(ArtifactNotFoundError, match="deprecated"):
        latest(*tags, "m@created#3->B")


def test_pinned_version_not_found_lists_versions():
    with pytest.raises(ArtifactNotFoundError, match=r"no version v3\.0\.0; known versions: "
                       r"v1\.0\.0, v2\.0\.0 \(deregistered\)"):
        pinned("3.0.0", "m@v2.0.0->B", "m@v1.0.0->A", "m@v2.0.0!#1->B")


def names_in_order(*events: Event):
    """The tag names of ``events`` ordered as one set, oldest first."""
    return [event.tag.name for event in sorted(events, key=order_key(events))]


def test_counters_decide_when_every_event_of_the_set_has_one():
    a, b = event("m#prod#2", "A", date=2000), event("m#prod#3", "B", date=1000)
    assert names_in_order(a, b) == ["m#prod#2", "m#prod#3"]
    assert latest_event([b, a]) == latest_event([a, b]) == b


def test_dates_decide_when_a_counter_is_missing():
    a, b = event("m#prod", "A", date=2000), event("m#prod#3", "B", date=1000)
    assert latest_event([a, b]) == a


def test_dates_decide_when_two_counters_are_equal():
    a, b = event("m#prod#3", "A", date=2000), event("m#dev#3", "B", date=1000)
    assert latest_event([a, b]) == a


def test_date_ties_fall_back_to_counter_then_name():
    assert names_in_order(event("m#prod#1", date=5), event("m#prod!", date=5)) == ["m#prod!", "m#prod#1"]
    assert names_in_order(event("m#prod", date=5), event("m#prod!", date=5)) == ["m#prod", "m#prod!"]


def test_the_rule_is_chosen_per_set_so_that_the_order_is_transitive():
    """Pairwise, a#2 < b#3 (counters), b#3 < c (dates), c < a#2 (dates): a cycle. As one
    set with a counterless tag, the three are ordered by date, whatever their input order."""
    a, b, c = event("m#prod#2", "A", date=2000), event("m#prod#3", "B", date=1000), event("m#prod", "C", 1500)
    assert names_in_order(a, b, c) == names_in_order(c, a, b) == ["m#prod#3", "m#prod", "m#prod#2"]
    assert latest_event([a, b, c]) == latest_event([c, b, a]) == a


def test_a_tag_without_tagger_orders_as_the_oldest():
    untagged = event("m#prod", "A", date=NO_TAGGER_DATE)
    dated = event("m#prod!", "A", date=-5)
    assert latest_event([untagged, dated]) == dated
    events = [Event(parse_tag("m#prod"), "A", NO_TAGGER_DATE), Event(parse_tag("m#prod!"), "A", 10)]
    with pytest.raises(ArtifactNotFoundError):
        resolve_stage(M, events, "prod")


def test_overview_answers_as_the_single_lookups_do():
    tags = ["m@v1.0.0->A", "m@v2.0.0->B", "m#prod#1->A", "m#staging#2->B", "m#dev#3->C",
            "m#dev!#4->C", "m@v2.0.0!#5->B", "m@v1.1.0->A"]
    seen = overview(M, history(*tags))
    assert seen.deprecated is False
    assert seen.latest.commit == latest(*tags) == "A" and seen.latest.version == "v1.1.0"
    assert {name: (answer.commit, answer.version) for name, answer in seen.stages.items()} == {
        "prod": ("A", "v1.1.0")}  # staging's B is deregistered, dev was unassigned
    deprecated = overview(M, history(*tags, "m@deprecated#6->A"))
    assert deprecated == (None, {}, True)


def test_a_stage_is_ordered_by_the_rule_of_all_its_events():
    """One counterless tag among a stage's events: dates decide for every comparison of that
    stage, also between two tags of one commit that both carry a counter."""
    events = [Event(parse_tag("m#prod#1"), "A", 100), Event(parse_tag("m#prod!#3"), "A", 50),
              Event(parse_tag("m#prod"), "B", 70)]
    assert resolve_stage(M, events, "prod").commit == "A"  # A's assignment (100) is the latest event


def test_equal_counters_fall_back_to_dates_and_larger_counters_stay_later():
    a, b, c = event("m#prod#1", "A", 100), event("m#prod#2", "B", 50), event("m#prod#2", "C", 60)
    assert names_in_order(a, b, c) == ["m#prod#1", "m#prod#2", "m#prod#2"]
    assert latest_event([a, b, c]) == c


@pytest.mark.parametrize(("tags", "skipped"), [
    (["m@v1.0.0->A", "m#prod#1->A", "m#prod#2->A", "m@v1.0.0!#3->A", "m@deprecated#4->A"], None),
    (["m@v1.0.0->A"], None),  # no counter at all
    (["m#prod#4->A"], "1-3"),
    (["m#dev#2->A", "m#prod#4->A", "m#prod!#7->A", "other#prod#1->A"], "1, 3, 5-6"),  # across every tag
    (["m@v1.0.0!#2->A", "m#prod#3->A"], "1"),  # deregistrations count too
])
def test_counters_that_skip_numbers(tags, skipped):
    warning = skipped_counters(M, history(*tags))
    if skipped is None:
        assert warning is None
    else:
        assert warning is not None and f"artifact 'm' skip {skipped}:" in warning


def test_many_gaps_are_cut_short():
    warning = skipped_counters(M, history(*(f"m#prod#{2 * index}->A" for index in range(1, 100))))
    assert warning is not None and "18-18" not in warning and ", 39, and 79 more:" in warning


def test_the_event_of_each_kind_of_tag():
    events = history("m@v1.0.0->A", "m#prod#1->A", "m#staging#2->B", "m@v1.0.0!#3->A", "m#prod!#4->A",
                     "m@v2.0.0->C", "m@v2.1.0->C", "m#dev#5->C", "m@deprecated#6->C", "m@created#7->C",
                     "other@v9.0.0->A")
    assert tag_event(M, events, "m@v1.0.0") == TagEvent("m", "registration", "v1.0.0", None, "m@v1.0.0", "A")
    assert tag_event(M, events, "m@v1.0.0!#3") == TagEvent("m", "deregistration", "v1.0.0", None,
                                                           "m@v1.0.0!#3", "A")
    # an assignment's version is the one a stage shows at its commit: none where the only one was
    # deregistered, none where none was registered, the greatest live one of several
    assert tag_event(M, events, "m#prod#1") == TagEvent("m", "assignment", None, "prod", "m#prod#1", "A")
    assert tag_event(M, events, "m#prod!#4").event == "unassignment"
    assert tag_event(M, events, "m#staging#2").version is None
    assert tag_event(M, events, "m#dev#5").version == "v2.1.0"
    assert tag_event(M, events, "m@deprecated#6") == TagEvent("m", "deprecation", None, None, "m@deprecated#6", "C")
    assert tag_event(M, events, "m@created#7") is None  # no event
    assert tag_event(M, events, "other@v9.0.0") is None  # another artifact's
    assert tag_event(M, events, "m@v7.0.0") is None


def test_a_history_is_every_event_newest_first():
    events = history("m@v1.0.0->A", "m#prod#1->A", "m@created#2->A", "m@v1.1.0->B", "m#prod#3->B",
                     "m@v1.1.0!#4->B", "m@deprecated#5->B")
    assert [event.tag for event in newest_first(M, events)] == [
        "m@deprecated#5", "m@v1.1.0!#4", "m#prod#3", "m@v1.1.0", "m#prod#1", "m@v1.0.0"]
    assert newest_first(M, events)[2] == TagEvent("m", "assignment", None, "prod", "m#prod#3", "B")


def test_a_history_is_ordered_as_deprecation_orders_every_event():
    """By counter where every event carries one (whatever the dates), else by date, then counter
    (none first), then name: on a second shared by several tags, unlike gto's event priority."""
    counted = [event("m#prod#1", "A", 50), event("m@v1.0.0#2", "A", 40), event("m#prod!#3", "A", 10)]
    assert [event.tag for event in newest_first(M, counted)] == ["m#prod!#3", "m@v1.0.0#2", "m#prod#1"]
    same_second = [event("m#prod#1", "A", 10), event("m@v1.0.0", "A", 10), event("m@v0.9.0", "B", 10),
                   event("m@v1.0.0!#2", "A", 10)]
    assert [event.tag for event in newest_first(M, same_second)] == [
        "m@v1.0.0!#2", "m#prod#1", "m@v1.0.0", "m@v0.9.0"]


def test_versions_with_their_commits_and_the_stages_they_hold():
    tags = ["m@v1.0.0->A", "m@v2.0.0->B", "m#prod#1->A", "m#dev#2->B", "m@v2.0.0!#3->B",
            "m@v1.0.0#4->C", "m#staging#5->C", "m@v9.0.0!->D", "m#qa#6->E"]
    events = history(*tags)
    assert registered_versions(M, events) == [
        VersionEntry("v2.0.0", "B", True, (), "m@v2.0.0"),  # deregistered: it left dev
        VersionEntry("v1.0.0", "C", False, ("staging",), "m@v1.0.0#4"),  # registered again elsewhere
        VersionEntry("v1.0.0", "A", False, ("prod",), "m@v1.0.0"),
    ]  # v9.0.0 was never registered; qa's commit E has no version
    deprecated = registered_versions(M, history(*tags, "m@deprecated#7->A"))
    assert [entry.stages for entry in deprecated] == [(), (), ()]


def test_a_commit_with_two_versions_lists_its_stages_with_the_one_shown():
    events = history("m@v1.0.0->A", "m@v1.5.0->A", "m#prod#1->A")
    assert [(entry.version, entry.stages) for entry in registered_versions(M, events)] == [
        ("v1.5.0", ("prod",)), ("v1.0.0", ())]


def test_the_tag_that_decided_an_answer():
    events = history("m@v1.0.0->A", "m@v1.0.0!#1->A", "m@v1.0.0#2->A", "m@v2.0.0->B", "m#prod#3->A",
                     "m#prod#4->B", "m#prod#5->A", "m#qa#6->C")
    pinned = resolve_version(M, events, parse_version("1.0.0"))
    assert explained(M, events, pinned).tag == "m@v1.0.0#2"
    latest_answer = resolve_latest(M, events)
    assert explained(M, events, latest_answer)[:2] == ("B", "v2.0.0")
    assert explained(M, events, latest_answer).tag == "m@v2.0.0"
    in_prod = explained(M, events, resolve_stage(M, events, "prod"), "prod")
    assert (in_prod.commit, in_prod.version, in_prod.tag) == ("A", "v1.0.0", "m#prod#5")
    in_qa = explained(M, events, resolve_stage(M, events, "qa"), "qa")
    assert (in_qa.version, in_qa.tag) == (None, "m#qa#6")  # a commit without a version


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
    assert latest_event(shuffled) == latest_event(events) == max(events, key=key)
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


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=14))
def test_events_histories_and_versions_agree_with_the_lookups(history):
    events = build_events(history)
    happened = newest_first(M, events)
    assert [tag_event(M, events, event.tag) for event in happened] == happened
    assert len(happened) == len([event for event in events if event.tag.action is not Action.CREATE])
    seen = overview(M, events)
    entries = registered_versions(M, events)
    held = {(stage, entry.rev) for entry in entries for stage in entry.stages}
    assert held == {(stage, answer.commit) for stage, answer in seen.stages.items() if answer.version}
    for stage, answer in seen.stages.items():
        decided = explained(M, events, resolve_stage(M, events, stage), stage)
        assert (decided.version, tag_event(M, events, decided.tag).commit_hexsha) == (answer.version, answer.commit)
    if seen.latest:
        decided = explained(M, events, resolve_latest(M, events))
        assert tag_event(M, events, decided.tag)[1:3] == ("registration", seen.latest.version)
        assert any(entry.tag == decided.tag and not entry.deregistered for entry in entries)
