"""Best-question rounds over the websocket: privacy, bad input, moderation and votes."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from tests.integration.helpers import Screen, action_id, create_room, join, live
from tests.security.workshop_run import load_room
from workshop.app import create_app
from workshop.settings import DEFAULT_EXERCISES, Settings

EXERCISE = "best-question-turnarounds"


def start(host: Screen, exercise: str = EXERCISE) -> None:
    host.act("Added", type="add_exercise", exercise_id=exercise)
    host.act("Started", type="start_run", run_id="r1")
    host.act("Now: round 1, Write", type="next_phase", seen_phase="r1.0:brief")


def submit(phone: Screen, expect: str, text: str, slot: int = 1) -> str:
    """Writes a question into a slot during round 1's writing phase; returns the notice."""
    return phone.act(expect, type="submit_question", seen_phase="r1.0:write", slot=slot, text=text)


def write_questions(client: TestClient, code: str, cookies: list[str]) -> None:
    """Each phone writes one question: "Question number 0?", "Question number 1?", …"""
    for n, cookie in enumerate(cookies):
        with live(client, code, "phone", cookie) as phone:
            phone.until("stage", "Question 1")
            submit(phone, "Question saved", f"Question number {n}?")


def question_ids(stage: str) -> list[str]:
    return re.findall(r'name="question" value="([^"]+)"', stage)


def test_questions_stay_private_while_writing(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    ada, grace = join(client, code, "Ada"), join(client, code, "Grace")
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
        live(client, code, "phone", ada) as phone_a,
        live(client, code, "phone", grace) as phone_g,
    ):
        start(host)
        phone_a.until("stage", "Question 1")
        submit(phone_a, "Question saved", "What are you proudest of this year?")
        host.until("stage", "What are you proudest of this year?")
        assert "by Ada" in host.regions["stage"]
        screen.until("stage", "1</strong> question so far")
        submit(phone_g, "Question saved", "How do you read the audit results?")
        phone_g.until("stage", "How do you read the audit results?")
        assert "proudest" not in phone_g.regions["stage"]
        assert "proudest" not in screen.regions["stage"]
        assert "Ada" not in screen.regions["stage"]


def test_bad_questions_get_clear_messages_and_lose_nothing(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    ada = join(client, code, "Ada")
    with live(client, code, "host", host_cookie) as host, live(client, code, "phone", ada) as phone:
        start(host)
        phone.until("stage", "Question 1")
        submit(phone, "Question saved", "  What   changed   for you?  ")
        submit(phone, "Write a question first", "   ", slot=2)
        submit(phone, "at most 280 characters; this one has 500", "x" * 500)
        submit(phone, "up to 2 questions", "A third?", slot=3)
        stage = phone.until("stage", "What changed for you?")
        assert ">What changed for you?</textarea>" in stage  # the saved text is still there
        submit(phone, "Question saved", "y" * 280)


def test_dots_are_budgeted_private_and_counted_once(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookies = {
        name: join(client, code, name) for name in ("Ada", "Grace", "Linus", "Barbara", "Alan")
    }
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
    ):
        start(host)
        write_questions(
            client, code, [cookies[name] for name in ("Ada", "Grace", "Linus", "Barbara")]
        )
        host.until("stage", "4 questions on the board")
        host.act("Now: round 1, Vote", type="next_phase", seen_phase="r1.0:write")
        with live(client, code, "phone", cookies["Alan"]) as alan:
            stage = alan.until("stage", "3</strong> of 3 dots left")
            ids = question_ids(stage)
            assert len(ids) == 4
            first = action_id()
            alan.act(
                "Dot placed ✓ (2 left)",
                type="place_dot",
                seen_phase="r1.0:vote",
                question=ids[0],
                action_id=first,
            )
            alan.act(
                "Already saved",
                type="place_dot",
                seen_phase="r1.0:vote",
                question=ids[0],
                action_id=first,
            )
            alan.act("already put a dot", type="place_dot", seen_phase="r1.0:vote", question=ids[0])
            alan.act(
                "Dot placed ✓ (1 left)", type="place_dot", seen_phase="r1.0:vote", question=ids[1]
            )
            alan.act(
                "Dot placed ✓ (0 left)", type="place_dot", seen_phase="r1.0:vote", question=ids[2]
            )
            alan.act("used all 3 dots", type="place_dot", seen_phase="r1.0:vote", question=ids[3])
            alan.act(
                "no longer on the board",
                type="place_dot",
                seen_phase="r1.0:vote",
                question="nobody.1",
            )
            alan.act("Dot taken back", type="remove_dot", seen_phase="r1.0:vote", question=ids[2])
            alan.act(
                "Dot placed ✓ (0 left)", type="place_dot", seen_phase="r1.0:vote", question=ids[3]
            )
        with live(client, code, "phone", cookies["Ada"]) as ada:
            stage = ada.until("stage", "Your question")
            own = next(q for q in ids if q not in question_ids(stage))
            ada.act("your own question", type="place_dot", seen_phase="r1.0:vote", question=own)
        assert "dot-count" not in screen.until("stage", "1</strong> person has voted")
        host.act("Now: round 1, Reveal", type="next_phase", seen_phase="r1.0:vote")
        ranked = screen.until("stage", "ranked-list")
        counts = [int(c) for c in re.findall(r'class="dot-count">(\d+)<', ranked)]
        assert counts == [1, 1, 1, 0]
        assert re.findall(r'class="rank">([^<]+)<', ranked) == ["1=", "1=", "1=", "4"]
        with live(client, code, "phone", cookies["Alan"]) as alan:
            alan.until("stage", "ranked-list")
            alan.act(
                "Voting is not open", type="place_dot", seen_phase="r1.0:reveal", question=ids[1]
            )
            alan.act("moved on", type="place_dot", seen_phase="r1.0:vote", question=ids[1])


def test_hiding_returns_dots_and_merging_counts_each_voter_once(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    cookies = {name: join(client, code, name) for name in ("Ada", "Grace", "Linus", "Alan")}
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
    ):
        start(host)
        write_questions(client, code, [cookies[name] for name in ("Ada", "Grace", "Linus")])
        host.act("Now: round 1, Vote", type="next_phase", seen_phase="r1.0:write")
        with live(client, code, "phone", cookies["Alan"]) as alan:
            ids = sorted(question_ids(alan.until("stage", "3</strong> of 3 dots left")))
            for question in ids:
                alan.act("Dot placed", type="place_dot", seen_phase="r1.0:vote", question=question)
            alan.until("stage", "0</strong> of 3 dots left")
            host.until("stage", "1 voted")
            host.act(
                "dots went back",
                type="hide_question",
                seen_phase="r1.0:vote",
                question=ids[0],
                hidden="true",
            )
            alan.until("stage", "1</strong> of 3 dots left")
            assert ids[0] not in question_ids(alan.regions["stage"])
            host.act(
                "merged",
                type="merge_questions",
                seen_phase="r1.0:vote",
                question=ids[1],
                into=ids[2],
            )
            stage = alan.until("stage", "2</strong> of 3 dots left")
            assert question_ids(stage).count(ids[2]) == 1  # one dot left on the merged question
        host.act("Now: round 1, Reveal", type="next_phase", seen_phase="r1.0:vote")
        ranked = screen.until("stage", "ranked-list")
        assert re.findall(r'class="dot-count">(\d+)<', ranked) == ["1"]
        host.act("Spotlight on", type="spotlight", seen_phase="r1.0:reveal", question=ids[2])
        screen.until("stage", 'class="spotlight"')


def test_a_spotlight_sent_before_the_reveal_is_refused(client: TestClient) -> None:
    """The console offers the spotlight from the reveal on; a frame sent earlier is refused by the
    server, and the projector shows no question."""
    code, host_cookie = create_room(client)
    cookies = [join(client, code, name) for name in ("Ada", "Grace")]
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "screen", host_cookie) as screen,
    ):
        start(host)
        write_questions(client, code, cookies)
        stage = host.until("stage", "2 questions on the board")
        question = question_ids(stage)[0]
        for phase, shown in (("write", "2</strong> questions so far"), ("vote", "Vote on your")):
            stage = host.until("stage", f"r1.0:{phase}")
            assert 'value="spotlight"' not in stage  # no button offers it yet
            notice = host.act(
                "only at the reveal or the debrief",
                type="spotlight",
                seen_phase=f"r1.0:{phase}",
                question=question,
            )
            assert 'class="notice error"' in notice
            state = load_room(client, code)
            assert state is not None and state.meta.current_run is not None
            assert state.meta.current_run.spotlight == ""
            assert 'class="spotlight"' not in screen.until("stage", shown)
            host.act("Now:", type="next_phase", seen_phase=f"r1.0:{phase}")
        assert 'value="spotlight"' in host.until("stage", "r1.0:reveal")
        host.act("Spotlight on", type="spotlight", seen_phase="r1.0:reveal", question=question)
        screen.until("stage", 'class="spotlight"')


@pytest.fixture
def anonymous_client(tmp_path: Path) -> Iterator[TestClient]:
    content = yaml.safe_load((DEFAULT_EXERCISES / f"{EXERCISE}.yaml").read_text(encoding="utf-8"))
    content["anonymous"] = True
    (tmp_path / f"{EXERCISE}.yaml").write_text(yaml.safe_dump(content), encoding="utf-8")
    settings = Settings(secret_key="k", coalesce_seconds=0.0, exercises_dir=tmp_path)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_fully_anonymous_exercise_hides_authors_from_the_facilitator(
    anonymous_client: TestClient,
) -> None:
    client = anonymous_client
    code, host_cookie = create_room(client)
    ada = join(client, code, "Ada")
    with live(client, code, "host", host_cookie) as host, live(client, code, "phone", ada) as phone:
        start(host)
        phone.until("stage", "Question 1")
        submit(phone, "Question saved", "Anything you are proud of?")
        stage = host.until("stage", "Anything you are proud of?")
        assert "by Ada" not in stage


def test_rounds_keep_their_own_questions(client: TestClient) -> None:
    code, host_cookie = create_room(client)
    ada = join(client, code, "Ada")
    with live(client, code, "host", host_cookie) as host, live(client, code, "phone", ada) as phone:
        start(host)
        phone.until("stage", "Question 1")
        submit(phone, "Question saved", "Round one question?")
        for phase in ("write", "vote", "reveal"):
            host.act("Now:", type="next_phase", seen_phase=f"r1.0:{phase}")
        host.act("Now: round 2, Brief", type="next_phase", seen_phase="r1.0:debrief")
        phone.until("stage", "Round 2 of 4")
        assert "The health system that has stopped seeing reps" in phone.regions["stage"]
        host.act("Now: round 2, Write", type="next_phase", seen_phase="r1.1:brief")
        stage = phone.until("stage", "Question 1")
        assert "Round one question?" not in stage
        host.act("Now: round 2, Brief", type="previous_phase", seen_phase="r1.1:write")
        host.act("Now: round 1, Debrief", type="previous_phase", seen_phase="r1.1:brief")
        host.act("Now: round 1, Reveal", type="previous_phase", seen_phase="r1.0:debrief")
        assert "Round one question?" in phone.until("stage", "Round one question?")
