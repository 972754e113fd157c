"""HTTP pages: start, join, the three screens' first loads, co-facilitation and deletion."""

import contextlib
import logging
import math
import time
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)

from workshop import i18n, words
from workshop.errors import Rejected, StoreUnavailable
from workshop.exports import FORMATS, Export, export
from workshop.feedback import feedback_view
from workshop.i18n import N_, Message
from workshop.identity import (
    HOST_COOKIE,
    LANGUAGE_COOKIE,
    PARTICIPANT_COOKIE,
    SCREEN_COOKIE,
    is_host,
    matches,
)
from workshop.models import RoomState, is_room_code, normalise_code
from workshop.origins import is_own, request_origin
from workshop.render import Audience, find_people
from workshop.runtime import Runtime
from workshop.service import RoomNotFound
from workshop.settings import STATIC_DIR
from workshop.summary import build_card, build_summary, filter_summary

log = logging.getLogger(__name__)

COOKIE_MAX_AGE = 30 * 86400
FAILED_JOINS_ALLOWED = 20
FAILED_JOINS_WINDOW = 600
"""Room codes cannot be guessed by brute force: after 20 wrong codes in 10 minutes, one client
address must wait. Correct codes are never counted, so a full room on one venue network joins
freely."""


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _too_many_wrong_codes(request: Request) -> bool:
    failures = await _runtime(request).store.failed_joins(_client_address(request))
    return failures >= FAILED_JOINS_ALLOWED


async def _wrong_code(request: Request) -> None:
    await _runtime(request).store.record_failed_join(_client_address(request), FAILED_JOINS_WINDOW)


TOO_MANY = N_(
    "Too many wrong room codes from this device. Wait ten minutes, then check the code on the "
    "screen and try again."
)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _html(request: Request, template: str, status: int = 200, /, **context: Any) -> HTMLResponse:
    return HTMLResponse(_runtime(request).renderer.page(template, **context), status_code=status)


def _speaking(
    request: Request, state: RoomState, phone: bool = False
) -> contextlib.AbstractContextManager[None]:
    """A room's pages speak its language; a phone's, the language the phone chose, if any."""
    own = i18n.chosen(request.cookies.get(LANGUAGE_COOKIE)) if phone else None
    return i18n.speaking(own or state.meta.language)


async def _room_language(request: Request, code: str) -> contextlib.AbstractContextManager[None]:
    """A page on the way into a room (opening the projector, claiming the console) speaks the
    room's language, where there is such a room."""
    state = await _room(request, code)
    return _speaking(request, state) if state is not None else contextlib.nullcontext()


def browser_language(request: HTTPConnection) -> str:
    """The language a browser chose on a phone, else the first its settings ask for that the app
    speaks."""
    return i18n.chosen(request.cookies.get(LANGUAGE_COOKIE)) or i18n.negotiate(
        request.headers.get("accept-language", "")
    )


async def choose_language(request: Request) -> Response:
    """A phone's own language (`/language/de?next=/r/CODE`): kept in a cookie for every room,
    then back to the page it came from."""
    language = i18n.chosen(request.path_params["language"])
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    if language is not None:
        _set_cookie(request, response, LANGUAGE_COOKIE, language)
    return response


def _message(request: Request, heading: str, message: str, status: int) -> HTMLResponse:
    return _html(request, "message.html", status, heading=heading, message=message)


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


async def _room(request: Request, code: str, participant_id: str = "") -> RoomState | None:
    """The room for a page: for a phone's, as this process holds it when it already knows the
    participant (see `Hub.held`); else a whole read shared with whoever asks meanwhile."""
    if not is_room_code(code):
        return None
    hub = _runtime(request).hub
    return (hub.held(code, participant_id) if participant_id else None) or await hub.reads.read(
        code
    )


async def _not_open_here(request: Request, heading: str, refusal: str) -> Response:
    """The one answer to a request for a room this device holds no key to, whether the room is
    there or not: the same page and status for a wrong code as for a right one, so it tells a
    guesser nothing, and counted as a wrong code (after too many, 429)."""
    if await _too_many_wrong_codes(request):
        return _message(request, N_("Please wait"), TOO_MANY, 429)
    await _wrong_code(request)
    return _message(request, heading, refusal, 403)


FACILITATORS_ONLY = N_(
    "This opens on the device that started the workshop, or through the co-facilitator link its "
    "console shows. A workshop that was deleted or has expired is gone."
)
PROJECTOR_ONLY = N_(
    "The projector view opens from the workshop's console: press Open the projector view there, "
    "or open the console's projector link on this device."
)


async def _facilitator_only(
    request: Request, code: str, state: RoomState | None, refusal: str = ""
) -> RoomState | Response:
    """The room, for a request only its facilitator may make; otherwise the refusal that looks the
    same whether the room exists or not."""
    if state is None or not is_host(state.meta, request.cookies.get(HOST_COOKIE.format(code=code))):
        message = Message.joined(refusal, FACILITATORS_ONLY) if refusal else FACILITATORS_ONLY
        return await _not_open_here(request, N_("Facilitators only"), message)
    return state


def _from_elsewhere(request: Request, token_ok: bool = True) -> Response | None:
    """Refuses a state-changing request that another site made the browser send (cross-site
    request forgery): its Origin (or Referer) must be this site's own. A browser that sends
    neither must carry the form's token (`token_ok`) instead."""
    origin = request_origin(request.headers)
    allowed = _runtime(request).settings.allowed_origins
    if origin is None and token_ok:
        return None
    if origin is not None and is_own(origin, request.headers.get("host", ""), allowed):
        return None
    log.warning("%s %s refused: sent from %s", request.method, request.url.path, origin or "?")
    return _message(
        request,
        N_("Refused"),
        N_(
            "This request came from another site, so nothing was changed. Use the workshop's own "
            "pages."
        ),
        403,
    )


async def home(request: Request) -> HTMLResponse:
    """Where participants land: joining by code, and nothing for the facilitator."""
    return _html(request, "home.html", code="", name="", error="")


async def start(request: Request) -> HTMLResponse:
    """The facilitator's start page: it opens a room (POST /rooms) and leads to its console."""
    return _html(request, "start.html")


async def create_room(request: Request) -> Response:
    if refused := _from_elsewhere(request):
        return refused
    code, secret = await _runtime(request).rooms.create(
        i18n.negotiate(request.headers.get("accept-language", ""))
    )
    response = RedirectResponse(f"/host/{code}", status_code=303)
    _set_cookie(request, response, HOST_COOKIE.format(code=code), secret)
    return response


async def join(request: Request) -> Response:
    if refused := _from_elsewhere(request):
        return refused
    form = await request.form()
    raw_code, name = str(form.get("code", "")), str(form.get("name", ""))
    code = normalise_code(raw_code)
    template = "join.html" if request.query_params.get("from") == "room" else "home.html"
    runtime = _runtime(request)
    if await _too_many_wrong_codes(request):
        return _html(request, template, 429, code=raw_code, name=name, error=TOO_MANY)
    try:
        if not is_room_code(code):
            raise RoomNotFound(code or "(empty)")
        participant_id = await runtime.rooms.join(code, name, runtime.hub.head(code))
    except Rejected as rejected:
        status = 404 if isinstance(rejected, RoomNotFound) else 400
        if isinstance(rejected, RoomNotFound):
            await _wrong_code(request)
        return _html(request, template, status, code=raw_code, name=name, error=rejected.message)
    response = RedirectResponse(f"/r/{code}", status_code=303)
    _set_cookie(
        request,
        response,
        PARTICIPANT_COOKIE.format(code=code),
        runtime.cookies.dump(code, participant_id),
    )
    return response


async def phone(request: Request) -> Response:
    code = normalise_code(request.path_params["code"])
    if code != request.path_params["code"] and is_room_code(code):
        return RedirectResponse(f"/r/{code}", status_code=307)
    runtime = _runtime(request)
    if await _too_many_wrong_codes(request):
        return _message(request, N_("Please wait"), TOO_MANY, 429)
    cookie = request.cookies.get(PARTICIPANT_COOKIE.format(code=code))
    participant_id = runtime.cookies.load(code, cookie)
    state = await _room(request, code, participant_id or "")
    if state is None:
        await _wrong_code(request)
        return _message(
            request, N_("Room not found"), RoomNotFound(request.path_params["code"]).message, 404
        )
    person = state.participants.get(participant_id or "")
    with _speaking(request, state, phone=True):
        if person is None or person.removed:
            return _html(request, "join.html", code=code, name="", error="")
        context = runtime.context(state, Audience("phone", person.id), request)
        return _html(request, "phone.html", **context)


async def screen(request: Request) -> Response:
    code = normalise_code(request.path_params["code"])
    state = await _room(request, code)
    runtime = _runtime(request)
    if state is None or not runtime.keys.may_watch(state.meta, request.cookies):
        return await _not_open_here(request, N_("Projector view"), PROJECTOR_ONLY)
    with _speaking(request, state):
        return _html(request, "screen.html", **runtime.context(state, Audience("screen"), request))


async def open_screen(request: Request) -> Response:
    """The projector link for another device: `/screen/CODE/open#KEY`. The key travels in the
    fragment, which no server log or referrer sees; the page posts it, and the device gets a
    cookie that opens the projector view."""
    code = normalise_code(request.path_params["code"])
    if not is_room_code(code):
        return await _not_open_here(request, N_("Projector view"), PROJECTOR_ONLY)
    if request.method == "GET":
        with await _room_language(request, code):
            return _html(request, "open_screen.html", code=code)
    if refused := _from_elsewhere(request):
        return refused
    form = await request.form()
    state = await _room(request, code)
    runtime = _runtime(request)
    if state is None or not matches(str(form.get("key", "")), runtime.keys.screen_key(state.meta)):
        return await _not_open_here(
            request,
            N_("That link did not work"),
            N_("Copy the projector link from the console again."),
        )
    response = RedirectResponse(f"/screen/{code}", status_code=303)
    _set_cookie(
        request, response, SCREEN_COOKIE.format(code=code), runtime.keys.screen_key(state.meta)
    )
    return response


async def host(request: Request) -> Response:
    code = normalise_code(request.path_params["code"])
    state = await _facilitator_only(request, code, await _room(request, code))
    if isinstance(state, Response):
        return state
    secret = request.cookies.get(HOST_COOKIE.format(code=code))
    runtime = _runtime(request)
    with _speaking(request, state):
        context = runtime.context(state, Audience("host"), request)
        context["cohost_url"] = f"{runtime.base_url(request)}/host/{code}/claim#{secret}"
        context["projector_url"] = (
            f"{runtime.base_url(request)}/screen/{code}/open#{runtime.keys.screen_key(state.meta)}"
        )
        context["form_token"] = runtime.keys.form_token(state.meta)
        seconds = await runtime.store.expires_in(code)
        context["ttl_days"] = words.number(runtime.settings.room_ttl_days)
        context["ttl_count"] = math.ceil(runtime.settings.room_ttl_days)
        context["expires_on"] = words.moment(time.time() + seconds) if seconds is not None else ""
        return _html(request, "host.html", **context)


async def claim(request: Request) -> Response:
    code = normalise_code(request.path_params["code"])
    if not is_room_code(code):
        return await _not_open_here(request, N_("Facilitators only"), FACILITATORS_ONLY)
    if request.method == "GET":
        with await _room_language(request, code):
            return _html(request, "claim.html", code=code)
    if refused := _from_elsewhere(request):
        return refused
    form = await request.form()
    secret = str(form.get("secret", ""))
    state = await _room(request, code)
    if state is None or not is_host(state.meta, secret):
        return await _not_open_here(
            request, N_("That link did not work"), N_("Ask the facilitator for the link again.")
        )
    response = RedirectResponse(f"/host/{code}", status_code=303)
    _set_cookie(request, response, HOST_COOKIE.format(code=code), secret)
    return response


async def delete_room(request: Request) -> Response:
    code = normalise_code(request.path_params["code"])
    state = await _facilitator_only(
        request, code, await _room(request, code), N_("Only the facilitator can do that.")
    )
    if isinstance(state, Response):
        return state
    form = await request.form()
    token_ok = matches(str(form.get("token", "")), _runtime(request).keys.form_token(state.meta))
    if refused := _from_elsewhere(request, token_ok):
        return refused
    await _runtime(request).rooms.delete(code)
    response = _message(
        request,
        N_("Room deleted"),
        Message("Room %(code)s and everything in it is gone.", code=code),
        200,
    )
    response.delete_cookie(HOST_COOKIE.format(code=code), path="/")
    return response


async def store_unavailable(request: Request, error: Exception) -> Response:
    """Any page answers 503 with a plain message while the store cannot be reached."""
    log.warning("%s %s: the store cannot be reached: %s", request.method, request.url.path, error)
    response = _message(
        request,
        N_("Back in a moment"),
        N_("The workshop cannot reach its store right now. Try again in a few seconds."),
        503,
    )
    response.headers["retry-after"] = "5"
    return response


async def people_search(request: Request) -> Response:
    """The console's search of the room's people, answered as the fragment that replaces its
    results: in a big room the roster lists only the latest arrivals."""
    code = normalise_code(request.path_params["code"])
    state = await _facilitator_only(
        request, code, await _room(request, code), N_("Only the facilitator can search.")
    )
    if isinstance(state, Response):
        return state
    # Names are at most 40 characters: a longer text matches nobody, and is not echoed whole.
    find = request.query_params.get("find", "").strip()[:200]
    people, more = find_people(state, find)
    return _html(request, "_found.html", find=find, people=people, more=more)


async def favicon(request: Request) -> Response:
    """The icon browsers ask for by this name before they read a page's icon links."""
    return FileResponse(
        STATIC_DIR / "icons" / "favicon.ico",
        media_type="image/x-icon",
        headers={"cache-control": "public, max-age=86400"},
    )


async def healthz(request: Request) -> JSONResponse:
    runtime = _runtime(request)
    try:
        await runtime.store.ping()
    except StoreUnavailable:
        return JSONResponse({"status": "unavailable", "store": runtime.store.backend}, 503)
    return JSONResponse({"status": "ok", "store": runtime.store.backend})


async def _summary_state(request: Request, code: str) -> RoomState | None:
    if not is_room_code(code):
        return None
    return await _runtime(request).store.load(code, every_run=True)


def _download(item: Export) -> Response:
    return Response(
        item.body,
        media_type=item.media_type,
        headers={"content-disposition": f'attachment; filename="{item.filename}"'},
    )


async def export_summary(request: Request) -> Response:
    code = normalise_code(request.path_params["code"])
    fmt = request.path_params["fmt"]
    state = await _facilitator_only(
        request, code, await _summary_state(request, code), N_("Only the facilitator can export.")
    )
    if isinstance(state, Response):
        return state
    if fmt not in FORMATS:
        return _message(
            request,
            N_("Unknown format"),
            Message("Choose one of: %(formats)s.", formats=", ".join(FORMATS)),
            404,
        )
    runtime = _runtime(request)
    summary = build_summary(
        state, time.time(), anonymise=bool(request.query_params.get("anonymise"))
    )
    only = request.query_params.get("only", "").strip()
    if only:
        summary = filter_summary(summary, only)
    with _speaking(request, state):
        return _download(
            export(summary, fmt, lambda s: runtime.renderer.page("export.html", summary=s))
        )


async def personal_card(request: Request) -> Response:
    code = normalise_code(request.path_params["code"])
    state = await _summary_state(request, code)
    runtime = _runtime(request)
    participant_id = runtime.cookies.load(
        code, request.cookies.get(PARTICIPANT_COOKIE.format(code=code))
    )
    if state is None or participant_id is None or participant_id not in state.participants:
        return await _not_open_here(
            request, N_("Join first"), N_("Your feedback card is on the phone you joined with.")
        )
    card = build_card(state, participant_id)
    feedback = [(part, feedback_view(part)) for part in card.feedback]
    with _speaking(request, state, phone=True):
        body = runtime.renderer.page("card.html", card=card, feedback=feedback).encode()
    filename = f"workshop-{code}-{card.date}-my-feedback.html"
    return _download(Export(filename, "text/html; charset=utf-8", body))
