"""The best-question rules in `workshop.kinds.best_question`, and how the engine drives them.

The decisions return `Effects`. `commit` below plays them against a plain dict of hashes (checking
every compare-and-set guard first), and `Table` re-decodes the board from that dict after each step,
so a sequence of decisions can be followed the way a room would see it. No I/O anywhere.
"""

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.unit.memory_store import Store, commit
from workshop import engine
from workshop.actions import Action, action_adapter
from workshop.effects import Effects, Read, Write
from workshop.engine import HOST, Actor
from workshop.errors import Rejected
from workshop.exercises import Library
from workshop.kinds import best_question as bq
from workshop.kinds import data_of, phases_of, rounds_of
from workshop.kinds.best_question import (
    PROJECTOR_TOP_AT_DEBRIEF,
    PROJECTOR_TOP_AT_REVEAL,
    QUESTION_MAX,
    SPOTLIGHT_PHASES,
    BestQuestion,
    BestQuestionView,
    Board,
    Names,
    Question,
    Ranked,
    Scenario,
    author_of,
    question_id,
    ranking,
    shuffled_for,
)
from workshop.models import Participant, RoomMeta, RoomState, Run
from workshop.render import Audience, Renderer, room_context, stage_view

NAMES = Names.of("run:r1:0:")
"""The first round's hashes of run r1, named as the engine names them."""


def scenario(number: int) -> Scenario:
    return Scenario(
        id=f"scenario-{number}",
        title=f"Scenario {number}",
        customer="A customer who has heard it all before.",
        said="We are happy with what we have.",
        rep_knows="They are not, quite.",
        debrief=["Which question opened the door?"],
    )


def make_exercise(rounds: int = 1, **changes: Any) -> BestQuestion:
    fields: dict[str, Any] = {
        "kind": "best_question",
        "id": "best",
        "title": "Best question",
        "summary": "Write the question that could turn it.",
        "seeds": ["001"],
        "minutes": 20,
        "questions_per_person": 2,
        "dots_per_person": 3,
        "stacking": False,
        "scenarios": [scenario(number) for number in range(1, rounds + 1)],
    }
    fields.update(changes)
    return BestQuestion.model_validate(fields)


EXERCISE = make_exercise()
STACKING = make_exercise(stacking=True)


@dataclass
class Table:
    """One round of one run: the stored hashes, the current phase and a clock for `submit`."""

    exercise: BestQuestion = EXERCISE
    phase: str = "write"
    store: Store = field(default_factory=dict)
    clock: float = 0.0

    @property
    def board(self) -> Board:
        return Board.decode(self.store, NAMES)

    def do(self, effects: Effects) -> str:
        self.store = commit(self.store, effects)
        return effects.notice

    def submit(self, author: str, slot: int = 1, text: str | None = None) -> str:
        self.clock += 1.0
        if text is None:
            text = f"What would change for you, {author} ({slot})?"
        return self.do(bq.submit(self.exercise, NAMES, self.phase, author, slot, text, self.clock))

    def withdraw(self, author: str, slot: int = 1) -> str:
        return self.do(bq.withdraw(NAMES, self.board, self.phase, author, slot))

    def dot(self, voter: str, question: str) -> str:
        return self.do(bq.place_dot(self.exercise, NAMES, self.board, self.phase, voter, question))

    def undot(self, voter: str, question: str) -> str:
        return self.do(bq.remove_dot(NAMES, self.board, self.phase, voter, question))

    def hide(self, question: str, hidden: bool = True) -> str:
        return self.do(bq.hide(NAMES, self.board, question, hidden))

    def merge(self, source: str, into: str) -> str:
        return self.do(bq.merge(self.exercise, NAMES, self.board, source, into))

    def dots_of(self, voter: str) -> dict[str, int]:
        return self.board.dots.get(voter, {})


def table_with(*authors: str, exercise: BestQuestion = EXERCISE, phase: str = "vote") -> Table:
    """Each author has written one question (slot 1), oldest first; then the phase is set."""
    table = Table(exercise=exercise)
    for author in authors:
        table.submit(author)
    table.phase = phase
    return table


def rejection(call: Any, *args: Any) -> str:
    with pytest.raises(Rejected) as caught:
        call(*args)
    return caught.value.message


def assert_invariants(board: Board, exercise: BestQuestion) -> None:
    """What must hold after any sequence of decisions."""
    visible = set(board.visible())
    voters = board.dots.keys()
    for voter, entries in board.dots.items():
        assert board.spent(voter) <= exercise.dots_per_person, f"{voter} is over budget"
        for question, number in entries.items():
            assert number > 0, f"{voter} has a stored zero on {question}"
            assert voter not in board.authors(question), f"{voter} votes for own {question}"
            assert question in visible, f"{voter}'s dot sits on {question}, not on the board"
            if not exercise.stacking:
                assert number == 1, f"{voter} has {number} dots on {question}"
    assert sum(board.counts().values()) == sum(board.spent(voter) for voter in voters)


# Content model and small helpers


def test_a_round_goes_brief_write_vote_reveal_debrief() -> None:
    names = [phase.name for phase in phases_of(EXERCISE)]
    assert names == ["brief", "write", "vote", "reveal", "debrief"]


def test_every_scenario_is_a_round_with_its_own_three_hashes() -> None:
    exercise = make_exercise(rounds=2)
    assert rounds_of(exercise) == 2
    assert data_of(exercise) == (
        "0:questions",
        "0:mod",
        "0:dots",
        "1:questions",
        "1:mod",
        "1:dots",
    )
    assert Names.of("run:r1:1:") == Names("run:r1:1:questions", "run:r1:1:mod", "run:r1:1:dots")


def test_scenarios_need_distinct_ids() -> None:
    with pytest.raises(ValueError, match="own id"):
        make_exercise(scenarios=[scenario(1), scenario(1)])


def test_a_question_id_is_the_author_and_the_slot() -> None:
    assert question_id("p-ada", 2) == "p-ada.2"
    assert author_of("p-ada.2") == "p-ada"
    assert author_of(question_id("p.with.dots", 1)) == "p.with.dots"


# Writing questions


@pytest.mark.parametrize("phase", ["brief", "vote", "reveal", "debrief"])
def test_questions_can_be_written_only_in_the_write_phase(phase: str) -> None:
    table = Table(phase=phase)
    assert "only while writing is open" in rejection(table.submit, "ada")
    assert table.store == {}


def test_a_saved_question_is_stored_under_the_author_and_slot_with_its_time() -> None:
    effects = bq.submit(EXERCISE, NAMES, "write", "ada", 2, "Why now?", 42.0)
    (write,) = effects.writes
    assert (write.op, write.hash, write.field) == ("put", "run:r1:0:questions", "ada.2")
    assert Question.model_validate_json(write.value) == Question(text="Why now?", at=42.0)
    assert effects.notice == "Question saved ✓"
    assert effects.expect == ()


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \r\n"])
def test_an_empty_question_is_rejected(text: str) -> None:
    assert rejection(Table().submit, "ada", 1, text) == "Write a question first."


def test_a_500_character_question_is_rejected_naming_the_limit_and_its_length() -> None:
    message = rejection(Table().submit, "ada", 1, "x" * 500)
    assert QUESTION_MAX == 280
    assert "280" in message
    assert "500" in message


def test_a_281_character_question_is_rejected() -> None:
    message = rejection(Table().submit, "ada", 1, "x" * 281)
    assert "280" in message
    assert "281" in message


def test_a_question_of_exactly_280_characters_is_accepted() -> None:
    table = Table()
    table.submit("ada", 1, "x" * 280)
    assert table.board.questions["ada.1"].text == "x" * 280


def test_white_space_is_folded_before_the_length_is_measured() -> None:
    table = Table()
    table.submit("ada", 1, "  What   would\n\tmake\r\nthis   worth it?  ")
    assert table.board.questions["ada.1"].text == "What would make this worth it?"
    table.submit("ada", 2, "   " + "y " * 140 + "   ")
    assert len(table.board.questions["ada.2"].text) == 279


@pytest.mark.parametrize("slot", [0, -1, 3, 10])
def test_a_slot_outside_the_allowance_is_rejected(slot: int) -> None:
    assert "up to 2 questions" in rejection(Table().submit, "ada", slot)


def test_each_person_has_one_question_per_slot_and_rewriting_a_slot_replaces_it() -> None:
    table = Table()
    table.submit("ada", 1, "First")
    table.submit("ada", 2, "Second")
    table.submit("ada", 1, "First, better")
    assert {q: item.text for q, item in table.board.questions.items()} == {
        "ada.1": "First, better",
        "ada.2": "Second",
    }


# Withdrawing


def test_a_question_can_be_withdrawn_in_the_write_phase() -> None:
    table = table_with("ada", "ben", phase="write")
    assert table.withdraw("ada") == "Question withdrawn."
    assert table.board.visible() == ["ben.1"]


@pytest.mark.parametrize("phase", ["brief", "vote", "reveal", "debrief"])
def test_withdrawing_outside_the_write_phase_is_rejected(phase: str) -> None:
    table = table_with("ada", phase=phase)
    assert "only while writing is open" in rejection(table.withdraw, "ada", 1)
    assert "ada.1" in table.board.questions


def test_withdrawing_an_empty_slot_is_rejected() -> None:
    table = table_with("ada", phase="write")
    assert "no question to withdraw" in rejection(table.withdraw, "ada", 2)
    assert "no question to withdraw" in rejection(table.withdraw, "ben", 1)


def test_withdrawing_a_question_gives_its_dots_back() -> None:
    table = table_with("ada", "ben", "cy")
    table.dot("ben", "ada.1")
    table.dot("ben", "cy.1")
    table.dot("cy", "ada.1")
    table.phase = "write"
    table.withdraw("ada")
    board = table.board
    assert board.dots == {"ben": {"cy.1": 1}}
    assert board.spent("cy") == 0
    assert board.counts() == {"ben.1": 0, "cy.1": 1}
    assert_invariants(board, EXERCISE)


def test_a_withdrawn_question_can_no_longer_get_dots() -> None:
    table = table_with("ada", "ben", phase="write")
    table.withdraw("ada")
    table.phase = "vote"
    assert "no longer on the board" in rejection(table.dot, "ben", "ada.1")


def test_a_dot_on_a_question_that_never_existed_is_rejected() -> None:
    table = table_with("ada", "ben")
    assert "no longer on the board" in rejection(table.dot, "ben", "ada.2")
    assert "no longer on the board" in rejection(table.dot, "ben", "nobody.1")
    assert table.board.dots == {}


# Dots and the budget


@pytest.mark.parametrize("phase", ["brief", "write", "reveal", "debrief"])
def test_dots_can_be_placed_and_taken_back_only_in_the_vote_phase(phase: str) -> None:
    table = table_with("ada", "ben")
    table.dot("ben", "ada.1")
    table.phase = phase
    assert rejection(table.dot, "cy", "ada.1") == "Voting is not open."
    assert rejection(table.undot, "ben", "ada.1") == "Voting is not open."
    assert table.board.dots == {"ben": {"ada.1": 1}}


def test_the_budget_is_never_exceeded_and_a_taken_back_dot_can_be_placed_again() -> None:
    table = table_with("ada", "ben", "cy", "dee", "eve")
    assert table.dot("eve", "ada.1") == "Dot placed ✓ (2 left)"
    assert table.dot("eve", "ben.1") == "Dot placed ✓ (1 left)"
    assert table.dot("eve", "cy.1") == "Dot placed ✓ (0 left)"
    message = rejection(table.dot, "eve", "dee.1")
    assert message == "You have used all 3 dots. Take one back to move it."
    assert table.board.spent("eve") == 3
    assert table.undot("eve", "ben.1") == "Dot taken back."
    assert table.board.spent("eve") == 2
    table.dot("eve", "dee.1")
    assert table.dots_of("eve") == {"ada.1": 1, "cy.1": 1, "dee.1": 1}
    assert "used all 3 dots" in rejection(table.dot, "eve", "ben.1")
    assert_invariants(table.board, EXERCISE)


def test_one_voters_budget_does_not_limit_another() -> None:
    table = table_with("ada", "ben", "cy", "dee")
    for question in ("ben.1", "cy.1", "dee.1"):
        table.dot("ada", question)
    table.dot("ben", "ada.1")
    assert table.board.spent("ada") == 3
    assert table.board.spent("ben") == 1


def test_without_stacking_a_second_dot_on_the_same_question_is_rejected() -> None:
    table = table_with("ada", "ben")
    table.dot("ben", "ada.1")
    assert rejection(table.dot, "ben", "ada.1") == "You already put a dot on this question."
    assert table.dots_of("ben") == {"ada.1": 1}


def test_with_stacking_dots_pile_up_on_one_question_within_the_budget() -> None:
    table = table_with("ada", "ben", exercise=STACKING)
    for _ in range(3):
        table.dot("ben", "ada.1")
    assert table.dots_of("ben") == {"ada.1": 3}
    assert "used all 3 dots" in rejection(table.dot, "ben", "ada.1")
    table.undot("ben", "ada.1")
    assert table.dots_of("ben") == {"ada.1": 2}
    assert_invariants(table.board, STACKING)


def test_taking_back_a_dot_you_did_not_place_is_rejected() -> None:
    table = table_with("ada", "ben", "cy")
    table.dot("cy", "ada.1")
    assert "no dot on that question" in rejection(table.undot, "ben", "ada.1")
    assert "no dot on that question" in rejection(table.undot, "cy", "ben.1")


def test_taking_back_the_last_dot_removes_the_voters_entry() -> None:
    table = table_with("ada", "ben")
    table.dot("ben", "ada.1")
    table.undot("ben", "ada.1")
    assert NAMES.dots not in table.store
    assert table.board.spent("ben") == 0


def test_a_dot_is_guarded_by_the_voters_dots_and_the_questions_moderation() -> None:
    table = table_with("ada", "ben")
    effects = bq.place_dot(EXERCISE, NAMES, table.board, "vote", "ben", "ada.1")
    assert effects.writes == (Write.put(NAMES.dots, "ben", '{"ada.1":1}'),)
    assert (NAMES.dots, "ben", "") in effects.expect
    assert (NAMES.mod, "ada.1", "") in effects.expect


# No self-votes


@pytest.mark.parametrize("slot", [1, 2])
def test_nobody_can_dot_their_own_question(slot: int) -> None:
    table = Table()
    table.submit("ada", 1)
    table.submit("ada", 2)
    table.phase = "vote"
    assert rejection(table.dot, "ada", f"ada.{slot}") == "You can't vote for your own question."
    assert table.board.dots == {}


def test_after_a_merge_neither_author_can_vote_for_the_merged_question() -> None:
    table = table_with("ada", "ben", "cy")
    table.merge("ben.1", "ada.1")
    for voter in ("ada", "ben"):
        for question in ("ada.1", "ben.1"):
            assert "your own question" in rejection(table.dot, voter, question)
    table.dot("cy", "ben.1")
    assert table.dots_of("cy") == {"ada.1": 1}


def test_a_merge_gives_back_a_dot_an_author_had_on_the_other_question() -> None:
    table = table_with("ada", "ben", "cy")
    table.dot("ben", "ada.1")
    table.dot("ben", "cy.1")
    table.dot("ada", "ben.1")
    table.merge("ben.1", "ada.1")
    board = table.board
    assert board.spent("ben") == 1
    assert board.spent("ada") == 0
    assert board.dots == {"ben": {"cy.1": 1}}
    assert_invariants(board, EXERCISE)


def test_an_author_merged_further_down_a_chain_still_cannot_vote_for_the_root() -> None:
    table = table_with("ada", "ben", "cy", "dee")
    table.dot("ada", "dee.1")
    table.merge("ada.1", "ben.1")
    table.merge("ben.1", "cy.1")
    table.merge("dee.1", "cy.1")
    assert table.board.authors("cy.1") == {"ada", "ben", "cy", "dee"}
    assert table.board.spent("ada") == 0
    assert "your own question" in rejection(table.dot, "ada", "cy.1")


# Hiding


def test_a_hidden_question_gets_no_new_dots() -> None:
    table = table_with("ada", "ben")
    assert table.hide("ada.1") == "Question hidden; its dots went back to the voters."
    assert rejection(table.dot, "ben", "ada.1") == "That question is no longer on the board."


def test_a_question_merged_into_a_hidden_one_gets_no_new_dots() -> None:
    table = table_with("ada", "ben", "cy")
    table.merge("ben.1", "ada.1")
    table.hide("ben.1")
    assert table.board.is_hidden("ada.1")
    assert "no longer on the board" in rejection(table.dot, "cy", "ben.1")
    assert "no longer on the board" in rejection(table.dot, "cy", "ada.1")


def test_hiding_a_question_gives_its_dots_back_to_the_voters() -> None:
    table = table_with("ada", "ben", "cy")
    table.dot("ben", "ada.1")
    table.dot("ben", "cy.1")
    table.dot("cy", "ada.1")
    table.hide("ada.1")
    board = table.board
    assert board.spent("ben") == 1
    assert board.spent("cy") == 0
    assert board.counts() == {"ben.1": 0, "cy.1": 1}
    assert "ada.1" not in board.visible()
    assert_invariants(board, EXERCISE)


def test_showing_a_hidden_question_again_does_not_bring_its_dots_back() -> None:
    table = table_with("ada", "ben", "cy")
    table.dot("ben", "ada.1")
    table.hide("ada.1")
    assert table.hide("ada.1", hidden=False) == "Question shown again."
    board = table.board
    assert "ada.1" in board.visible()
    assert board.counts()["ada.1"] == 0
    assert board.spent("ben") == 0
    table.dot("cy", "ada.1")
    assert table.board.counts()["ada.1"] == 1


def test_hiding_twice_or_showing_a_shown_question_changes_nothing() -> None:
    table = table_with("ada")
    table.hide("ada.1")
    again = bq.hide(NAMES, table.board, "ada.1", True)
    assert again.writes == ()
    assert again.notice == "That question is already hidden."
    table.hide("ada.1", hidden=False)
    shown = bq.hide(NAMES, table.board, "ada.1", False)
    assert shown.writes == ()
    assert shown.notice == "That question is already shown."


def test_hiding_a_question_that_is_not_there_is_rejected() -> None:
    table = table_with("ada")
    assert "no longer on the board" in rejection(table.hide, "ben.1")


# Merging


@pytest.mark.parametrize(("exercise", "expected"), [(EXERCISE, 1), (STACKING, 2)])
def test_a_voter_with_dots_on_both_questions_keeps_every_vote_once(
    exercise: BestQuestion, expected: int
) -> None:
    table = table_with("ada", "ben", "cy", exercise=exercise)
    table.dot("cy", "ada.1")
    table.dot("cy", "ben.1")
    assert table.merge("ben.1", "ada.1") == "Questions merged."
    board = table.board
    assert board.dots == {"cy": {"ada.1": expected}}
    assert board.counts() == {"ada.1": expected, "cy.1": 0}
    assert_invariants(board, exercise)


def test_with_stacking_a_merge_adds_up_stacked_dots() -> None:
    table = table_with("ada", "ben", "cy", exercise=STACKING)
    table.dot("cy", "ada.1")
    table.dot("cy", "ben.1")
    table.dot("cy", "ben.1")
    table.merge("ben.1", "ada.1")
    assert table.dots_of("cy") == {"ada.1": 3}
    assert "used all 3 dots" in rejection(table.dot, "cy", "ada.1")


def test_other_voters_dots_on_the_merged_question_move_to_the_target() -> None:
    table = table_with("ada", "ben", "cy", "dee", "eve")
    table.dot("cy", "ben.1")
    table.dot("dee", "ben.1")
    table.dot("dee", "eve.1")
    table.dot("eve", "ada.1")
    table.merge("ben.1", "ada.1")
    board = table.board
    assert board.dots == {
        "cy": {"ada.1": 1},
        "dee": {"ada.1": 1, "eve.1": 1},
        "eve": {"ada.1": 1},
    }
    assert board.counts() == {"ada.1": 3, "cy.1": 0, "dee.1": 0, "eve.1": 1}
    assert board.visible() == ["ada.1", "cy.1", "dee.1", "eve.1"]
    assert_invariants(board, EXERCISE)


def test_merges_chain_and_every_id_leads_to_the_last_target() -> None:
    table = table_with("ada", "ben", "cy", "dee", "eve")
    table.dot("eve", "ada.1")
    table.dot("dee", "ben.1")
    table.merge("ada.1", "ben.1")
    table.merge("ben.1", "cy.1")
    board = table.board
    assert [board.root(q) for q in ("ada.1", "ben.1", "cy.1")] == ["cy.1"] * 3
    assert board.is_root("cy.1")
    assert not board.is_root("ada.1")
    assert board.counts() == {"cy.1": 2, "dee.1": 0, "eve.1": 0}
    table.merge("ada.1", "dee.1")
    board = table.board
    assert board.root("ben.1") == "dee.1"
    assert board.authors("dee.1") == {"ada", "ben", "cy", "dee"}
    assert board.dots == {"eve": {"dee.1": 1}}
    assert_invariants(board, EXERCISE)


def test_a_dot_through_a_merged_id_lands_on_the_target_and_can_be_taken_back_the_same_way() -> None:
    table = table_with("ada", "ben", "cy")
    table.merge("ben.1", "ada.1")
    table.dot("cy", "ben.1")
    assert table.dots_of("cy") == {"ada.1": 1}
    assert "already put a dot" in rejection(table.dot, "cy", "ada.1")
    table.undot("cy", "ben.1")
    assert table.board.spent("cy") == 0


def test_merging_a_question_into_itself_or_its_own_target_is_rejected() -> None:
    table = table_with("ada", "ben")
    assert "already one question" in rejection(table.merge, "ada.1", "ada.1")
    table.merge("ben.1", "ada.1")
    assert "already one question" in rejection(table.merge, "ada.1", "ben.1")


def test_merging_a_hidden_question_is_rejected() -> None:
    table = table_with("ada", "ben")
    table.hide("ben.1")
    assert "Show the hidden question" in rejection(table.merge, "ben.1", "ada.1")
    assert "Show the hidden question" in rejection(table.merge, "ada.1", "ben.1")


def test_merging_with_a_question_that_is_not_there_is_rejected() -> None:
    table = table_with("ada")
    assert "no longer on the board" in rejection(table.merge, "ada.1", "ben.1")
    assert "no longer on the board" in rejection(table.merge, "ben.1", "ada.1")


def test_merging_into_a_question_whose_target_was_withdrawn_keeps_every_dot_counted() -> None:
    """Ben's question was merged into Ada's, then Ada withdrew hers; merging Cy's question into
    Ben's must not park Dee's dot on the withdrawn question, where it counts for nothing but still
    uses up Dee's budget."""
    table = table_with("ada", "ben", "cy", phase="write")
    table.merge("ben.1", "ada.1")
    table.withdraw("ada")
    table.phase = "vote"
    table.dot("dee", "cy.1")
    with contextlib.suppress(Rejected):  # refusing this merge would be right too
        table.merge("cy.1", "ben.1")
    board = table.board
    assert sum(board.counts().values()) == board.spent("dee") == 1
    assert_invariants(board, EXERCISE)


def test_withdrawing_a_question_leaves_the_questions_merged_into_it_on_the_board() -> None:
    """Ben's question was merged into Ada's; when Ada withdraws hers, Ben's should stand again."""
    table = table_with("ada", "ben", "cy", phase="write")
    table.merge("ben.1", "ada.1")
    table.withdraw("ada")
    assert table.board.visible() == ["ben.1", "cy.1"]


def test_a_question_written_after_withdrawing_a_merged_one_is_on_the_board() -> None:
    """Ben's question was merged into Ada's; Ben withdraws it and writes a new one in that slot."""
    table = table_with("ada", "ben", phase="write")
    table.merge("ben.1", "ada.1")
    table.withdraw("ben")
    table.submit("ben", 1, "Something else entirely?")
    assert "ben.1" in table.board.visible()


# Ranking


def test_the_ranking_puts_most_dots_first_and_equal_counts_share_a_rank() -> None:
    table = table_with("ada", "ben", "cy", "dee", "eve", "fay")
    for voter in ("ben", "cy", "dee"):
        table.dot(voter, "ada.1")
    for voter, question in (("ada", "ben.1"), ("dee", "ben.1"), ("ada", "cy.1"), ("eve", "cy.1")):
        table.dot(voter, question)
    table.dot("ada", "dee.1")
    ranked = ranking(table.board)
    assert [(r.question, r.dots, r.rank, r.tied) for r in ranked] == [
        ("ada.1", 3, 1, False),
        ("ben.1", 2, 2, True),
        ("cy.1", 2, 2, True),
        ("dee.1", 1, 4, False),
        ("eve.1", 0, 5, True),
        ("fay.1", 0, 5, True),
    ]
    assert ranked[0] == Ranked("ada.1", table.board.questions["ada.1"].text, 3, 1, False)


def test_the_ranking_leaves_out_hidden_and_merged_questions() -> None:
    table = table_with("ada", "ben", "cy", "dee")
    table.dot("dee", "ada.1")
    table.dot("dee", "ben.1")
    table.dot("ada", "cy.1")
    table.hide("ada.1")
    table.merge("ben.1", "cy.1")
    ranked = ranking(table.board)
    assert [(r.question, r.dots, r.rank) for r in ranked] == [("cy.1", 2, 1), ("dee.1", 0, 2)]
    assert not any(r.tied for r in ranked)


def test_an_empty_board_ranks_nothing() -> None:
    assert ranking(Board()) == []


# Shuffled order per viewer

ROUND_QUESTIONS = [question_id(f"p{n}", slot) for n in range(6) for slot in (1, 2)]


def test_each_viewer_gets_the_same_order_every_time_in_a_round() -> None:
    first = shuffled_for(ROUND_QUESTIONS, "ada", "r1.0")
    assert shuffled_for(list(reversed(ROUND_QUESTIONS)), "ada", "r1.0") == first
    assert shuffled_for(ROUND_QUESTIONS, "ada", "r1.0") == first


@settings(database=None)
@given(
    questions=st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=20),
    viewer=st.text(max_size=8),
    round_key=st.text(max_size=8),
)
def test_the_shuffled_order_is_a_permutation(
    questions: list[str], viewer: str, round_key: str
) -> None:
    shuffled = shuffled_for(questions, viewer, round_key)
    assert sorted(shuffled) == sorted(questions)
    assert shuffled_for(questions, viewer, round_key) == shuffled


def test_different_viewers_and_rounds_get_different_orders() -> None:
    by_viewer = {tuple(shuffled_for(ROUND_QUESTIONS, f"p{n}", "r1.0")) for n in range(6)}
    assert len(by_viewer) > 1
    by_round = {tuple(shuffled_for(ROUND_QUESTIONS, "p0", f"r1.{n}")) for n in range(4)}
    assert len(by_round) > 1


def test_shuffling_leaves_the_callers_list_alone() -> None:
    questions = list(ROUND_QUESTIONS)
    shuffled_for(questions, "ada", "r1.0")
    assert questions == ROUND_QUESTIONS


# Random sequences of decisions keep the board consistent

PEOPLE = ("p0", "p1", "p2", "p3", "p4")
ALL_QUESTIONS = tuple(question_id(person, slot) for person in PEOPLE for slot in (1, 2))


@dataclass(frozen=True)
class Step:
    """One decision. `question` and `into` pick among the questions written so far (by position,
    so most steps hit a real question), or among every possible id while there are none."""

    kind: str
    who: str = ""
    slot: int = 1
    question: int = 0
    into: int = 0
    phase: str = ""


people = st.sampled_from(PEOPLE)
slots = st.integers(min_value=1, max_value=2)
picks = st.integers(min_value=0, max_value=len(ALL_QUESTIONS) - 1)
steps = st.one_of(
    st.builds(Step, kind=st.just("submit"), who=people, slot=slots),
    st.builds(Step, kind=st.just("submit"), who=people, slot=slots),
    st.builds(Step, kind=st.just("withdraw"), question=picks),
    st.builds(Step, kind=st.just("dot"), who=people, question=picks),
    st.builds(Step, kind=st.just("undot"), who=people, question=picks),
    st.builds(Step, kind=st.just("hide"), question=picks),
    st.builds(Step, kind=st.just("unhide"), question=picks),
    st.builds(Step, kind=st.just("merge"), question=picks, into=picks),
    st.builds(Step, kind=st.just("merge"), question=picks, into=picks),
    st.builds(Step, kind=st.just("phase"), phase=st.sampled_from(("write", "vote"))),
)


def pick(board: Board, index: int) -> str:
    written = sorted(board.questions)
    return written[index % len(written)] if written else ALL_QUESTIONS[index]


def take(table: Table, step: Step) -> None:
    board = table.board
    question, into = pick(board, step.question), pick(board, step.into)
    match step.kind:
        case "submit":
            table.submit(step.who, step.slot)
        case "withdraw":
            author, slot = question.rsplit(".", 1)
            table.withdraw(author, int(slot))
        case "dot":
            table.dot(step.who, question)
        case "undot":
            table.undot(step.who, question)
        case "hide":
            table.hide(question)
        case "unhide":
            table.hide(question, hidden=False)
        case "merge":
            table.merge(question, into)
        case "phase":
            table.phase = step.phase
        case _:
            raise AssertionError(step.kind)


def played(exercise: BestQuestion, sequence: list[Step]) -> Iterator[Board]:
    """Takes each step in turn, skipping the ones the rules reject; yields the board after each."""
    table = Table(exercise=exercise)
    for step in sequence:
        try:
            take(table, step)
        except Rejected:
            continue
        yield table.board


SEQUENCES = st.lists(steps, min_size=5, max_size=40)
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, database=None, derandomize=True)


@pytest.mark.parametrize("exercise", [EXERCISE, STACKING], ids=["single", "stacking"])
@PROPERTY_SETTINGS
@given(sequence=SEQUENCES)
def test_any_sequence_of_decisions_keeps_budgets_counts_and_authors_consistent(
    exercise: BestQuestion, sequence: list[Step]
) -> None:
    for board in played(exercise, sequence):
        assert_invariants(board, exercise)


@PROPERTY_SETTINGS
@given(sequence=SEQUENCES)
def test_any_sequence_of_decisions_leaves_every_written_question_on_the_board(
    sequence: list[Step],
) -> None:
    """A question its author has not withdrawn is shown, hidden, or merged into one that is still
    there: it never hangs off a question that has gone."""
    for board in played(EXERCISE, sequence):
        for question in board.questions:
            assert board.root(question) in board.questions, f"{question} hangs off nothing"


# Through the engine

TWO_ROUNDS = make_exercise(rounds=2)
LIBRARY = {TWO_ROUNDS.id: TWO_ROUNDS}
ADA = Participant(id="p-ada", name="Ada", joined_at=1.0)
BEN = Participant(id="p-ben", name="Ben", joined_at=2.0)

_ids = itertools.count(1)


def act(kind: str, **fields: Any) -> Action:
    return action_adapter.validate_python(
        {"type": kind, "action_id": f"bq-unit-{next(_ids):08d}", **fields}
    )


def state_of(meta: RoomMeta, store: Store | None = None) -> RoomState:
    return RoomState(
        meta=meta,
        rev=1,
        version=1,
        participants={ADA.id: ADA, BEN.id: BEN},
        run_data=store or {},
    )


def key_of(meta: RoomMeta) -> str:
    assert meta.current_run is not None
    return meta.current_run.phase_key


def host_meta(meta: RoomMeta, action: Action, store: Store | None = None) -> RoomMeta:
    effects = engine.apply(state_of(meta, store), HOST, action, LIBRARY, 0.0)
    assert effects.meta is not None
    return effects.meta


def host_rejected(meta: RoomMeta, action: Action, store: Store | None = None) -> str:
    with pytest.raises(Rejected) as caught:
        engine.apply(state_of(meta, store), HOST, action, LIBRARY, 0.0)
    return caught.value.message


def step_to(meta: RoomMeta, phase_key: str) -> RoomMeta:
    """Clicks Next, as the facilitator would, until the run shows `phase_key`."""
    for _ in range(20):
        if key_of(meta) == phase_key:
            return meta
        meta = host_meta(meta, act("next_phase", seen_phase=key_of(meta)))
    raise AssertionError(f"never reached {phase_key}")


def started() -> RoomMeta:
    meta = engine.new_room("ABC234", "hash", now=0.0)
    meta = host_meta(meta, act("add_exercise", exercise_id=TWO_ROUNDS.id))
    return host_meta(meta, act("start_run", run_id="r1"))


def board_store() -> Store:
    """Round 1 of r1 with one question from Ada and one from Ben."""
    table = Table(exercise=TWO_ROUNDS)
    table.submit(ADA.id)
    table.submit(BEN.id)
    return table.store


def participant(meta: RoomMeta, person: Participant, action: Action, store: Store) -> Effects:
    return engine.apply(
        state_of(meta, store), Actor("participant", person.id), action, LIBRARY, 9.0
    )


def test_a_run_starts_at_the_brief_of_its_first_round() -> None:
    meta = started()
    assert meta.current_run is not None
    assert (meta.current_run.round, meta.current_run.phase) == (0, 0)
    assert key_of(meta) == "r1.0:brief"


def test_a_question_written_through_the_engine_lands_in_the_current_round() -> None:
    meta = step_to(started(), "r1.0:write")
    action = act("submit_question", slot=1, text="  Why  now? ", seen_phase="r1.0:write")
    effects = participant(meta, ADA, action, {})
    (write,) = effects.writes
    assert (write.hash, write.field) == ("run:r1:0:questions", "p-ada.1")
    assert Question.model_validate_json(write.value) == Question(text="Why now?", at=9.0)


def test_a_participants_dot_is_placed_in_the_current_round() -> None:
    meta = step_to(started(), "r1.0:vote")
    action = act("place_dot", question="p-ben.1", seen_phase="r1.0:vote")
    actor = Actor("participant", ADA.id)
    assert engine.reads(meta, actor, action) == (
        Read("run:r1:0:mod"),
        Read("run:r1:0:dots", ADA.id),
        Read("run:r1:0:questions", "p-ben.1"),
    )
    effects = participant(meta, ADA, action, board_store())
    assert effects.writes == (Write.put("run:r1:0:dots", ADA.id, '{"p-ben.1":1}'),)
    assert effects.notice == "Dot placed ✓ (2 left)"
    store = commit(board_store(), effects)
    assert Board.decode(store, NAMES).counts() == {"p-ada.1": 0, "p-ben.1": 1}


def test_the_second_round_keeps_its_own_questions_and_dots() -> None:
    meta = step_to(started(), "r1.1:vote")
    action = act("place_dot", question="p-ben.1", seen_phase="r1.1:vote")
    assert "no longer on the board" in rejection(participant, meta, ADA, action, board_store())
    second = Names.of("run:r1:1:")
    store = {second.questions: {"p-ben.1": Question(text="Why?", at=1.0).model_dump_json()}}
    effects = participant(meta, ADA, action, store)
    assert effects.writes == (Write.put(second.dots, ADA.id, '{"p-ben.1":1}'),)


def test_a_dot_sent_for_an_earlier_phase_is_rejected() -> None:
    meta = step_to(started(), "r1.0:reveal")
    action = act("place_dot", question="p-ben.1", seen_phase="r1.0:vote")
    assert "moved on" in rejection(participant, meta, ADA, action, board_store())


def test_a_dot_sent_for_the_same_phase_of_another_round_is_rejected() -> None:
    meta = step_to(started(), "r1.1:vote")
    action = act("place_dot", question="p-ben.1", seen_phase="r1.0:vote")
    assert "moved on" in rejection(participant, meta, ADA, action, board_store())


def test_a_dot_outside_the_vote_phase_is_rejected_by_the_engine() -> None:
    meta = step_to(started(), "r1.0:write")
    action = act("place_dot", question="p-ben.1", seen_phase="r1.0:write")
    assert rejection(participant, meta, ADA, action, board_store()) == "Voting is not open."


def test_next_after_the_last_phase_of_round_one_opens_round_two() -> None:
    meta = step_to(started(), "r1.0:debrief")
    effects = engine.apply(
        state_of(meta), HOST, act("next_phase", seen_phase="r1.0:debrief"), LIBRARY, 0.0
    )
    assert effects.meta is not None
    run = effects.meta.current_run
    assert run is not None
    assert (run.round, run.phase) == (1, 0)
    assert run.phase_key == "r1.1:brief"
    assert effects.notice == "Now: round 2, Brief."


def test_previous_from_the_brief_of_round_two_goes_back_to_the_debrief_of_round_one() -> None:
    meta = step_to(started(), "r1.1:brief")
    meta = host_meta(meta, act("previous_phase", seen_phase="r1.1:brief"))
    assert meta.current_run is not None
    assert (meta.current_run.round, meta.current_run.phase) == (0, 4)
    assert key_of(meta) == "r1.0:debrief"


def test_there_is_no_step_after_the_last_phase_of_the_last_round() -> None:
    meta = step_to(started(), "r1.1:debrief")
    assert "last step" in host_rejected(meta, act("next_phase", seen_phase="r1.1:debrief"))


def test_there_is_no_step_before_the_first_brief() -> None:
    assert "first step" in host_rejected(started(), act("previous_phase", seen_phase="r1.0:brief"))


def test_a_stale_next_is_rejected_across_rounds() -> None:
    meta = step_to(started(), "r1.1:write")
    assert "moved on" in host_rejected(meta, act("next_phase", seen_phase="r1.0:write"))


def test_the_spotlight_goes_on_a_visible_question_and_a_phase_change_clears_it() -> None:
    meta = step_to(started(), "r1.0:reveal")
    action = act("spotlight", question="p-ben.1", seen_phase="r1.0:reveal")
    assert engine.reads(meta, HOST, action) == bq.reads_for_board(NAMES)
    meta = host_meta(meta, action, board_store())
    assert meta.current_run is not None
    assert meta.current_run.spotlight == "p-ben.1"
    moved = host_meta(meta, act("next_phase", seen_phase="r1.0:reveal"))
    assert moved.current_run is not None
    assert moved.current_run.spotlight == ""
    back = host_meta(meta, act("previous_phase", seen_phase="r1.0:reveal"))
    assert back.current_run is not None
    assert back.current_run.spotlight == ""


def test_the_spotlight_can_be_switched_off() -> None:
    meta = step_to(started(), "r1.0:reveal")
    meta = host_meta(meta, act("spotlight", question="p-ben.1"), board_store())
    meta = host_meta(meta, act("spotlight", question=""), board_store())
    assert meta.current_run is not None
    assert meta.current_run.spotlight == ""


def test_the_spotlight_refuses_hidden_merged_and_unknown_questions() -> None:
    table = Table(exercise=TWO_ROUNDS, store=board_store())
    table.submit("p-cy")
    table.hide("p-ada.1")
    table.merge("p-cy.1", "p-ben.1")
    meta = step_to(started(), "r1.0:reveal")
    for question in ("p-ada.1", "p-cy.1", "p-nobody.1"):
        message = host_rejected(meta, act("spotlight", question=question), table.store)
        assert message == "That question is not on the board."


@pytest.mark.parametrize("phase", ["brief", "write", "vote"])
def test_the_spotlight_is_refused_before_the_reveal(phase: str) -> None:
    """Questions stay off the projector until the ranking is shown, whatever a frame asks."""
    meta = step_to(started(), f"r1.0:{phase}")
    action = act("spotlight", question="p-ben.1", seen_phase=f"r1.0:{phase}")
    message = host_rejected(meta, action, board_store())
    assert message == "A question can go in the spotlight only at the reveal or the debrief."


def test_the_spotlight_can_go_on_during_the_debrief() -> None:
    meta = step_to(started(), "r1.0:debrief")
    meta = host_meta(meta, act("spotlight", question="p-ben.1"), board_store())
    assert meta.current_run is not None
    assert meta.current_run.spotlight == "p-ben.1"


def test_clearing_the_spotlight_is_never_refused() -> None:
    meta = step_to(started(), "r1.0:write")
    effects = engine.apply(
        state_of(meta, board_store()), HOST, act("spotlight", question=""), LIBRARY, 0.0
    )
    assert effects.notice == "Spotlight off."


@pytest.mark.parametrize(
    ("phase", "offered"),
    [("brief", False), ("write", False), ("vote", False), ("reveal", True), ("debrief", True)],
)
def test_the_console_offers_the_spotlight_only_when_the_rules_allow_it(
    phase: str, offered: bool
) -> None:
    meta = step_to(started(), f"r1.0:{phase}")
    state = state_of(meta, board_store())
    for viewer in (Audience("host"), Audience("screen"), Audience("phone", ADA.id)):
        stage = stage_view(state, viewer)
        assert stage is not None and isinstance(stage.view, BestQuestionView)
        assert stage.view.can_spotlight is (offered and viewer.kind == "host")
    assert (phase in SPOTLIGHT_PHASES) is offered


def test_moderation_through_the_engine_returns_the_rules_effects() -> None:
    meta = step_to(started(), "r1.0:vote")
    table = Table(exercise=TWO_ROUNDS, store=board_store(), phase="vote")
    table.dot(ADA.id, "p-ben.1")
    action = act("hide_question", question="p-ben.1", seen_phase="r1.0:vote")
    effects = engine.apply(state_of(meta, table.store), HOST, action, LIBRARY, 0.0)
    assert effects == bq.hide(NAMES, table.board, "p-ben.1", True)
    merge = act("merge_questions", question="p-ada.1", into="p-ben.1")
    effects = engine.apply(state_of(meta, table.store), HOST, merge, LIBRARY, 0.0)
    assert effects == bq.merge(TWO_ROUNDS, NAMES, table.board, "p-ada.1", "p-ben.1")


def test_participants_cannot_moderate_and_the_facilitator_cannot_vote() -> None:
    meta = step_to(started(), "r1.0:vote")
    hide = act("hide_question", question="p-ben.1")
    message = rejection(participant, meta, ADA, hide, board_store())
    assert message.startswith("Only the facilitator")
    dot = act("place_dot", question="p-ben.1")
    assert host_rejected(meta, dot, board_store()) == "That is for participants."


# What each audience is shown


def view_of(meta: RoomMeta, store: Store, viewer: Audience) -> BestQuestionView:
    stage = stage_view(state_of(meta, store), viewer)
    assert stage is not None and isinstance(stage.view, BestQuestionView)
    return stage.view


def crowded_store(count: int) -> Store:
    """Round 1 of r1 with one question from each of `count` authors; the first has most dots."""
    table = Table(exercise=TWO_ROUNDS)
    authors = [f"p-{n:02d}" for n in range(count)]
    for author in authors:
        table.submit(author)
    table.phase = "vote"
    for voter in authors[1:4]:
        table.dot(voter, question_id(authors[0], 1))
    return table.store


def test_the_projector_lists_the_top_eight_at_the_reveal_and_the_top_three_at_the_debrief() -> None:
    store = crowded_store(10)
    reveal = step_to(started(), "r1.0:reveal")
    debrief = step_to(started(), "r1.0:debrief")
    for meta, shown in ((reveal, PROJECTOR_TOP_AT_REVEAL), (debrief, PROJECTOR_TOP_AT_DEBRIEF)):
        screen = view_of(meta, store, Audience("screen"))
        assert screen.ranked is not None and len(screen.ranked) == 10
        assert screen.listed == screen.ranked[:shown]
        phone = view_of(meta, store, Audience("phone", ADA.id))
        assert phone.listed == phone.ranked
        assert phone.ranked is not None and len(phone.ranked) == 10
    assert (PROJECTOR_TOP_AT_REVEAL, PROJECTOR_TOP_AT_DEBRIEF) == (8, 3)


def test_nothing_is_listed_while_counts_are_hidden_from_the_room() -> None:
    meta = step_to(started(), "r1.0:vote")
    for viewer in (Audience("screen"), Audience("phone", ADA.id)):
        shown = view_of(meta, crowded_store(4), viewer)
        assert shown.ranked is None and shown.listed == []


def test_merging_is_offered_only_with_another_question_on_the_board() -> None:
    meta = step_to(started(), "r1.0:write")
    one = Table(exercise=TWO_ROUNDS)
    one.submit(ADA.id)
    assert not view_of(meta, one.store, Audience("host")).can_merge
    assert view_of(meta, board_store(), Audience("host")).can_merge
    assert not view_of(meta, board_store(), Audience("screen")).can_merge


def test_the_facilitator_notes_are_in_the_facilitators_view_only() -> None:
    noted = scenario(1).model_copy(update={"notes": "Ask about the audit."})
    exercise = make_exercise(scenarios=[noted])
    run = Run(id="r1", exercise=exercise, started=True)
    meta = RoomMeta(code="ABC234", created_at=0.0, host_key_hash="h", agenda=(run,), current="r1")
    assert view_of(meta, {}, Audience("host")).scenario.notes == "Ask about the audit."
    for viewer in (Audience("screen"), Audience("phone", ADA.id)):
        shown = view_of(meta, {}, viewer).scenario
        assert shown.notes == "" and shown.title == noted.title and shown.said == noted.said


# What a phone shows of its own, and which writes change it

STEPS_SHOWN = ("brief", "write", "vote", "reveal", "debrief")
PHASE_METAS = {phase: step_to(started(), f"r1.0:{phase}") for phase in STEPS_SHOWN}
"""The room at each step of the first round."""


class Recording(Table):
    """A table that keeps the effects of its last accepted decision."""

    last: Effects = Effects()

    def do(self, effects: Effects) -> str:
        self.last = effects
        return super().do(effects)


def phone_views(meta: RoomMeta, store: Store) -> dict[str, BestQuestionView]:
    """Each phone's view as a refresh draws it: from its key (see `Kind.phone_key`)."""
    state = state_of(meta, store)
    return {person: view_of_state(state, Audience("phone", person)) for person in PEOPLE}


RENDERER = Renderer()
NO_LIBRARY = Library({}, {})


def phone_stages(state: RoomState) -> dict[str, str]:
    """The stage each phone shows, as HTML."""
    people = {
        person: Participant(id=person, name=person.upper(), joined_at=1.0) for person in PEOPLE
    }
    state = replace(state, participants=people)
    stages = {}
    for person in PEOPLE:
        context = room_context(state, Audience("phone", person), 0.0, "http://host/", NO_LIBRARY)
        stages[person] = RENDERER.regions("phone.html", context, ("stage",))["stage"]
        assert "ballot" in stages[person] or state.meta.current_run.current_phase.name != "vote"
    return stages


def view_of_state(state: RoomState, viewer: Audience) -> BestQuestionView:
    stage = stage_view(state, viewer)
    assert stage is not None and isinstance(stage.view, BestQuestionView)
    return stage.view


def assert_shows_its_own(view: BestQuestionView, board: Board, person: str, phase: str) -> None:
    """What a phone shows of its own, worked out here from the board alone."""

    def own(question: str) -> bool:
        return person in board.authors(board.root(question))

    if phase == "write":
        texts = [
            board.questions[qid].text if qid in board.questions else ""
            for qid in (question_id(person, 1), question_id(person, 2))
        ]
        assert [slot.text for slot in view.slots] == texts
    if phase == "vote":
        assert [item.id for item in view.ballot] == shuffled_for(
            board.visible(), person, "r1.0:vote"
        )
        assert [item.mine for item in view.ballot] == [own(item.id) for item in view.ballot]
        assert [item.my_dots for item in view.ballot] == [
            board.dots.get(person, {}).get(item.id, 0) for item in view.ballot
        ]
        assert view.dots_left == TWO_ROUNDS.dots_per_person - board.spent(person)
    if phase in ("reveal", "debrief"):
        assert view.ranked is not None
        assert [item.mine for item in view.ranked] == [own(item.id) for item in view.ranked]
        assert view.mine_ranked == [item for item in view.ranked if own(item.id)]


@PROPERTY_SETTINGS
@given(sequence=SEQUENCES, shown=st.sampled_from(STEPS_SHOWN))
# Once ranked, a dot shows on every phone.
@example(
    sequence=[Step("submit", "p0"), Step("phase", phase="vote"), Step("dot", "p1")],
    shown="reveal",
)
def test_a_write_changes_the_phone_keys_of_the_phones_it_says_it_touches_only(
    sequence: list[Step], shown: str
) -> None:
    """After any decision, in any step the room is shown: each phone, drawn from its key, shows
    what is its own; phones with equal keys are drawn the same; a phone whose key changed is one
    the decision's writes say they touch (a refresh looks at those, and one phone of each group);
    and where the writes say they show on those alone, no other phone changed."""
    meta = PHASE_METAS[shown]
    run = meta.current_run
    assert run is not None and run.current_phase.name == shown
    table = Recording(exercise=TWO_ROUNDS)
    keys_before = bq.KIND.phone_key(state_of(meta, table.store), run)
    assert keys_before is not None
    stages_before = phone_stages(state_of(meta, table.store))
    for step in sequence:
        try:
            take(table, step)
        except Rejected:
            continue
        state = state_of(meta, table.store)
        keys = bq.KIND.phone_key(state, run)
        assert keys is not None
        touched: set[str] | None = set()
        for write in table.last.writes:
            some = bq.KIND.phones_touched(run, write)
            touched = None if some is None or touched is None else touched | set(some)
        changed = {person for person in PEOPLE if keys(person) != keys_before(person)}
        if touched is not None:
            assert changed <= touched, f"{step} changed {changed - touched}'s phones unannounced"
        keys_before = keys
        views = phone_views(meta, table.store)
        for person, view in views.items():
            assert_shows_its_own(view, table.board, person, shown)
        for one, other in itertools.combinations(PEOPLE, 2):
            if keys(one) == keys(other):
                assert views[one] == views[other]
        # Writes that say they show on the phones they touch alone change no other phone.
        stages = phone_stages(state)
        if touched is not None and all(
            bq.KIND.shows_on_touched_only(run, write) for write in table.last.writes
        ):
            for person in set(PEOPLE) - touched:
                assert stages[person] == stages_before[person], f"{step} changed {person}'s phone"
        stages_before = stages


def test_once_ranked_every_phone_that_wrote_nothing_shares_one_key() -> None:
    store = crowded_store(6)
    meta = PHASE_METAS["reveal"]
    assert meta.current_run is not None
    keys = bq.KIND.phone_key(state_of(meta, store), meta.current_run)
    assert keys is not None
    silent = {keys(person) for person in ("p-90", "p-91", ADA.id)}
    assert len(silent) == 1
    assert keys("p-00") != keys("p-01") != keys("p-90")
