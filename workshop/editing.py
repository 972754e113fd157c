"""The facilitator's exercise editor, as HTTP pages: adapt an exercise on the agenda before it
starts, write a new one (blank, or a copy of one from the library or the agenda), preview it,
download it as a file for `exercises/`, and upload such a file into the room.

The form is generated from the kind's content model (`workshop.editor`); saving goes through the
engine like every other change (`AddOwnExercise`, `EditExercise`), so the edit is in the room's
store and every process's phones see it.
"""

import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import yaml
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Message as AsgiMessage

from workshop import actions as a
from workshop import editor, preview, words
from workshop.editor import Form, Problem
from workshop.engine import HOST
from workshop.errors import Rejected
from workshop.exercises import TRANSLATIONS, unknown_kind
from workshop.exports import Export
from workshop.i18n import N_, Message
from workshop.identity import matches
from workshop.kinds import KINDS, AnyExercise, kind_named
from workshop.models import RoomState, Run, normalise_code
from workshop.render import Audience, room_context
from workshop.views import (
    _download,
    _facilitator_only,
    _from_elsewhere,
    _html,
    _room,
    _runtime,
    _speaking,
)

FORM_BYTES_MAX = 512 * 1024
"""The editor's form, sent whole: the longest exercise file is about 35 KB of text."""
FORM_FIELDS_MAX = 4000
UPLOAD_BYTES_MAX = 128 * 1024
"""An exercise file to upload: about four times the longest in the library."""

EXERCISE_TOO_BIG = N_("That exercise is bigger than %(most)s KB, the most it can be.")
FILE_TOO_BIG = N_("That file is bigger than %(most)s KB, the most it can be.")

BLANK_MINUTES = 10
"""A new exercise's planned minutes until the facilitator says otherwise."""

CHECK_AND_KEEP = N_("Nothing was saved; everything you typed is still here.")
NOTHING_CHANGED = N_("Nothing was changed.")


async def _host_state(request: Request) -> RoomState | Response:
    code = normalise_code(request.path_params["code"])
    return await _facilitator_only(
        request, code, await _room(request, code), N_("Only the facilitator can edit exercises.")
    )


def _back(request: Request, heading: str, message: str, status: int) -> Response:
    """A message for the facilitator, with the way back to the console."""
    code = normalise_code(request.path_params["code"])
    return _html(
        request, "message.html", status, heading=heading, message=message, back=f"/host/{code}"
    )


async def _capped_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None once it is longer than `limit` (read no further)."""
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _too_big(request: Request, limit: int, too_big: str) -> Response:
    """`too_big` names what was sent and its limit, in KB: "That exercise is bigger than
    %(most)s KB, the most it can be."."""
    said = Message(too_big, most=words.number(limit // 1024))
    return _back(request, N_("Too big"), Message.joined(said, NOTHING_CHANGED), 413)


async def _form_items(request: Request) -> list[tuple[str, str]] | Response:
    body = await _capped_body(request, FORM_BYTES_MAX)
    if body is None:
        return _too_big(request, FORM_BYTES_MAX, EXERCISE_TOO_BIG)
    try:
        return parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=FORM_FIELDS_MAX
        )
    except (UnicodeDecodeError, ValueError):
        return _back(
            request,
            N_("Not saved"),
            Message.joined(N_("The form could not be read."), NOTHING_CHANGED),
            400,
        )


def _replayed(request: Request, body: bytes) -> Request:
    """The same request, its body already read: for Starlette's form parser to read again."""

    async def receive() -> AsgiMessage:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def _run_of(state: RoomState, run_id: str) -> Run | None:
    return state.meta.run(run_id)


def _edit_url(code: str, run_id: str | None) -> str:
    return f"/host/{code}/edit/{run_id}" if run_id else f"/host/{code}/new"


def _page(
    request: Request,
    state: RoomState,
    kind_name: str,
    data: Mapping[str, Any],
    *,
    run_id: str | None,
    heading: str,
    problems: list[Problem] | None = None,
    focus: str = "",
    shown: AnyExercise | None = None,
    step: int = 0,
    person: str = "p1",
    status: int = 200,
) -> Response:
    runtime = _runtime(request)
    kind = kind_named(kind_name)
    form = Form(kind.content)
    problems = problems or []
    context: dict[str, Any] = {
        "code": state.meta.code,
        "heading": heading,
        "kind_label": kind.label,
        "form": form.fields(data, editor.by_field(problems), focus),
        "problems": problems,
        "keep_note": CHECK_AND_KEEP,
        "action": _edit_url(state.meta.code, run_id),
        "action_id": secrets.token_urlsafe(12),
        "token": runtime.keys.form_token(state.meta),
        "preview": _preview(request, state, shown, step, person) if shown else None,
    }
    return _html(request, "editor.html", status, **context)


def _preview(
    request: Request, state: RoomState, exercise: AnyExercise, step: int, person: str
) -> dict[str, Any]:
    """The projector and one phone as they will be at `step`, drawn by the live templates from a
    sample room played to that step (see `workshop.preview`)."""
    runtime = _runtime(request)
    now = time.time()
    try:
        sample = preview.played_to(state.meta.code, exercise, step, now)
    except Rejected as rejected:
        # A step the exercise's own rules refuse to reach with five sample people.
        return {"refused": rejected.message}
    people = preview.sample_people(now)
    person = person if person in people else "p1"
    join_url = runtime.join_url(request, state.meta.code)
    pages = {}
    for audience in (Audience("screen"), Audience("phone", person)):
        context = room_context(sample, audience, now, join_url, runtime.library)
        pages[audience.kind] = runtime.renderer.page(
            f"{audience.kind}.html", **context, preview=True
        )
    return {
        "steps": preview.steps(exercise),
        "step": step,
        "people": [(pid, p.name) for pid, p in people.items()],
        "person": person,
        "screen": pages["screen"],
        "phone": pages["phone"],
    }


def _int(value: str, default: int) -> int:
    return int(value) if value.isdigit() else default


async def _answer(
    request: Request,
    state: RoomState,
    kind_name: str,
    items: list[tuple[str, str]],
    run_id: str | None,
    heading: str,
) -> Response:
    """Does what the pressed button asks with the form as sent: add or remove an entry, preview,
    download, or save; anything refused shows the form again with every word kept."""
    runtime = _runtime(request)
    code = state.meta.code
    fields = dict(items)
    token_ok = matches(fields.get("token", ""), runtime.keys.form_token(state.meta))
    if refused := _from_elsewhere(request, token_ok):
        return refused
    form = Form(kind_named(kind_name).content)
    data = form.read((key, value) for key, value in items if key not in _CONTROLS)
    op, _, target = fields.get("op", "preview").partition(":")
    page: dict[str, Any] = {"run_id": run_id, "heading": heading}
    if op == "add":
        data, added = form.add(data, target)
        return _page(request, state, kind_name, data, focus=added, **page)
    if op == "remove":
        return _page(request, state, kind_name, form.remove(data, target), **page)
    if op == "up":
        data, moved = form.move_up(data, target)
        return _page(request, state, kind_name, data, focus=moved, **page)
    exercise, problems = form.check(data)
    if exercise is None:
        return _page(request, state, kind_name, data, problems=problems, status=422, **page)
    assert isinstance(exercise, KINDS[kind_name].content)
    if op == "download":
        return _yaml_download(exercise)
    if op == "save":
        action_id = fields.get("action_id", "")
        try:
            action: a.Action = (
                a.EditExercise(
                    type="edit_exercise", action_id=action_id, run_id=run_id, exercise=exercise
                )
                if run_id
                else a.AddOwnExercise(
                    type="add_own_exercise", action_id=action_id, exercise=exercise
                )
            )
            await runtime.rooms.act(code, HOST, action)
        except Rejected as rejected:
            problem = Problem("", "", Message.joined(rejected.message, CHECK_AND_KEEP))
            return _page(request, state, kind_name, data, problems=[problem], status=409, **page)
        except ValidationError:  # the page's own fields were tampered with or cut short
            outdated = N_("This page is out of date; reload it.")
            problem = Problem("", "", Message.joined(outdated, CHECK_AND_KEEP))
            return _page(request, state, kind_name, data, problems=[problem], status=400, **page)
        return RedirectResponse(f"/host/{code}", status_code=303)
    return _page(
        request,
        state,
        kind_name,
        data,
        shown=exercise,
        step=_int(fields.get("preview_step", ""), 0),
        person=fields.get("preview_as", "p1"),
        **page,
    )


_CONTROLS = frozenset({"op", "token", "action_id", "heading", "preview_step", "preview_as"})
"""The form's own fields, beside the exercise's."""


def _yaml_download(exercise: AnyExercise) -> Response:
    body = editor.to_yaml(exercise).encode()
    return _download(Export(f"{exercise.id}.yaml", "application/yaml; charset=utf-8", body))


def _started(request: Request, run: Run) -> Response:
    return _back(
        request,
        N_("Already started"),
        Message(
            "“%(title)s” has already started, so its text can no longer change. Copy it from the "
            "console's agenda to adapt it for a later round.",
            title=run.exercise.title,
        ),
        409,
    )


def _agenda_run(request: Request, state: RoomState) -> Run | Response:
    """The agenda's exercise the path names."""
    run = _run_of(state, request.path_params["run_id"])
    if run is None:
        return _back(
            request, N_("Not on the agenda"), N_("That exercise is not on the agenda."), 404
        )
    return run


async def edit_run(request: Request) -> Response:
    """Adapt an exercise on the room's agenda, before it starts."""
    state = await _host_state(request)
    if isinstance(state, Response):
        return state
    with _speaking(request, state):
        return await _edit_run(request, state)


async def _edit_run(request: Request, state: RoomState) -> Response:
    run = _agenda_run(request, state)
    if isinstance(run, Response):
        return run
    if run.started:
        return _started(request, run)
    heading = Message("Adapt “%(title)s” for this room", title=run.exercise.title)
    if request.method == "GET":
        data = run.exercise.model_dump(mode="json")
        return _page(request, state, run.exercise.kind, data, run_id=run.id, heading=heading)
    items = await _form_items(request)
    if isinstance(items, Response):
        return items
    return await _answer(request, state, run.exercise.kind, items, run.id, heading)


async def new_exercise(request: Request) -> Response:
    """Write a new exercise for this room: blank of a kind (`?kind=`), or a copy of one from the
    library (`?from=`) or from the agenda (`?run=`)."""
    state = await _host_state(request)
    if isinstance(state, Response):
        return state
    with _speaking(request, state):
        return await _new_exercise(request, state)


async def _new_exercise(request: Request, state: RoomState) -> Response:
    library = _runtime(request).library.exercises_in(state.meta.language)
    query = request.query_params
    if request.method == "POST":
        items = await _form_items(request)
        if isinstance(items, Response):
            return items
        kind_name = dict(items).get("kind", "")
        if kind_name not in KINDS:
            return _back(request, N_("Unknown kind"), N_("That kind of exercise is unknown."), 400)
        # The page's own heading ("Adapt a copy of …") stays as it was when the page opened, in
        # the words it was drawn in.
        heading = dict(items).get("heading", "")[:200] or N_("New exercise")
        return await _answer(request, state, kind_name, items, None, heading)
    original: AnyExercise | None = None
    if "from" in query:
        original = library.get(query["from"])
    elif "run" in query:
        run = _run_of(state, query["run"])
        original = run.exercise if run else None
    if original is not None:
        data = original.model_dump(mode="json")
        data["id"] = editor.copy_id(original.id)
        heading = Message("Adapt a copy of “%(title)s”", title=original.title)
        return _page(request, state, original.kind, data, run_id=None, heading=heading)
    kind_name = query.get("kind", "")
    if kind_name not in KINDS:
        return _back(
            request,
            N_("Unknown exercise"),
            N_("Choose an exercise or a kind from the console."),
            404,
        )
    data = Form(KINDS[kind_name].content).blank()
    data["id"] = f"my-{kind_name.replace('_', '-')}"
    data["minutes"] = BLANK_MINUTES
    # The kind is named beside the heading.
    return _page(request, state, kind_name, data, run_id=None, heading=N_("New exercise"))


async def download_run(request: Request) -> Response:
    """An exercise on the agenda as a file for `exercises/`."""
    state = await _host_state(request)
    if isinstance(state, Response):
        return state
    with _speaking(request, state):
        run = _agenda_run(request, state)
        return run if isinstance(run, Response) else _yaml_download(run.exercise)


async def upload(request: Request) -> Response:
    """An exercise file put on the agenda. A file that is not an exercise file (too big, not YAML,
    of an unknown kind) is refused with the reason; one with mistakes in its fields opens in the
    editor with the mistakes shown, so they can be fixed there."""
    state = await _host_state(request)
    if isinstance(state, Response):
        return state
    with _speaking(request, state):
        return await _upload(request, state)


async def _upload(request: Request, state: RoomState) -> Response:
    body = await _capped_body(request, UPLOAD_BYTES_MAX + 16 * 1024)
    if body is None:
        return _too_big(request, UPLOAD_BYTES_MAX, FILE_TOO_BIG)
    try:
        token, name, raw = await _uploaded(_replayed(request, body))
    except MultiPartException as error:
        # Starlette's own words, about the form's parts: in English.
        return _refused_upload(request, str(error))
    token_ok = matches(token, _runtime(request).keys.form_token(state.meta))
    if refused := _from_elsewhere(request, token_ok):
        return refused
    if raw is None:
        return _refused_upload(request, N_("Choose an exercise file (.yaml) to upload."))
    if len(raw) > UPLOAD_BYTES_MAX:
        return _refused_upload(
            request,
            Message(
                "That file is too big: an exercise file can be at most %(most)s KB.",
                most=words.number(UPLOAD_BYTES_MAX // 1024),
            ),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refused_upload(
            request, N_("That is not a text file; an exercise file is YAML text.")
        )
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if mark is None:
            return _refused_upload(request, N_("That is not a YAML file."))
        return _refused_upload(
            request,
            Message(
                "That is not a YAML file: line %(line)s is not valid YAML (%(error)s).",
                line=mark.line + 1,
                error=error.__class__.__name__,
            ),
        )
    if not isinstance(loaded, dict):
        return _refused_upload(
            request,
            N_(
                "That is not an exercise file: it should be a list of fields, such as kind: and "
                "title:."
            ),
        )
    kind_name = str(loaded.get("kind", ""))
    if kind_name not in KINDS:
        unknown = unknown_kind(loaded.get("kind"))
        return _refused_upload(request, Message.joined(unknown, ".", sep=""))
    # A room plays the file's own language: a library file's translations stay out of it.
    loaded.pop(TRANSLATIONS, None)
    form_model = Form(KINDS[kind_name].content)
    exercise, problems = form_model.check(loaded)
    heading = Message("Uploaded: %(file)s", file=name)
    if exercise is None:
        return _page(
            request,
            state,
            kind_name,
            loaded,
            run_id=None,
            heading=heading,
            problems=problems,
            status=422,
        )
    action = a.AddOwnExercise(
        type="add_own_exercise", action_id=secrets.token_urlsafe(12), exercise=exercise
    )
    try:
        await _runtime(request).rooms.act(state.meta.code, HOST, action)
    except Rejected as rejected:
        return _refused_upload(request, rejected.message)
    return RedirectResponse(f"/host/{state.meta.code}", status_code=303)


async def _uploaded(request: Request) -> tuple[str, str, bytes | None]:
    """The upload form's token, and its file's name and bytes (None: no file was chosen)."""
    async with request.form(max_files=1, max_fields=8, max_part_size=4096) as form:
        token = str(form.get("token", ""))
        file = form.get("file")
        if not isinstance(file, UploadFile):
            return token, "", None
        return token, file.filename or "the file", await file.read(UPLOAD_BYTES_MAX + 1)


def _refused_upload(request: Request, why: str) -> Response:
    return _back(request, N_("Not uploaded"), Message.joined(why, NOTHING_CHANGED), 400)
