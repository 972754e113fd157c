"""The rules: given a consistent read of a room, decide what an action changes. Pure, no I/O.

Each handler authorises, then validates, then resolves. The result is an `Effects` value that the
store commits atomically, guarded by the meta revision the decision was based on and by any field
values the decision read (`Effects.expect`); when either moved, the service reads and decides again.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, assert_never

from workshop import actions as a
from workshop.agendas import AGENDA_MAX, Agenda
from workshop.effects import Effects, Read, Write
from workshop.errors import Rejected
from workshop.i18n import LANGUAGES, N_, Language, Message
from workshop.kinds import (
    Exercise,
    data_of,
    first_rounds,
    kind_of,
)
from workshop.models import (
    NAME_MAX,
    TITLE_MAX,
    Participant,
    RoomMeta,
    RoomState,
    Run,
    ScreenLook,
    Timer,
    name_key,
    normalise_name,
)

__all__ = ["HOST", "Actor", "Effects", "Read", "Rejected", "Write", "apply", "join", "reads"]


@dataclass(frozen=True)
class Actor:
    role: Literal["host", "participant"]
    participant_id: str = ""


HOST = Actor("host")


def new_room(code: str, host_key_hash: str, now: float, language: Language = "en") -> RoomMeta:
    return RoomMeta(code=code, created_at=now, host_key_hash=host_key_hash, language=language)


def join(state: RoomState, participant_id: str, raw_name: str, now: float) -> Effects:
    if state.meta.locked:
        raise Rejected(N_("This workshop is closed to new participants. Ask the facilitator."))
    name = normalise_name(raw_name)
    if not name:
        raise Rejected(N_("Please enter a name."))
    if len(name) > NAME_MAX:
        raise Rejected(
            Message(
                "Names can be at most %(most)s characters; this one has %(has)s.",
                most=NAME_MAX,
                has=len(name),
            )
        )
    person = Participant(id=participant_id, name=name, joined_at=now)
    return Effects(
        writes=(
            Write.put("names", name_key(name), participant_id),
            Write.put("people", participant_id, person.model_dump_json()),
        ),
        must_be_absent=(("names", name_key(name)),),
        notice=Message("Welcome, %(name)s.", name=name),
    )


def reads(meta: RoomMeta, actor: Actor, action: a.Action) -> tuple[Read, ...]:
    """The run data a decision on `action` needs, beyond the meta and the actor."""
    run = meta.current_run
    if run is None:
        return ()
    kind = kind_of(run.exercise)
    if isinstance(action, (a.NextPhase, a.Reseat)):
        return kind.step_reads(run)
    if isinstance(action, a.Staged):
        return kind.reads(run, actor.participant_id, action)
    return ()


def apply(
    state: RoomState,
    actor: Actor,
    action: a.Action,
    library: Mapping[str, Exercise],
    now: float,
    agendas: Mapping[str, Agenda] | None = None,
    exercises_in: Callable[[str], Mapping[str, Exercise]] | None = None,
) -> Effects:
    """What `action` by `actor` changes in the room. `library` is the exercises as the room adds
    them (in its language); `exercises_in` gives them in another language, for a change of the
    room's language to bring the agenda along (without it, the agenda stays as it is)."""
    if isinstance(action, a.ParticipantAction):
        return _participant_action(state, actor, action, now)
    if actor.role != "host":
        raise Rejected(N_("Only the facilitator can do that."))
    return _host_action(state.meta, state, action, library, agendas or {}, now, exercises_in)


def _set_language(
    meta: RoomMeta,
    language: Language,
    exercises_in: Callable[[str], Mapping[str, Exercise]] | None,
) -> Effects:
    """The room speaks `language`; each exercise on the agenda that came from the library as it
    is, started or not, is taken again in that language (a translation changes texts, never ids,
    so what was answered still fits). One the facilitator wrote or adapted keeps its words."""
    offered = exercises_in(language) if exercises_in is not None else {}
    agenda = []
    for run in meta.agenda:
        found = offered.get(run.exercise.id)
        if run.language and run.language != language and found is not None:
            again = first_rounds(found, run.rounds)
            run = run.model_copy(update={"exercise": again, "language": language})
        agenda.append(run)
    return _meta(
        meta.model_copy(update={"language": language, "agenda": tuple(agenda)}),
        Message("The room now speaks %(language)s.", language=LANGUAGES[language]),
    )


def _start_agenda(
    meta: RoomMeta, agenda_id: str, library: Mapping[str, Exercise], agendas: Mapping[str, Agenda]
) -> Effects:
    """Adds a ready agenda's exercises to the room's agenda, and starts the first of them when
    nothing is running yet."""
    agenda = agendas.get(agenda_id)
    if agenda is None:
        raise Rejected(Message("There is no ready agenda '%(id)s'.", id=agenda_id))
    agenda = agenda.in_language(meta.language)
    if len(meta.agenda) + len(agenda.items) > AGENDA_MAX:
        raise Rejected(Message("An agenda holds at most %(most)s exercises.", most=AGENDA_MAX))
    runs: list[Run] = []
    for item in agenda.items:
        exercise = library.get(item.exercise)
        if exercise is None:
            raise Rejected(
                Message("There is no exercise '%(id)s' in the library.", id=item.exercise)
            )
        if item.rounds is not None:
            exercise = first_rounds(exercise, item.rounds)
        number = meta.runs_created + len(runs) + 1
        runs.append(
            Run(id=f"r{number}", exercise=exercise, minutes=item.minutes, language=meta.language)
        )
    update: dict[str, object] = {
        "agenda": (*meta.agenda, *runs),
        "runs_created": meta.runs_created + len(runs),
    }
    if meta.current is None:
        runs[0] = runs[0].model_copy(update={"started": True})
        update |= {"agenda": (*meta.agenda, *runs), "current": runs[0].id, "timer": None}
        return _meta(
            meta.model_copy(update=update),
            Message(
                "Started “%(agenda)s”: first, “%(exercise)s”.",
                agenda=agenda.title,
                exercise=runs[0].exercise.title,
            ),
        )
    return _meta(
        meta.model_copy(update=update),
        Message("Added “%(agenda)s” to the agenda.", agenda=agenda.title),
    )


def _participant_action(
    state: RoomState, actor: Actor, action: a.ParticipantAction, now: float
) -> Effects:
    if actor.role != "participant":
        raise Rejected(N_("That is for participants."))
    person = state.participants.get(actor.participant_id)
    if person is None or person.removed:
        raise Rejected(N_("You are no longer in this workshop."))
    run = _current_run_for(state.meta, action.seen_phase)
    return kind_of(run.exercise).decide(state, run, person.id, action, now)


def _current_run_for(meta: RoomMeta, seen_phase: str) -> Run:
    run = meta.current_run
    if run is None:
        raise Rejected(N_("Nothing is running right now."))
    if seen_phase and seen_phase != run.phase_key:
        raise Rejected(N_("The exercise has moved on; your screen is now up to date."))
    return run


def _step(run: Run, step: int) -> Run:
    """Moves through the phases of every round in order: round 1's phases, then round 2's, …"""
    count = len(run.phases)
    position = run.round * count + run.phase + step
    if position >= run.rounds * count:
        raise Rejected(N_("This is the last step; start the next exercise from the agenda."))
    if position < 0:
        raise Rejected(N_("This is already the first step."))
    return run.model_copy(
        update={"round": position // count, "phase": position % count, "spotlight": ""}
    )


def _host_action(
    meta: RoomMeta,
    state: RoomState,
    action: a.Action,
    library: Mapping[str, Exercise],
    agendas: Mapping[str, Agenda],
    now: float,
    exercises_in: Callable[[str], Mapping[str, Exercise]] | None,
) -> Effects:
    if isinstance(action, a.KindHostAction):
        return _kind_host_action(meta, state, action)
    if isinstance(action, a.ParticipantAction):
        raise Rejected(N_("That is for participants."))
    match action:
        case a.StartAgenda(agenda_id=agenda_id):
            return _start_agenda(meta, agenda_id, library, agendas)
        case a.AddExercise(exercise_id=exercise_id):
            exercise = library.get(exercise_id)
            if exercise is None:
                raise Rejected(
                    Message("There is no exercise '%(id)s' in the library.", id=exercise_id)
                )
            return _add_run(meta, exercise, meta.language)
        case a.AddOwnExercise(exercise=exercise):
            return _add_run(meta, exercise, "")
        case a.EditExercise(run_id=run_id, exercise=exercise):
            run = _run(meta, run_id)
            if run.started:
                raise Rejected(
                    Message(
                        "“%(title)s” has already started, so its text can no longer change. "
                        "Copy it to adapt it for a later round.",
                        title=run.exercise.title,
                    )
                )
            if exercise.kind != run.exercise.kind:
                raise Rejected(N_("An exercise keeps its kind; start a new one for another kind."))
            # Minutes the facilitator changes here replace those a ready agenda planned.
            minutes = run.minutes if exercise.minutes == run.exercise.minutes else None
            edited = run.model_copy(
                update={"exercise": exercise, "minutes": minutes, "language": ""}
            )
            return _meta(
                _replace_run(meta, edited),
                Message("Saved “%(title)s” for this room.", title=exercise.title),
            )
        case a.RemoveRun(run_id=run_id):
            run = _run(meta, run_id)
            if run.id == meta.current:
                raise Rejected(N_("Finish or switch away from this exercise before removing it."))
            agenda = tuple(r for r in meta.agenda if r.id != run_id)
            return Effects(
                meta=meta.model_copy(update={"agenda": agenda}),
                drop=tuple(run.hash(name) for name in data_of(run.exercise)),
                notice=Message("Removed “%(title)s”.", title=run.exercise.title),
            )
        case a.StartRun(run_id=run_id):
            run = _run(meta, run_id)
            started = run.model_copy(update={"phase": 0, "round": 0, "started": True})
            return _meta(
                _replace_run(meta, started).model_copy(update={"current": run.id, "timer": None}),
                Message("Started “%(title)s”.", title=run.exercise.title),
            )
        case a.NextPhase(seen_phase=seen) | a.PreviousPhase(seen_phase=seen):
            run = _current_run_for(meta, seen)
            moved = _step(run, 1 if isinstance(action, a.NextPhase) else -1)
            step = moved.current_phase.title
            effects = _meta(
                _replace_run(meta, moved).model_copy(update={"timer": None}),
                Message("Now: round %(round)s, %(step)s.", round=moved.round + 1, step=step)
                if moved.rounds > 1
                else Message("Now: %(step)s.", step=step),
            )
            hooked = kind_of(moved.exercise).on_step(state, moved, isinstance(action, a.NextPhase))
            if hooked is not None:
                effects = replace(
                    effects,
                    writes=hooked.writes,
                    expect=hooked.expect,
                    notice=Message.joined(effects.notice, hooked.notice)
                    if hooked.notice
                    else effects.notice,
                )
            return effects
        case a.TimerStart(minutes=minutes):
            seconds = round(minutes * 60)
            timer = Timer(running=True, deadline=now + seconds, total=seconds)
            return _meta(meta.model_copy(update={"timer": timer}), N_("Timer started."))
        case a.TimerPause():
            timer = _timer(meta)
            if not timer.running:
                return Effects(notice=N_("The timer is already paused."))
            paused = Timer(running=False, remaining=timer.seconds_left(now), total=timer.total)
            return _meta(meta.model_copy(update={"timer": paused}), N_("Timer paused."))
        case a.TimerResume():
            timer = _timer(meta)
            if timer.running:
                return Effects(notice=N_("The timer is already running."))
            resumed = Timer(running=True, deadline=now + timer.remaining, total=timer.total)
            return _meta(meta.model_copy(update={"timer": resumed}), N_("Timer resumed."))
        case a.TimerAdd(seconds=seconds):
            timer = _timer(meta)
            total = max(0.0, timer.total + seconds)
            if timer.running:
                deadline = max(now, timer.deadline + seconds)
                changed = Timer(running=True, deadline=deadline, total=total)
            else:
                remaining = max(0.0, timer.remaining + seconds)
                changed = Timer(running=False, remaining=remaining, total=total)
            return _meta(meta.model_copy(update={"timer": changed}), N_("Timer changed."))
        case a.TimerClear():
            return _meta(meta.model_copy(update={"timer": None}), N_("Timer cleared."))
        case a.SetLocked(locked=locked):
            return _meta(
                meta.model_copy(update={"locked": locked}),
                N_("The room is locked: nobody new can join.")
                if locked
                else N_("The room is open for joining."),
            )
        case a.SetLanguage(language=language):
            return _set_language(meta, language, exercises_in)
        case a.SetScreen():
            look = _screen(meta.screen, action)
            return _meta(meta.model_copy(update={"screen": look}), _screen_notice(action))
        case a.RemoveParticipant(participant_id=participant_id):
            person = state.participants.get(participant_id)
            if person is None or person.removed:
                raise Rejected(N_("That participant is not in the room."))
            gone = person.model_copy(update={"removed": True})
            return Effects(
                writes=(Write.put("people", person.id, gone.model_dump_json()),),
                notice=Message("Removed %(name)s.", name=person.name),
            )
        case a.SetTitle(title=raw):
            title = normalise_name(raw)
            if len(title) > TITLE_MAX:
                raise Rejected(
                    Message("A title can be at most %(most)s characters.", most=TITLE_MAX)
                )
            return _meta(meta.model_copy(update={"title": title}), N_("Title saved."))
        case a.Reseat():
            current = meta.current_run
            if current is None or not seats_people(meta):
                return Effects(notice=N_("Nothing to rearrange."))
            return kind_of(current.exercise).reseat(state, current)
        case _:
            assert_never(action)


def _add_run(meta: RoomMeta, exercise: Exercise, language: str) -> Effects:
    if len(meta.agenda) >= AGENDA_MAX:
        raise Rejected(Message("An agenda holds at most %(most)s exercises.", most=AGENDA_MAX))
    run = Run(id=f"r{meta.runs_created + 1}", exercise=exercise, language=language)
    return _meta(
        meta.model_copy(
            update={"agenda": (*meta.agenda, run), "runs_created": meta.runs_created + 1}
        ),
        Message("Added “%(title)s” to the agenda.", title=exercise.title),
    )


def _kind_host_action(meta: RoomMeta, state: RoomState, action: a.KindHostAction) -> Effects:
    run = _current_run_for(meta, action.seen_phase)
    kind = kind_of(run.exercise)
    if not isinstance(action, kind.host_actions):
        raise Rejected(action.elsewhere)
    return kind.host(state, run, action)


def seats_people(meta: RoomMeta) -> bool:
    """Whether the current step has people seated (in pairs or teams), to be re-seated as people
    come and go."""
    run = meta.current_run
    return run is not None and kind_of(run.exercise).seats_people(run)


def _screen(look: ScreenLook, action: a.SetScreen) -> ScreenLook:
    changed = action.model_dump(include={"theme", "blank", "show_join"}, exclude_none=True)
    if not changed:
        raise Rejected(N_("Say what to change on the projector."))
    return look.model_copy(update=changed)


def _screen_notice(action: a.SetScreen) -> str:
    if action.blank is not None:
        if action.blank:
            return N_("The projector is blank.")
        return N_("The projector shows the stage again.")
    if action.show_join is not None:
        if action.show_join:
            return N_("The projector shows how to join.")
        return N_("The projector keeps the room code in its strip.")
    return N_("The projector is dark.") if action.theme == "dark" else N_("The projector is light.")


def _meta(meta: RoomMeta, notice: str) -> Effects:
    return Effects(meta=meta, notice=notice)


def _run(meta: RoomMeta, run_id: str) -> Run:
    run = meta.run(run_id)
    if run is None:
        raise Rejected(N_("That exercise is no longer on the agenda."))
    return run


def _replace_run(meta: RoomMeta, changed: Run) -> RoomMeta:
    return meta.with_run(changed)


def _timer(meta: RoomMeta) -> Timer:
    if meta.timer is None:
        raise Rejected(N_("There is no timer running."))
    return meta.timer
