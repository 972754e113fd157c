"""Room codes, names and the plain data the rules work on."""

import string

from hypothesis import example, given
from hypothesis import strategies as st

from workshop.kinds.warmup_poll import PollOption, WarmupPoll
from workshop.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Participant,
    RoomMeta,
    RoomState,
    Run,
    Timer,
    is_room_code,
    name_key,
    new_room_code,
    normalise_code,
    normalise_name,
)

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

# Room codes


def test_the_code_alphabet_leaves_out_easily_misread_characters() -> None:
    for misread in "0O1IL":
        assert misread not in CODE_ALPHABET
    assert set(CODE_ALPHABET) <= set(string.ascii_uppercase + string.digits)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET)


def test_new_room_codes_are_six_characters_from_the_alphabet() -> None:
    assert CODE_LENGTH == 6
    for _ in range(200):
        code = new_room_code()
        assert len(code) == 6
        assert set(code) <= set(CODE_ALPHABET)
        assert is_room_code(code)


def test_normalise_code_accepts_lower_case_spaces_and_dashes() -> None:
    assert normalise_code("abc234") == "ABC234"
    assert normalise_code(" abc 234 ") == "ABC234"
    assert normalise_code("abc-234") == "ABC234"
    assert normalise_code("Ab c-2\t3-4\n") == "ABC234"


@given(
    code=st.text(alphabet=CODE_ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH),
    lower=st.lists(st.booleans(), min_size=CODE_LENGTH, max_size=CODE_LENGTH),
    gaps=st.lists(st.sampled_from(["", " ", "-", " - ", "\t"]), min_size=7, max_size=7),
)
def test_a_code_typed_on_a_phone_normalises_back_to_the_code(
    code: str, lower: list[bool], gaps: list[str]
) -> None:
    typed = gaps[0] + "".join(
        (ch.lower() if low else ch) + gap
        for ch, low, gap in zip(code, lower, gaps[1:], strict=True)
    )
    assert normalise_code(typed) == code
    assert is_room_code(normalise_code(typed))


def test_is_room_code_accepts_a_well_formed_code() -> None:
    assert is_room_code("ABC234")
    assert is_room_code("ZZZZZZ")


def test_is_room_code_rejects_the_wrong_length() -> None:
    assert not is_room_code("")
    assert not is_room_code("ABC23")
    assert not is_room_code("ABC2345")


def test_is_room_code_rejects_characters_outside_the_alphabet() -> None:
    for bad in ["ABC230", "ABC2O4", "ABC214", "ABCI34", "ABCL34", "abc234", "ABC-23", "ABC 23"]:
        assert not is_room_code(bad), bad


# Names


def test_normalise_name_trims_and_folds_inner_white_space() -> None:
    assert normalise_name("  Ada   Lovelace \n") == "Ada Lovelace"
    assert normalise_name("Ada\t\tLovelace") == "Ada Lovelace"
    assert normalise_name("Ada\u00a0\u2003Lovelace") == "Ada Lovelace"


def test_normalise_name_strips_control_characters() -> None:
    assert normalise_name("A\x00d\x07a") == "Ada"
    assert normalise_name("\x1b[1mAda") == "[1mAda"
    assert normalise_name("Ada\u200b\u202e") == "Ada"


def test_name_key_treats_composed_and_decomposed_accents_alike() -> None:
    assert name_key("Rene\u0301e") == name_key("Ren\u00e9e")


def test_name_key_ignores_case_and_spacing() -> None:
    assert name_key("ADA  Lovelace") == name_key(" ada lovelace ")
    assert name_key("Straße") == name_key("STRASSE")
    assert name_key("Ada") != name_key("Ava")


@given(st.text())
@example("e\x00\u0301")  # removing the control character leaves an uncomposed accent
def test_normalising_a_name_twice_changes_nothing(raw: str) -> None:
    once = normalise_name(raw)
    assert normalise_name(once) == once


@given(st.text())
@example("\u0958")  # a composition-excluded letter that NFC splits into two code points
def test_normalising_a_name_never_makes_it_longer(raw: str) -> None:
    assert len(normalise_name(raw)) <= len(raw)


# Timer, run and room data


def test_a_running_timer_counts_down_to_zero_and_no_further() -> None:
    timer = Timer(running=True, deadline=220.0, total=120.0)
    assert timer.seconds_left(100.0) == 120.0
    assert timer.seconds_left(220.0) == 0.0
    assert timer.seconds_left(500.0) == 0.0


def test_a_paused_timer_shows_its_remaining_time_whatever_the_clock() -> None:
    timer = Timer(running=False, remaining=42.0, total=120.0)
    assert timer.seconds_left(0.0) == 42.0
    assert timer.seconds_left(1e9) == 42.0
    assert Timer(running=False, remaining=-5.0).seconds_left(0.0) == 0.0


def test_a_runs_phase_key_names_the_run_and_its_step() -> None:
    run = Run(id="r3", exercise=POLL)
    assert run.phase_key == "r3.0:vote"
    assert run.model_copy(update={"phase": 1}).phase_key == "r3.0:reveal"


def test_room_meta_finds_runs_and_the_current_run() -> None:
    runs = (Run(id="r1", exercise=POLL), Run(id="r2", exercise=POLL))
    meta = RoomMeta(code="ABC234", created_at=0.0, host_key_hash="h", agenda=runs)
    assert meta.current_run is None
    assert meta.run("r2") == runs[1]
    assert meta.run("r9") is None
    assert meta.model_copy(update={"current": "r2"}).current_run == runs[1]


def test_present_lists_participants_still_in_the_room_in_order_of_arrival() -> None:
    people = {
        "b": Participant(id="b", name="Bea", joined_at=2.0),
        "a": Participant(id="a", name="Al", joined_at=1.0),
        "x": Participant(id="x", name="Xi", joined_at=0.5, removed=True),
    }
    meta = RoomMeta(code="ABC234", created_at=0.0, host_key_hash="h")
    state = RoomState(meta=meta, rev=1, version=1, participants=people)
    assert [p.id for p in state.present] == ["a", "b"]


def test_run_data_for_a_run_that_was_not_loaded_is_empty() -> None:
    meta = RoomMeta(code="ABC234", created_at=0.0, host_key_hash="h")
    state = RoomState(meta=meta, rev=1, version=1, run_data={"run:r1:votes": {"p1": "yes"}})
    assert state.data("run:r1:votes") == {"p1": "yes"}
    assert state.data("run:r2:votes") == {}
