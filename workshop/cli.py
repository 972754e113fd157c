"""`workshop serve`, `workshop exercises check`, `workshop export` and `workshop wipe`."""

import argparse
import gc
import logging
import sys
from pathlib import Path

from workshop.exercises import check_all
from workshop.network import LanAddresses, is_loopback, is_wildcard, url_host
from workshop.settings import Settings


def startup_lines(settings: Settings, addresses: list[str]) -> list[str]:
    """What `workshop serve` prints before it starts: where to start a workshop on this computer,
    and the address phones should use, or why no phone can reach this one yet and what to do.
    `addresses` are the machine's network addresses, the likeliest first."""
    port = settings.port
    local = (
        "127.0.0.1" if is_wildcard(settings.host) or is_loopback(settings.host) else settings.host
    )
    lines = [f"workshop: start a workshop at http://{url_host(local)}:{port}/host on this computer"]
    if settings.public_url:
        lines.append(f"workshop: phones join at {settings.public_url.rstrip('/')}/")
    elif is_loopback(settings.host):
        lines.append(
            f"workshop: phones cannot reach this laptop: the app listens on {settings.host} only,"
            " which only this computer can open. To let phones join, start it with"
            " `workshop serve --host 0.0.0.0`."
        )
    elif not is_wildcard(settings.host):
        lines.append(f"workshop: phones join at http://{url_host(settings.host)}:{port}/")
    elif addresses:
        first, *others = addresses
        lines.append(f"workshop: phones join at http://{first}:{port}/")
        lines.extend(
            f"workshop: phones on another of this laptop's networks join at http://{other}:{port}/"
            for other in others
        )
    else:
        lines.append(
            "workshop: phones cannot reach this laptop yet: it is on no network (its only address"
            " is 127.0.0.1). Join the venue's Wi-Fi, or turn on a phone's hotspot and join that;"
            " the console then shows the address phones should use. Or set WORKSHOP_PUBLIC_URL"
            " to an address phones can reach."
        )
    return lines


YOUNG_OBJECTS_COLLECTED_AT = 10_000
"""Python's cycle collector looks at its youngest objects after every 700 new ones by default.
A busy room keeps thousands of short-lived containers alive at once (a batch of votes and its
answers, the frames queued for phones), so at that pace a vote flood at 2,000 phones spent about
13 % of the app's CPU collecting, mostly looking again at the same live objects. At 10,000 it
accepts about 8 % more votes a second, with the same memory (docs/performance.md)."""


def collect_less_often() -> None:
    """Sets the collector for a long-running server: what is loaded at start (the library, the
    templates, the models' schemas) is set aside for good (`gc.freeze`), and the youngest objects
    are looked at less often (`YOUNG_OBJECTS_COLLECTED_AT`)."""
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_COLLECTED_AT, middle, oldest)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from workshop.app import SERVER_OPTIONS, create_app

    overrides = {
        key: value
        for key, value in {
            "host": args.host,
            "port": args.port,
            "redis_url": args.redis_url,
        }.items()
        if value is not None
    }
    settings = Settings(**overrides)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    collect_less_often()
    for line in startup_lines(settings, LanAddresses()()):
        print(line, flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        # A line per request is ten a phone in a join storm (the page, its files, the
        # websocket): off unless asked for. Failures are logged by the app either way.
        access_log=args.access_log,
        proxy_headers=True,
        **SERVER_OPTIONS,
    )
    return 0


def check_exercises(args: argparse.Namespace) -> int:
    directory = Path(args.dir) if args.dir else Settings().exercises_dir
    library, errors = check_all(directory)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"{len(errors)} problem(s) found.", file=sys.stderr)
        return 1
    print(
        f"{len(library.exercises)} exercise(s) and {len(library.agendas)} agenda(s)"
        f" OK in {directory.name}/"
    )
    return 0


def export_room(args: argparse.Namespace) -> int:
    import asyncio
    import time

    from workshop.exports import export
    from workshop.models import is_room_code, normalise_code
    from workshop.render import Renderer
    from workshop.store import Store
    from workshop.summary import build_summary

    settings = Settings(**({"redis_url": args.redis_url} if args.redis_url else {}))
    if not settings.redis_url:
        print(
            "workshop export reads the configured store, but none is configured: the embedded store "
            "lives inside the running app. Export from the console, or set WORKSHOP_REDIS_URL.",
            file=sys.stderr,
        )
        return 2
    code = normalise_code(args.code)
    if not is_room_code(code):
        print(f"'{args.code}' is not a room code.", file=sys.stderr)
        return 2

    async def read() -> bytes | None:
        store = Store.connect(settings.redis_url, settings.room_ttl_seconds)
        try:
            state = await store.load(code, every_run=True)
        finally:
            await store.close()
        if state is None:
            return None
        summary = build_summary(state, time.time(), anonymise=args.anonymise)
        renderer = Renderer()
        return export(summary, args.format, lambda s: renderer.page("export.html", summary=s)).body

    body = asyncio.run(read())
    if body is None:
        print(f"There is no room {code} in the store.", file=sys.stderr)
        return 1
    if args.output in (None, "-"):
        sys.stdout.buffer.write(body)
    else:
        Path(args.output).write_bytes(body)
        print(f"Wrote {args.output} ({len(body)} bytes).", file=sys.stderr)
    return 0


def wipe(args: argparse.Namespace) -> int:
    from workshop.store import wipe_embedded

    folder = Settings().data_dir
    if folder is None:
        print("WORKSHOP_DATA_DIR is empty: the embedded store keeps nothing on disk.")
        return 0

    def confirm(files: list[Path], rooms: list[str] | None) -> bool:
        print("This deletes the rooms the embedded store keeps on disk (Redis is not touched):")
        for path in files:
            what = ""
            if path.name == "embedded-store.json":
                what = "; unreadable" if rooms is None else f"; rooms: {', '.join(rooms) or 'none'}"
            print(f"  {path} ({path.stat().st_size:,} bytes{what})")
        if args.yes:
            return True
        if not sys.stdin.isatty():
            print("Nothing deleted: run `workshop wipe --yes` to delete them.", file=sys.stderr)
            return False
        return input("Delete them? [y/N] ").strip().lower() in ("y", "yes")

    try:
        deleted = wipe_embedded(folder, confirm)
    except RuntimeError as error:  # an app is using the folder
        print(f"Nothing deleted: {error}", file=sys.stderr)
        return 1
    if deleted is None:
        return 1
    if not deleted:
        print(f"Nothing to delete: there is no embedded store in {folder}.")
        return 0
    print(f"Deleted {len(deleted)} file(s).")
    return 0


def translations(args: argparse.Namespace) -> int:
    # Only for whoever keeps the catalogs: Babel's extraction is not needed to serve.
    from workshop import catalogs

    if args.translation_command == "update":
        catalogs.update()
        print(f"Updated {catalogs.TEMPLATE.name} and every language's catalog.")
    found = catalogs.gaps()
    for gap in found:
        print(gap, file=sys.stderr)
    if found:
        print(f"{len(found)} message(s) to translate or update.", file=sys.stderr)
        return 1
    print("Every message is translated in every language.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workshop", description="Live facilitation tool.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the web app")
    serve_parser.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    serve_parser.add_argument("--port", type=int, help="port (default 8000)")
    serve_parser.add_argument("--redis-url", help="real Redis, e.g. redis://localhost:6379/0")
    serve_parser.add_argument(
        "--access-log", action="store_true", help="log a line for every request (default: off)"
    )
    serve_parser.set_defaults(handler=serve)
    exercises_parser = commands.add_parser("exercises", help="work with the exercise library")
    exercise_commands = exercises_parser.add_subparsers(dest="exercise_command", required=True)
    check_parser = exercise_commands.add_parser("check", help="validate every exercise file")
    check_parser.add_argument("--dir", help="folder to check (default: the configured library)")
    check_parser.set_defaults(handler=check_exercises)
    export_parser = commands.add_parser("export", help="write a room's session summary")
    export_parser.add_argument("code", help="the room code")
    export_parser.add_argument("--format", choices=["md", "json", "csv", "html"], default="md")
    export_parser.add_argument("--anonymise", action="store_true", help="pseudonyms, not names")
    export_parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    export_parser.add_argument("--redis-url", help="the store (default: WORKSHOP_REDIS_URL)")
    export_parser.set_defaults(handler=export_room)
    wipe_parser = commands.add_parser(
        "wipe", help="delete the rooms the embedded store keeps on disk (stop the app first)"
    )
    wipe_parser.add_argument("--yes", action="store_true", help="do not ask before deleting")
    wipe_parser.set_defaults(handler=wipe)
    translations_parser = commands.add_parser(
        "translations", help="keep the language catalogs up to date with the code"
    )
    translation_commands = translations_parser.add_subparsers(
        dest="translation_command", required=True
    )
    translation_commands.add_parser("update", help="extract every message and merge it in")
    translation_commands.add_parser("check", help="list every message not yet translated")
    translations_parser.set_defaults(handler=translations)
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
