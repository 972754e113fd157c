"""Session summaries in the formats teams use: Markdown, JSON, CSV (zipped) and printable HTML.

Every format is drawn from one `Summary`. Text written by participants is escaped for the format
it lands in, and only as much as that format needs to show it as typed: Markdown (where a heading,
list item, table cell or line would act on it), CSV quoting (and no formulas), HTML autoescaping.
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from workshop.i18n import gettext
from workshop.kinds import KINDS, kind_named
from workshop.markdown import md_block, md_heading
from workshop.summary import Summary
from workshop.words import count

FORMATS = ("md", "json", "csv", "html")


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    body: bytes


HtmlRenderer = Callable[[Summary], str]


def export(summary: Summary, fmt: str, html_renderer: HtmlRenderer | None = None) -> Export:
    stem = f"workshop-{summary.room}-{summary.date}" + ("-anonymised" if summary.anonymised else "")
    match fmt:
        case "md":
            return Export(
                f"{stem}.md", "text/markdown; charset=utf-8", to_markdown(summary).encode()
            )
        case "json":
            return Export(f"{stem}.json", "application/json", to_json(summary).encode())
        case "csv":
            return Export(f"{stem}-csv.zip", "application/zip", to_csv_zip(summary))
        case "html":
            if html_renderer is None:
                raise ValueError("the HTML export needs a renderer")
            return Export(
                f"{stem}.html", "text/html; charset=utf-8", html_renderer(summary).encode()
            )
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


# JSON ------------------------------------------------------------------------------------------


def to_json(summary: Summary) -> str:
    return summary.model_dump_json(indent=2)


def json_schema() -> str:
    return json.dumps(Summary.model_json_schema(), indent=2, sort_keys=True) + "\n"


# Markdown --------------------------------------------------------------------------------------


def to_markdown(summary: Summary) -> str:
    """The summary as one Markdown page: the session, then one section (a "##" heading) per
    exercise, rounds under "###". Participants' text is escaped only where Markdown would act on
    it (see `workshop.markdown`)."""
    out = [
        f"# {md_heading(summary.heading)}",
        "",
        gettext("Room %(room)s · %(day)s · %(participants)s")
        % {
            "room": summary.room,
            "day": summary.day,
            "participants": count(len(summary.participants), "participant", "participants"),
        },
        "",
        gettext("Exported %(moment)s.") % {"moment": summary.exported},
    ]
    if summary.anonymised:
        out += ["", gettext("Names are replaced by pseudonyms (in order of arrival).")]
    if summary.hidden_items:
        out += ["", summary.hidden_note]
    out += ["", "## " + gettext("Participants"), ""]
    if summary.participants:
        left = " " + gettext("(left)")
        out += [f"- {md_block(p.name)}" + ("" if p.present else left) for p in summary.participants]
    else:
        out.append(gettext("Nobody joined."))
    for exercise in summary.exercises:
        out += ["", *kind_named(exercise.kind).markdown(exercise)]
    if not summary.exercises:
        out += ["", gettext("No exercises were run in this room.")]
    return "\n".join(out) + "\n"


# CSV -------------------------------------------------------------------------------------------


def _csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(cell: object) -> object:
    """Text that a spreadsheet would run as a formula (it starts with = + - @, a tab or a carriage
    return) gets a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_records(summary: Summary) -> dict[str, tuple[list[str], list[list[object]]]]:
    """Record kinds, each as (header, rows), shared by the CSV export and its tests."""
    votes: list[list[object]] = []
    added: dict[str, list[list[object]]] = {
        name: [] for kind in KINDS.values() for name in kind.csv_files
    }
    for ex in summary.exercises:
        for name, rows in kind_named(ex.kind).csv_rows(ex).items():
            (votes if name == "votes.csv" else added[name]).extend(rows)
    votes = _safe_rows(votes)
    records: dict[str, tuple[list[str], list[list[object]]]] = {
        "votes.csv": (["run", "exercise", "round", "kind", "participant", "choice", "dots"], votes),
    }
    for kind in KINDS.values():
        for name, headers in kind.csv_files.items():
            records[name] = (headers, _safe_rows(added[name]))
    return records


def _safe_rows(rows: list[list[object]]) -> list[list[object]]:
    return [[_spreadsheet_safe(cell) for cell in row] for row in rows]


def to_csv_zip(summary: Summary) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, (headers, rows) in csv_records(summary).items():
            archive.writestr(filename, _csv(headers, rows))
    return buffer.getvalue()
