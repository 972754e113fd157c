"""Room codes, names and the plain data the rules work on."""

import string
import unicodedata

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


def test_name_key_treats_compatibility_forms_of_a_letter_alike() -> None:
    assert name_key("\uff21lice") == name_key("Alice") == "alice"  # fullwidth A
    assert name_key("\uff21\uff2c\uff29\uff23\uff25") == name_key("alice")  # all fullwidth
    assert name_key("\U0001d400lice") == name_key("Alice")  # mathematical bold A
    assert name_key("\u24b6lice") == name_key("Alice")  # circled A
    assert name_key("\ufb01ona") == name_key("Fiona")  # the fi ligature
    assert name_key("\u210celen") == name_key("Helen")  # black-letter H: no lower case
    assert name_key("Ada\u3000Lovelace") == name_key("Ada Lovelace")  # ideographic space
    assert name_key("\uff21lice") != name_key("Alicia")


def test_name_key_keeps_white_space_folded_when_normalisation_makes_some() -> None:
    # NFKC turns a lone diaeresis into a space and a combining diaeresis.
    assert unicodedata.normalize("NFKC", "\u00a8") == " \u0308"
    assert name_key("\u00a8") == "\u0308"
    assert name_key("a \u00a8") == "a \u0308"


_ALICE_FORMS = st.lists(
    st.sampled_from(
        [
            ("A", "A"),
            ("A", "a"),
            ("A", "\uff21"),
            ("A", "\uff41"),
            ("A", "\U0001d400"),
            ("A", "\u24b6"),
            ("i", "i"),
            ("i", "I"),
            ("i", "\uff49"),
            ("i", "\u2170"),  # small roman numeral one
            ("fi", "\ufb01"),
            ("fi", "FI"),
            ("e\u0301", "\u00e9"),
            ("e\u0301", "\u00c9"),
            ("e\u0301", "\uff45\u0301"),
            ("ss", "\u00df"),
            ("ss", "\u1e9e"),
            (" ", "\u3000"),
            (" ", "\u00a0"),
            ("1", "\uff11"),
            ("1", "\u00b9"),
            ("z", "\U0001d433"),
        ]
    ),
    min_size=1,
)


@given(_ALICE_FORMS)
def test_names_that_are_the_same_under_nfkc_and_case_folding_collide(
    pairs: list[tuple[str, str]],
) -> None:
    plain = "".join(a for a, _ in pairs)
    look_alike = "".join(b for _, b in pairs)
    assert name_key(look_alike) == name_key(plain)


@given(st.text())
@example("\u00a8")  # NFKC makes a space: folded after normalising, as the first time
@example("\u0345")  # case folding changes a character NFKC made
@example("\u1e9e\u0301")
def test_the_key_of_a_name_key_is_itself(raw: str) -> None:
    key = name_key(raw)
    assert name_key(key) == key
    assert unicodedata.is_normalized("NFKC", key)
    # Folded: folding it again changes nothing once normalised ("ǰ" folds to "j" and a caron).
    assert unicodedata.normalize("NFKC", key.casefold()) == key
    assert key == " ".join(key.split())


@given(st.text())
def test_a_name_and_its_shown_form_have_the_same_key(raw: str) -> None:
    assert name_key(normalise_name(raw)) == name_key(raw)


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


def test_room_meta_with_a_changed_run_keeps_the_agenda_order_and_the_others() -> None:
    runs = (Run(id="r1", exercise=POLL), Run(id="r2", exercise=POLL), Run(id="r3", exercise=POLL))
    meta = RoomMeta(code="ABC234", created_at=0.0, host_key_hash="h", agenda=runs, current="r2")
    moved = runs[1].model_copy(update={"phase": 1, "spotlight": "q"})
    changed = meta.with_run(moved)
    assert changed.agenda == (runs[0], moved, runs[2])
    assert changed.current_run == moved
    assert meta.agenda == runs  # the meta it came from is left alone
    assert meta.with_run(Run(id="r9", exercise=POLL)) == meta  # no run of that id: no change


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
