"""The rules in `workshop.engine`: joining, authorisation, agenda, phases, timer and voting."""

import itertools
from typing import Any

import pytest

from workshop import engine
from workshop.actions import Action, action_adapter
from workshop.engine import HOST, Actor, Effects, Write
from workshop.errors import Rejected
from workshop.exercises import load_library
from workshop.kinds.warmup_poll import PollOption, WarmupPoll
from workshop.models import NAME_MAX, Participant, RoomMeta, RoomState, Timer
from workshop.settings import DEFAULT_EXERCISES

POLL = WarmupPoll(
    kind="warmup_poll",
    id="poll",
    title="Warm-up",
    summary="A question to start.",
    seeds=["000"],
    minutes=4,
    question="Which one?",
    options=[PollOption(id="yes", label="Yes"), PollOption(id="no", label="No")],
)
OTHER = POLL.model_copy(update={"id": "other", "title": "Another"})
LIBRARY = {POLL.id: POLL, OTHER.id: OTHER}

ADA = Participant(id="p-ada", name="Ada", joined_at=1.0)
GONE = Participant(id="p-gone", name="Gone", joined_at=2.0, removed=True)
ADA_ACTOR = Actor("participant", ADA.id)

_ids = itertools.count(1)


def act(kind: str, **fields: Any) -> Action:
    return action_adapter.validate_python(
        {"type": kind, "action_id": f"unit-{next(_ids):08d}", **fields}
    )


def fresh_meta(**update: Any) -> RoomMeta:
    meta = engine.new_room("ABC234", "hash", now=0.0)
    return meta.model_copy(update=update) if update else meta


def state_of(meta: RoomMeta, *people: Participant) -> RoomState:
    return RoomState(meta=meta, rev=1, version=1, participants={p.id: p for p in people})


def host_does(meta: RoomMeta, action: Action, now: float = 0.0) -> Effects:
    return engine.apply(state_of(meta, ADA, GONE), HOST, action, LIBRARY, now)


def host_meta(meta: RoomMeta, action: Action, now: float = 0.0) -> RoomMeta:
    effects = host_does(meta, action, now)
    assert effects.meta is not None
    return effects.meta


def rejected(meta: RoomMeta, action: Action, actor: Actor = HOST, now: float = 0.0) -> str:
    with pytest.raises(Rejected) as caught:
        engine.apply(state_of(meta, ADA, GONE), actor, action, LIBRARY, now)
    return caught.value.message


def with_runs(*exercise_ids: str) -> RoomMeta:
    meta = fresh_meta()
    for exercise_id in exercise_ids:
        meta = host_meta(meta, act("add_exercise", exercise_id=exercise_id))
    return meta


def running_poll() -> RoomMeta:
    """r1 (the poll) started and in its vote phase; r2 waiting on the agenda."""
    return host_meta(with_runs("poll", "other"), act("start_run", run_id="r1"))


def vote(meta: RoomMeta, option: str, seen_phase: str = "r1.0:vote") -> Effects:
    action = act("vote", option=option, seen_phase=seen_phase)
    return engine.apply(state_of(meta, ADA, GONE), ADA_ACTOR, action, LIBRARY, 0.0)


# Joining


@pytest.mark.parametrize("raw", ["", "   ", "\t\n", "\x00\x07"])
def test_join_rejects_an_empty_name(raw: str) -> None:
    with pytest.raises(Rejected, match="enter a name"):
        engine.join(state_of(fresh_meta()), "p1", raw, now=5.0)


def test_join_accepts_a_name_of_exactly_40_characters() -> None:
    name = "x" * NAME_MAX
    assert NAME_MAX == 40
    effects = engine.join(state_of(fresh_meta()), "p1", name, now=5.0)
    assert Participant.model_validate_json(effects.writes[1].value).name == name


def test_join_measures_the_name_after_trimming() -> None:
    effects = engine.join(state_of(fresh_meta()), "p1", "   " + "x" * 40 + "  ", now=5.0)
    assert effects.notice == f"Welcome, {'x' * 40}."


def test_join_rejects_41_characters_and_says_the_limit_is_40() -> None:
    with pytest.raises(Rejected) as caught:
        engine.join(state_of(fresh_meta()), "p1", "x" * 41, now=5.0)
    assert "40" in caught.value.message


def test_join_on_a_locked_room_is_rejected() -> None:
    with pytest.raises(Rejected, match="closed to new participants"):
        engine.join(state_of(fresh_meta(locked=True)), "p1", "Ada", now=5.0)


def test_join_writes_the_name_and_the_person_and_requires_the_name_to_be_free() -> None:
    effects = engine.join(state_of(fresh_meta()), "p1", "  Ada   Lovelace ", now=5.0)
    names, people = effects.writes
    assert names == Write.put("names", "ada lovelace", "p1")
    assert (people.op, people.hash, people.field) == ("put", "people", "p1")
    assert Participant.model_validate_json(people.value) == Participant(
        id="p1", name="Ada Lovelace", joined_at=5.0
    )
    assert effects.must_be_absent == (("names", "ada lovelace"),)
    assert effects.meta is None


def test_join_treats_names_that_differ_only_in_case_as_the_same_name() -> None:
    one = engine.join(state_of(fresh_meta()), "p1", "ADA lovelace", now=5.0)
    two = engine.join(state_of(fresh_meta()), "p2", "ada  Lovelace", now=6.0)
    assert one.must_be_absent == two.must_be_absent


# Authorisation

HOST_ACTIONS: list[tuple[str, dict[str, Any]]] = [
    ("add_exercise", {"exercise_id": "poll"}),
    ("remove_run", {"run_id": "r2"}),
    ("start_run", {"run_id": "r1"}),
    ("next_phase", {"seen_phase": "r1.0:vote"}),
    ("previous_phase", {"seen_phase": "r1.0:vote"}),
    ("timer_start", {"minutes": 2}),
    ("timer_pause", {}),
    ("timer_resume", {}),
    ("timer_add", {"seconds": 60}),
    ("timer_clear", {}),
    ("set_locked", {"locked": True}),
    ("set_language", {"language": "de"}),
    ("set_screen", {"blank": True}),
    ("remove_participant", {"participant_id": "p-ada"}),
    ("set_title", {"title": "Mine now"}),
    ("add_own_exercise", {"exercise": POLL.model_dump()}),
    ("edit_exercise", {"run_id": "r2", "exercise": POLL.model_dump()}),
]


@pytest.mark.parametrize(("kind", "fields"), HOST_ACTIONS, ids=[k for k, _ in HOST_ACTIONS])
def test_a_participant_cannot_send_a_facilitator_action(kind: str, fields: dict[str, Any]) -> None:
    message = rejected(running_poll(), act(kind, **fields), actor=ADA_ACTOR)
    assert message.startswith("Only the facilitator")


def test_the_facilitator_cannot_vote() -> None:
    message = rejected(running_poll(), act("vote", option="yes", seen_phase="r1.0:vote"))
    assert message == "That is for participants."


def test_a_removed_participant_cannot_vote() -> None:
    actor = Actor("participant", GONE.id)
    message = rejected(running_poll(), act("vote", option="yes"), actor=actor)
    assert "no longer in this workshop" in message


def test_an_unknown_participant_cannot_vote() -> None:
    actor = Actor("participant", "p-stranger")
    message = rejected(running_poll(), act("vote", option="yes"), actor=actor)
    assert "no longer in this workshop" in message


# Agenda and phases


def test_adding_an_unknown_exercise_is_rejected() -> None:
    message = rejected(fresh_meta(), act("add_exercise", exercise_id="nope"))
    assert "nope" in message


def test_added_runs_are_numbered_r1_r2_in_order() -> None:
    meta = with_runs("poll", "other", "poll")
    assert [run.id for run in meta.agenda] == ["r1", "r2", "r3"]
    assert [run.exercise.id for run in meta.agenda] == ["poll", "other", "poll"]
    assert meta.current is None


def test_run_ids_are_not_reused_after_a_removal() -> None:
    meta = host_meta(with_runs("poll", "other"), act("remove_run", run_id="r2"))
    meta = host_meta(meta, act("add_exercise", exercise_id="other"))
    assert [run.id for run in meta.agenda] == ["r1", "r3"]


def test_an_exercise_of_ones_own_goes_on_the_agenda_as_written() -> None:
    own = POLL.model_copy(update={"id": "mine", "question": "Which habit is hardest?"})
    meta = host_meta(with_runs("poll"), act("add_own_exercise", exercise=own.model_dump()))
    assert [(run.id, run.exercise) for run in meta.agenda][1] == ("r2", own)
    assert "at most 30" in rejected(
        with_runs(*["poll"] * engine.AGENDA_MAX),
        act("add_own_exercise", exercise=own.model_dump()),
    )


def test_an_exercise_is_edited_before_it_starts_and_refused_once_it_has() -> None:
    meta = running_poll()  # r1 running, r2 waiting
    edited = OTHER.model_copy(update={"question": "Which one, really?", "minutes": 9})
    changed = host_meta(meta, act("edit_exercise", run_id="r2", exercise=edited.model_dump()))
    run = changed.run("r2")
    assert run is not None and run.exercise == edited and run.planned_minutes == 9
    assert changed.run("r1") == meta.run("r1")

    message = rejected(meta, act("edit_exercise", run_id="r1", exercise=edited.model_dump()))
    assert "“Warm-up” has already started" in message and "Copy it" in message
    done = host_meta(meta, act("start_run", run_id="r2"))
    assert "already started" in rejected(
        done, act("edit_exercise", run_id="r1", exercise=edited.model_dump())
    )
    assert rejected(meta, act("edit_exercise", run_id="r9", exercise=edited.model_dump())) == (
        "That exercise is no longer on the agenda."
    )


def test_an_edit_keeps_the_planned_minutes_unless_the_minutes_change() -> None:
    meta = with_runs("poll")
    planned = meta.with_run(meta.agenda[0].model_copy(update={"minutes": 12}))
    reworded = POLL.model_copy(update={"question": "Which one now?"})
    kept = host_meta(planned, act("edit_exercise", run_id="r1", exercise=reworded.model_dump()))
    assert kept.agenda[0].planned_minutes == 12
    longer = POLL.model_copy(update={"minutes": 7})
    moved = host_meta(planned, act("edit_exercise", run_id="r1", exercise=longer.model_dump()))
    assert moved.agenda[0].planned_minutes == 7


def test_the_agenda_holds_at_most_30_exercises() -> None:
    meta = with_runs(*["poll"] * engine.AGENDA_MAX)
    assert "at most 30" in rejected(meta, act("add_exercise", exercise_id="poll"))


def test_starting_a_run_makes_it_current_at_its_first_phase_and_clears_the_timer() -> None:
    meta = host_meta(with_runs("poll", "other"), act("timer_start", minutes=5), now=10.0)
    assert meta.timer is not None
    meta = host_meta(meta, act("start_run", run_id="r2"))
    assert meta.current == "r2"
    assert meta.current_run is not None
    assert meta.current_run.phase == 0
    assert meta.current_run.started
    assert meta.timer is None


def test_restarting_a_run_goes_back_to_its_first_phase() -> None:
    meta = host_meta(running_poll(), act("next_phase", seen_phase="r1.0:vote"))
    meta = host_meta(meta, act("start_run", run_id="r1"))
    assert meta.current_run is not None
    assert meta.current_run.phase_key == "r1.0:vote"


def test_starting_a_run_that_is_not_on_the_agenda_is_rejected() -> None:
    assert "no longer on the agenda" in rejected(with_runs("poll"), act("start_run", run_id="r9"))


def test_next_phase_moves_to_the_next_step_and_clears_the_timer() -> None:
    meta = host_meta(running_poll(), act("timer_start", minutes=1))
    effects = host_does(meta, act("next_phase", seen_phase="r1.0:vote"))
    assert effects.meta is not None
    assert effects.meta.current_run is not None
    assert effects.meta.current_run.phase_key == "r1.0:reveal"
    assert effects.meta.timer is None
    assert effects.notice == "Now: Results."


def test_a_double_clicked_next_advances_only_once() -> None:
    click = {"seen_phase": "r1.0:vote"}
    meta = host_meta(running_poll(), act("next_phase", **click))
    message = rejected(meta, act("next_phase", **click))
    assert "moved on" in message


def test_next_phase_with_a_stale_seen_phase_is_rejected() -> None:
    meta = running_poll()
    assert "moved on" in rejected(meta, act("next_phase", seen_phase="r2:vote"))
    assert "moved on" in rejected(meta, act("previous_phase", seen_phase="r1.0:reveal"))


def test_next_phase_at_the_last_phase_is_rejected() -> None:
    meta = host_meta(running_poll(), act("next_phase", seen_phase="r1.0:vote"))
    assert "last step" in rejected(meta, act("next_phase", seen_phase="r1.0:reveal"))


def test_previous_phase_at_the_first_phase_is_rejected() -> None:
    assert "first step" in rejected(running_poll(), act("previous_phase", seen_phase="r1.0:vote"))


def test_previous_phase_goes_back_one_step() -> None:
    meta = host_meta(running_poll(), act("next_phase", seen_phase="r1.0:vote"))
    meta = host_meta(meta, act("previous_phase", seen_phase="r1.0:reveal"))
    assert meta.current_run is not None
    assert meta.current_run.phase_key == "r1.0:vote"


def test_phase_changes_are_rejected_when_nothing_is_running() -> None:
    assert "Nothing is running" in rejected(with_runs("poll"), act("next_phase"))


def test_removing_the_current_run_is_rejected() -> None:
    assert "before removing" in rejected(running_poll(), act("remove_run", run_id="r1"))


def test_removing_another_run_takes_it_off_the_agenda_and_drops_its_data() -> None:
    effects = host_does(running_poll(), act("remove_run", run_id="r2"))
    assert effects.meta is not None
    assert [run.id for run in effects.meta.agenda] == ["r1"]
    assert effects.meta.current == "r1"
    assert effects.drop == ("run:r2:votes",)


def test_removing_a_run_that_is_not_on_the_agenda_is_rejected() -> None:
    assert "no longer on the agenda" in rejected(running_poll(), act("remove_run", run_id="r7"))


# Timer, with a deterministic clock


def timer_after(meta: RoomMeta, kind: str, now: float, **fields: Any) -> Timer:
    timer = host_meta(meta, act(kind, **fields), now=now).timer
    assert timer is not None
    return timer


def started_at_100() -> RoomMeta:
    return host_meta(fresh_meta(), act("timer_start", minutes=2), now=100.0)


def test_starting_a_timer_sets_a_deadline_from_now() -> None:
    timer = started_at_100().timer
    assert timer is not None
    assert timer.running
    assert timer.deadline == 220.0
    assert timer.total == 120.0
    assert timer.seconds_left(150.0) == 70.0


def test_pausing_keeps_the_time_left_however_long_the_pause() -> None:
    paused = timer_after(started_at_100(), "timer_pause", now=130.0)
    assert not paused.running
    assert paused.remaining == 90.0
    assert paused.seconds_left(130.0) == 90.0
    assert paused.seconds_left(10_000.0) == 90.0


def test_resuming_sets_a_new_deadline_from_the_time_left() -> None:
    meta = host_meta(started_at_100(), act("timer_pause"), now=130.0)
    resumed = timer_after(meta, "timer_resume", now=200.0)
    assert resumed.running
    assert resumed.deadline == 290.0
    assert resumed.seconds_left(200.0) == 90.0


def test_adding_time_while_running_moves_the_deadline() -> None:
    timer = timer_after(started_at_100(), "timer_add", now=150.0, seconds=60)
    assert timer.running
    assert timer.deadline == 280.0
    assert timer.seconds_left(150.0) == 130.0


def test_adding_time_while_paused_adds_to_the_time_left() -> None:
    meta = host_meta(started_at_100(), act("timer_pause"), now=130.0)
    timer = timer_after(meta, "timer_add", now=140.0, seconds=60)
    assert not timer.running
    assert timer.remaining == 150.0


def test_taking_away_more_time_than_is_left_stops_at_zero_while_running() -> None:
    timer = timer_after(started_at_100(), "timer_add", now=150.0, seconds=-3600)
    assert timer.seconds_left(150.0) == 0.0
    assert timer.deadline >= 150.0
    assert timer.total >= 0.0


def test_taking_away_more_time_than_is_left_stops_at_zero_while_paused() -> None:
    meta = host_meta(started_at_100(), act("timer_pause"), now=130.0)
    timer = timer_after(meta, "timer_add", now=140.0, seconds=-3600)
    assert timer.remaining == 0.0
    assert timer.seconds_left(140.0) == 0.0
    assert timer.total >= 0.0


def test_a_finished_timer_shows_zero_not_a_negative_number() -> None:
    timer = started_at_100().timer
    assert timer is not None
    assert timer.seconds_left(1_000.0) == 0.0


@pytest.mark.parametrize("kind", ["timer_pause", "timer_resume"])
def test_pausing_or_resuming_without_a_timer_is_rejected(kind: str) -> None:
    assert "no timer" in rejected(fresh_meta(), act(kind))


def test_adding_time_without_a_timer_is_rejected() -> None:
    assert "no timer" in rejected(fresh_meta(), act("timer_add", seconds=30))


def test_pausing_a_paused_timer_changes_nothing() -> None:
    meta = host_meta(started_at_100(), act("timer_pause"), now=130.0)
    effects = host_does(meta, act("timer_pause"), now=150.0)
    assert effects.meta is None
    assert "already paused" in effects.notice


def test_resuming_a_running_timer_changes_nothing() -> None:
    effects = host_does(started_at_100(), act("timer_resume"), now=150.0)
    assert effects.meta is None
    assert "already running" in effects.notice


def test_clearing_the_timer_removes_it() -> None:
    assert host_meta(started_at_100(), act("timer_clear"), now=150.0).timer is None


# Voting


def test_voting_when_nothing_is_running_is_rejected() -> None:
    with pytest.raises(Rejected, match="Nothing is running"):
        vote(with_runs("poll"), "yes", seen_phase="")


def test_voting_in_the_reveal_phase_is_rejected() -> None:
    meta = host_meta(running_poll(), act("next_phase", seen_phase="r1.0:vote"))
    with pytest.raises(Rejected, match="Voting is closed"):
        vote(meta, "yes", seen_phase="r1.0:reveal")


def test_voting_for_an_unknown_option_is_rejected() -> None:
    with pytest.raises(Rejected, match="not part of this question"):
        vote(running_poll(), "maybe")


def test_a_vote_sent_for_an_earlier_phase_is_rejected() -> None:
    meta = host_meta(running_poll(), act("start_run", run_id="r2"))
    with pytest.raises(Rejected, match="moved on"):
        vote(meta, "yes", seen_phase="r1.0:vote")


def test_an_accepted_vote_records_the_option_under_the_participant() -> None:
    effects = vote(running_poll(), "no")
    assert effects.writes == (Write.put("run:r1:votes", ADA.id, "no"),)
    assert effects.meta is None
    assert effects.must_be_absent == ()
    assert effects.drop == ()


# Other facilitator actions


def test_locking_and_unlocking_the_room() -> None:
    locked = host_meta(fresh_meta(), act("set_locked", locked=True))
    assert locked.locked
    assert not host_meta(locked, act("set_locked", locked=False)).locked


def test_the_room_speaks_the_language_the_console_sets_and_only_one_the_app_speaks() -> None:
    meta = fresh_meta()
    assert meta.language == "en"
    assert engine.new_room("ABC234", "hash", 0.0, "es").language == "es"
    effects = host_does(meta, act("set_language", language="de"))
    assert effects.meta is not None and effects.meta.language == "de"
    assert effects.notice == "The room now speaks Deutsch."
    with pytest.raises(ValueError, match="language"):
        act("set_language", language="fr")


def test_a_change_of_language_brings_the_library_exercises_on_the_agenda_along() -> None:
    library = load_library(DEFAULT_EXERCISES)

    def does(meta: RoomMeta, action: Action) -> RoomMeta:
        effects = engine.apply(
            state_of(meta, ADA, GONE),
            HOST,
            action,
            library.exercises_in(meta.language),
            0.0,
            library.agendas,
            library.exercises_in,
        )
        assert effects.meta is not None
        return effects.meta

    meta = does(fresh_meta(), act("start_agenda", agenda_id="breakthrough-90"))
    meta = does(meta, act("next_phase", seen_phase=meta.agenda[0].id + ".0:vote"))
    own = library.exercises["warmup-why-meet"].model_copy(update={"id": "our-own"})
    meta = does(meta, act("add_own_exercise", exercise=own.model_dump()))
    adapted = meta.agenda[1].exercise.model_copy(update={"title": "Our best question"})
    meta = does(meta, act("edit_exercise", run_id=meta.agenda[1].id, exercise=adapted.model_dump()))

    german = does(meta, act("set_language", language="de"))
    poll, best, pairs = german.agenda[0], german.agenda[1], german.agenda[2]
    assert poll.exercise == library.in_language("warmup-hardest-habit", "de")
    assert (poll.phase, poll.started, poll.language) == (1, True, "de")
    # Cut to the rounds the agenda plays, as when it was added.
    assert pairs.rounds == meta.agenda[2].rounds == 1
    assert pairs.exercise.title == library.in_language(pairs.exercise.id, "de").title
    # What the facilitator adapted or wrote keeps its words.
    assert best.exercise.title == "Our best question" and best.language == ""
    assert german.agenda[-1].exercise == own and german.agenda[-1].language == ""
    # And back: the library's English again.
    english = does(german, act("set_language", language="en"))
    assert english.agenda[0].exercise == library.exercises["warmup-hardest-habit"]


def test_the_projector_is_blanked_darkened_and_shows_how_to_join_from_the_console() -> None:
    meta = fresh_meta()
    assert (meta.screen.theme, meta.screen.blank, meta.screen.show_join) == ("light", False, False)
    blank = host_meta(meta, act("set_screen", blank=True))
    assert blank.screen.blank
    dark = host_meta(blank, act("set_screen", theme="dark"))
    # A field left out stays as it was.
    assert (dark.screen.theme, dark.screen.blank) == ("dark", True)
    joining = host_meta(dark, act("set_screen", show_join=True, blank=False))
    assert (joining.screen.theme, joining.screen.blank, joining.screen.show_join) == (
        "dark",
        False,
        True,
    )
    assert host_does(meta, act("set_screen", blank=True)).notice == "The projector is blank."


def test_a_screen_change_that_names_nothing_is_refused() -> None:
    assert rejected(fresh_meta(), act("set_screen")) == "Say what to change on the projector."


def test_removing_a_participant_marks_them_removed() -> None:
    effects = host_does(fresh_meta(), act("remove_participant", participant_id=ADA.id))
    (write,) = effects.writes
    assert (write.op, write.hash, write.field) == ("put", "people", ADA.id)
    assert Participant.model_validate_json(write.value).removed


@pytest.mark.parametrize("participant_id", [GONE.id, "p-stranger"])
def test_removing_someone_not_in_the_room_is_rejected(participant_id: str) -> None:
    message = rejected(fresh_meta(), act("remove_participant", participant_id=participant_id))
    assert "not in the room" in message


def test_setting_the_title_tidies_white_space_and_limits_length() -> None:
    assert host_meta(fresh_meta(), act("set_title", title="  Team   day ")).title == "Team day"
    assert "at most 80" in rejected(fresh_meta(), act("set_title", title="t" * 81))
