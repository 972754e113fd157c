"""The exercise editor, generated from a kind's content model: no kind writes a form of its own.

A content model is described by its JSON Schema (pydantic's own, `schema_of`), and this module walks
that description, so whatever a model says about a field (its type, its limits, whether it is a
list, its `title`, its `description`) is what the editor shows and checks:

| in the model                                  | in the editor                                  |
|-----------------------------------------------|------------------------------------------------|
| a text of at most 200 characters              | a one-line box                                 |
| a longer or unlimited text                    | a box of several lines                         |
| a list of texts                               | a box with one entry per line                  |
| a whole number (with its bounds)              | a number box                                   |
| yes / no                                      | a tick box                                     |
| one of a few words (`Literal`)                | a choice list                                  |
| a group of fields (a nested model)            | a titled group                                 |
| a list of groups                              | numbered groups, each removable, and an Add    |

Labels come from a field's `title` when the model gives one, else from its name in plain words
("moved_by" reads "Moved by"); a list of groups names one entry by its `item_title`, else by the
group's model name (a model `OpeningLine` reads "Opening line"); a choice's words for each of its
values come from its `choice_titles`, else are the values themselves. The kinds give every label
they show as a title marked with `N_` on the field itself (`Field(title=N_("Moved by"))`), so the
label is written once, beside what it names, and the catalogs translate it: the form is drawn in
the language being spoken (see `workshop.i18n`), and a name turned into words is shown as it is.
Form fields are named by their dotted path (`cases.1.first.customer.situation`), which is also how
a problem is located.

Everything here is pure: the form's values in, the exercise's data (and the problems, in the
facilitator's words) out. A problem is a `Message`, said in the language of the page that draws it;
as a `str` it is English, as the exercise files' checks report it.
"""

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import ErrorDetails

from workshop import i18n, words
from workshop.i18n import N_, Drawn, Message

Control = Literal[
    "fixed", "text", "textarea", "lines", "number", "check", "choice", "group", "list"
]

SHORT_TEXT = 200
"""A text allowed at most this many characters is edited on one line; a longer one gets a box."""


class _EditorSchema(GenerateJsonSchema):
    """pydantic's JSON Schema, without the titles it makes up from field names: a title left in
    the schema is one the model chose, in the facilitator's words."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


@functools.cache
def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(schema_generator=_EditorSchema)


def plain_words(name: str) -> str:
    """A field's or a model's name as a label: "moved_by" and "MovedBy" read "Moved by"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:].lower()


class _Schema:
    """One model's schema, with its `$ref`s followed."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.root = schema_of(model)
        self.defs: Mapping[str, Any] = self.root.get("$defs", {})

    def node(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """A schema node with its reference resolved: the referenced model's description, under
        what the referring field says of itself (its title, its description)."""
        ref = raw.get("$ref")
        if ref is None:
            return dict(raw)
        target = dict(self.defs[ref.rsplit("/", 1)[-1]])
        target["model_title"] = target.pop("title", "")
        # A model's docstring is written for whoever reads the code, not a hint for the form.
        target.pop("description", None)
        return target | {key: value for key, value in raw.items() if key != "$ref"}

    def properties(self, node: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [(key, self.node(value)) for key, value in node.get("properties", {}).items()]

    def items(self, node: Mapping[str, Any]) -> dict[str, Any]:
        return self.node(node.get("items", {}))


def _control(node: Mapping[str, Any]) -> Control:
    kind = node.get("type")
    if "const" in node:
        return "fixed"
    if "enum" in node:
        return "choice"
    if kind == "object":
        return "group"
    if kind == "array":
        return "lines" if node.get("items", {}).get("type") == "string" else "list"
    if kind == "integer":
        return "number"
    if kind == "boolean":
        return "check"
    limit = node.get("maxLength")
    short = "pattern" in node or (limit is not None and limit <= SHORT_TEXT)
    return "text" if short else "textarea"


def _label(key: str, node: Mapping[str, Any]) -> str:
    """A field's label, in English: a message id when the model marked its title."""
    return str(node.get("title") or plain_words(key))


def _item_label(node: Mapping[str, Any], items: Mapping[str, Any]) -> str:
    """What one entry of a list of groups is called, in English ("Case")."""
    return str(node.get("item_title") or plain_words(str(items.get("model_title") or "entry")))


def _choice_label(node: Mapping[str, Any], choice: str) -> str:
    """A choice's words, in the language being spoken."""
    titles: Mapping[str, str] = node.get("choice_titles", {})
    return i18n.translated(str(titles[choice])) if choice in titles else choice


@dataclass(frozen=True)
class FormField:
    """One field of the editor's form, with its value as typed and what is wrong with it."""

    name: str
    """The dotted path: the form field's name and where a problem points."""
    label: str
    control: Control
    value: Any = ""
    hint: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    """Each choice's words, in the language the form is drawn in."""
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    """A text's limit in characters (the page counts as it is typed; the check is the model's)."""
    children: tuple["FormField", ...] = ()
    item_label: str = ""
    """A list of groups: what one entry is called ("Case")."""
    can_add: bool = False
    can_remove: bool = False
    """A list of groups: whether an entry may be added, or removed, within the model's limits."""
    problems: tuple[str, ...] = ()
    focus: bool = False
    """The facilitator's last act concerns this field (an entry was just added): focus it."""

    @property
    def dom_id(self) -> str:
        return dom_id(self.name)

    @property
    def rows(self) -> int:
        """A box tall enough for what it holds (a list: one more line to add to)."""
        text = str(self.value)
        lines = text.count("\n") + 1 + sum(len(line) // 70 for line in text.split("\n"))
        return max(2 if self.control == "lines" else 3, min(lines + 1, 14))


def dom_id(path: str) -> str:
    """The page element of the field at `path`, which a problem links to."""
    return "f-" + path.replace(".", "-")


def _hint(node: Mapping[str, Any], control: Control) -> str:
    """What a field asks for, in the language being spoken."""
    parts: list[Message] = [Message(str(node["description"]))] if node.get("description") else []
    number = words.number
    if control == "lines":
        low, high = node.get("minItems"), node.get("maxItems")
        limit = node.get("items", {}).get("maxLength")
        if low and high:
            parts.append(
                Message("One per line, %(least)s to %(most)s lines.", least=low, most=high)
            )
        elif high:
            parts.append(Message("One per line, at most %(most)s.", most=high))
        else:
            parts.append(N_("One per line."))
        if limit:
            parts.append(Message("Each at most %(most)s characters.", most=number(limit)))
    elif control in ("text", "textarea") and node.get("maxLength"):
        parts.append(Message("At most %(most)s characters.", most=number(node["maxLength"])))
    elif control == "number" and "minimum" in node and "maximum" in node:
        parts.append(
            Message(
                "From %(least)s to %(most)s.",
                least=number(node["minimum"]),
                most=number(node["maximum"]),
            )
        )
    return " ".join(part.said() for part in parts)


class Form:
    """The editor of one kind's content model."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self._schema = _Schema(model)

    # The form, drawn from the data ---------------------------------------------------------------

    def fields(
        self,
        data: Mapping[str, Any],
        problems: Mapping[str, Sequence[str]] | None = None,
        focus: str = "",
    ) -> FormField:
        """The whole form as a tree, holding `data`'s values and `problems` by field, its words in
        the language being spoken."""
        return self._field("", "", self._schema.root, data, problems or {}, focus, required=True)

    def _field(
        self,
        name: str,
        label: str,
        node: dict[str, Any],
        value: Any,
        problems: Mapping[str, Sequence[str]],
        focus: str,
        required: bool,
    ) -> FormField:
        control = _control(node)
        common: dict[str, Any] = {
            "name": name,
            "label": label,
            "control": control,
            "hint": _hint(node, control),
            "required": required,
            "problems": tuple(str(i18n.say(problem)) for problem in problems.get(name, ())),
            "focus": bool(focus) and focus == name,
        }
        if control == "group":
            given = value if isinstance(value, Mapping) else {}
            needed = set(node.get("required", ()))
            if focus and focus == name:
                # A group just added: the cursor goes to its first field to type in.
                typed = [k for k, child in self._schema.properties(node) if "const" not in child]
                empty = [key for key in typed if not given.get(key)]
                focus = _join(name, (empty or typed)[0]) if typed else ""
            children = tuple(
                self._field(
                    _join(name, key),
                    i18n.translated(_label(key, child)),
                    child,
                    given.get(key, _blank(self._schema, child)),
                    problems,
                    focus,
                    key in needed,
                )
                for key, child in self._schema.properties(node)
            )
            return FormField(**common, children=children)
        if control == "list":
            items = self._schema.items(node)
            entries = value if isinstance(value, list) else []
            item = i18n.translated(_item_label(node, items))
            children = tuple(
                self._field(
                    _join(name, str(number)),
                    f"{item} {words.number(number + 1)}",
                    items,
                    entry,
                    problems,
                    focus,
                    True,
                )
                for number, entry in enumerate(entries)
            )
            return FormField(
                **common,
                children=children,
                item_label=item,
                can_add=len(entries) < node.get("maxItems", 1_000),
                can_remove=len(entries) > node.get("minItems", 0),
            )
        if control == "lines":
            shown = "\n".join(str(line) for line in value) if isinstance(value, list) else value
            return FormField(**common, value=shown)
        if control == "choice":
            choices = tuple(str(choice) for choice in node["enum"])
            labels = tuple(_choice_label(node, choice) for choice in choices)
            return FormField(**common, value=value, choices=choices, choice_labels=labels)
        if control == "number":
            return FormField(
                **common, value=value, minimum=node.get("minimum"), maximum=node.get("maximum")
            )
        if control == "fixed":
            return FormField(**common, value=node["const"])
        return FormField(**common, value=value, max_length=node.get("maxLength"))

    # The data, read from the form ----------------------------------------------------------------

    def read(self, form: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """The exercise's data as the form holds it, shaped as the model expects but not yet
        checked: what is typed is kept as typed, so nothing is lost when it is wrong."""
        values: dict[str, list[str]] = {}
        for key, value in form:
            values.setdefault(key, []).append(value)
        data = self._read("", self._schema.root, values)
        return data if isinstance(data, dict) else {}

    def _read(self, name: str, node: dict[str, Any], values: Mapping[str, list[str]]) -> Any:
        control = _control(node)
        if control == "group":
            return {
                key: self._read(_join(name, key), child, values)
                for key, child in self._schema.properties(node)
            }
        if control == "list":
            prefix = f"{name}."
            numbers = sorted(
                {
                    int(token)
                    for key in values
                    if key.startswith(prefix)
                    and (token := key[len(prefix) :].split(".", 1)[0]).isdigit()
                }
            )
            items = self._schema.items(node)
            return [self._read(_join(name, str(n)), items, values) for n in numbers]
        typed = values.get(name, [""])[-1].replace("\r\n", "\n")
        if control == "lines":
            return [line.strip() for line in typed.split("\n") if line.strip()]
        if control == "check":
            return name in values and typed == "true"
        if control == "fixed":
            return node["const"]
        if control == "number":
            return int(typed) if re.fullmatch(r"\s*-?\d{1,9}\s*", typed) else typed
        return typed

    # Changing the data ---------------------------------------------------------------------------

    def blank(self) -> dict[str, Any]:
        """An exercise with every field empty, lists at their shortest, numbers at their default."""
        data = _blank(self._schema, self._schema.root)
        return data if isinstance(data, dict) else {}

    def add(self, data: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
        """`data` with an empty entry at the end of the list at `path`, and the new entry's path.
        An entry with an `id` gets one no other entry of the list has."""
        node, entries = self._list_at(data, path)
        if entries is None or len(entries) >= node.get("maxItems", 1_000):
            return data, ""
        items = self._schema.items(node)
        entry = _blank(self._schema, items)
        if isinstance(entry, dict) and "id" in entry:
            taken = {str(e.get("id")) for e in entries if isinstance(e, dict)}
            stem = re.sub(r"[^a-z0-9]+", "-", _item_label(node, items).lower()).strip("-")
            number = len(entries) + 1
            while f"{stem}-{number}" in taken:
                number += 1
            entry["id"] = f"{stem}-{number}"
        entries.append(entry)
        return data, _join(path, str(len(entries) - 1))

    def remove(self, data: dict[str, Any], path: str) -> dict[str, Any]:
        """`data` without the list entry at `path` ("cases.1"), within the list's limits."""
        parent, _, index = path.rpartition(".")
        node, entries = self._list_at(data, parent)
        if entries is None or not index.isdigit() or int(index) >= len(entries):
            return data
        if len(entries) > node.get("minItems", 0):
            del entries[int(index)]
        return data

    def move_up(self, data: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
        """`data` with the list entry at `path` ("cases.2") one place earlier, and its new path
        ('' when it cannot move)."""
        parent, _, index = path.rpartition(".")
        _, entries = self._list_at(data, parent)
        if entries is None or not index.isdigit() or not 0 < int(index) < len(entries):
            return data, ""
        at = int(index)
        entries[at - 1], entries[at] = entries[at], entries[at - 1]
        return data, _join(parent, str(at - 1))

    def _list_at(self, data: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Any] | None]:
        node: dict[str, Any] = self._schema.root
        value: Any = data
        for part in path.split(".") if path else []:
            control = _control(node)
            if control == "group" and isinstance(value, dict):
                children = dict(self._schema.properties(node))
                if part not in children:
                    return node, None
                node, value = children[part], value.setdefault(part, [])
            elif control == "list" and isinstance(value, list) and part.isdigit():
                if int(part) >= len(value):
                    return node, None
                node, value = self._schema.items(node), value[int(part)]
            else:
                return node, None
        if _control(node) != "list" or not isinstance(value, list):
            return node, None
        return node, value

    # Checking ------------------------------------------------------------------------------------

    def check(self, data: Mapping[str, Any]) -> tuple[BaseModel | None, list["Problem"]]:
        """The exercise, or every problem with it, each located by field in plain words."""
        try:
            return self.model.model_validate(data), []
        except ValidationError as error:
            return None, [self.problem(detail, data) for detail in error.errors(include_url=False)]

    def problem(self, detail: ErrorDetails, data: Mapping[str, Any]) -> "Problem":
        """One of pydantic's errors as the facilitator reads it: "Case 2, customer card,
        situation: too long, 1,400 of 1,200 characters"."""
        place = self.place(detail["loc"])
        message = _in_words(detail, place)
        if place.line is not None:
            message = Message("line %(line)s: %(problem)s", line=place.line, problem=message)
        location = ".".join(str(part) for part in detail["loc"])
        return Problem(place.field, place.where, message, location)

    def place(self, location: Sequence[str | int]) -> "Place":
        """A place in an exercise's data (its keys and list positions) as the facilitator names
        it, and whether what is there is a text in someone's words."""
        node: dict[str, Any] = self._schema.root
        names: list[str] = []
        # Each label from the outside in, as a message (a key no field has: as written).
        where: list[str] = []
        line = None
        reached = True
        for part in location:
            control = _control(node)
            if control == "group":
                children = dict(self._schema.properties(node))
                if str(part) not in children:
                    # A field the model does not have (a typo in an uploaded file): named as
                    # written, on the group that holds it.
                    where.append(plain_words(str(part)))
                    reached = False
                    break
                names.append(str(part))
                node = children[str(part)]
                where.append(Message(_label(str(part), node)))
            elif control == "list" and isinstance(part, int):
                items = self._schema.items(node)
                names.append(str(part))
                # "Case 2" says which list it is in: it takes the place of "Cases".
                where[-1:] = [Message.joined(Message(_item_label(node, items)), str(part + 1))]
                node = items
            elif control == "lines" and isinstance(part, int):
                line = part + 1
                node = self._schema.items(node)
                break
            else:
                reached = False
                break
        phrase = Drawn(_phrase, tuple(where)) if where else ""
        choices = tuple(str(choice) for choice in node.get("enum", ()))
        return Place(".".join(names), phrase, line, reached and _is_text(node), choices)


def _phrase(labels: tuple[str, ...]) -> str:
    """A place as the facilitator names it, in the language being spoken: its labels from the
    outside in, each after the first as it reads within a sentence."""
    said = [str(i18n.say(label)) for label in labels]
    return ", ".join([said[0], *(words.within(label) for label in said[1:])])


@dataclass(frozen=True)
class Place:
    field: str
    """The dotted path of the form field it belongs to ('' for the exercise as a whole)."""
    where: str
    """The field in the facilitator's words: "Case 2, customer card, situation"."""
    line: int | None = None
    """Which entry of a list of texts (from 1), when it is one."""
    text: bool = False
    """Whether it holds words of the author's (a title, a question, one of a list of lines), as
    opposed to an id, a number, a yes or no, or one of a few fixed words."""
    choices: tuple[str, ...] = ()
    """The words it may be, when it is one of a few."""


def _is_text(node: Mapping[str, Any]) -> bool:
    return node.get("type") == "string" and not ({"pattern", "enum", "const"} & node.keys())


@dataclass(frozen=True)
class Problem:
    field: str
    """The dotted path of the field it belongs to ('' for the exercise as a whole)."""
    where: str
    """The field in the facilitator's words: "Case 2, customer card, situation"."""
    message: str
    """What is wrong, a `Message` when the editor words it: said where it is drawn."""
    location: str = ""
    """Where it is in a file: the dotted path of keys and list positions ("options.2.label")."""

    def __str__(self) -> str:
        return str(self.sentence)

    @property
    def sentence(self) -> str:
        """The problem and its place, said in the language being spoken where it is drawn."""
        return Message.joined(self.where, self.message, sep=": ") if self.where else self.message

    @property
    def anchor(self) -> str:
        return dom_id(self.field)


def by_field(problems: Iterable[Problem]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(problem.field, []).append(problem.message)
    return found


def _in_words(detail: ErrorDetails, place: Place) -> str:
    """What pydantic found wrong, in the facilitator's words: a message, said where it is drawn,
    its numbers as the language writes them."""
    kind = detail["type"]
    context: Mapping[str, Any] = detail.get("ctx", {}) or {}
    given = detail.get("input")

    def number(n: object) -> str:
        return Drawn(words.number, n) if isinstance(n, int | float) else str(n)

    if kind == "string_too_long":
        size = len(given) if isinstance(given, str) else 0
        return Message(
            "too long, %(size)s of %(most)s characters",
            size=number(size),
            most=number(context["max_length"]),
        )
    if kind == "string_too_short":
        least = int(context.get("min_length", 1))
        if least == 1:
            return N_("cannot be empty")
        return Message.counted(
            "too short: at least %(num)s character",
            "too short: at least %(num)s characters",
            least,
            num=number(least),
        )
    if kind == "too_short":
        return Message(
            "needs at least %(least)s (has %(has)s)",
            least=number(context["min_length"]),
            has=number(context.get("actual_length", 0)),
        )
    if kind == "too_long":
        return Message(
            "at most %(most)s (has %(has)s)",
            most=number(context["max_length"]),
            has=number(context.get("actual_length", 0) or 0),
        )
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return N_("a whole number, please")
    if kind in ("float_parsing", "float_type"):
        return N_("a number, please")
    if kind in ("bool_parsing", "bool_type"):
        return N_("yes or no, please")
    if kind == "string_type":
        return N_("a text, please")
    if kind in ("list_type", "tuple_type"):
        return N_("a list, please")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return N_("fields, please (such as title:)")
    if kind == "greater_than_equal":
        return Message("at least %(least)s", least=number(context["ge"]))
    if kind == "greater_than":
        return Message("more than %(least)s", least=number(context["gt"]))
    if kind == "less_than_equal":
        return Message("at most %(most)s", most=number(context["le"]))
    if kind == "less_than":
        return Message("less than %(most)s", most=number(context["lt"]))
    if kind in ("literal_error", "enum"):
        choices = ", ".join(place.choices) if place.choices else context.get("expected", "")
        return Message("one of: %(choices)s", choices=choices)
    if kind == "string_pattern_mismatch":
        return N_("lower-case letters, digits and dashes only (e.g. case-2)")
    if kind == "missing":
        return N_("missing")
    if kind == "extra_forbidden":
        return N_("no such field here (a typo?)")
    if kind == "value_error":
        # A kind's own check says what is wrong as a message (see `workshop.kinds`).
        error = context.get("error")
        said = error.args[0] if isinstance(error, ValueError) and error.args else None
        if isinstance(said, Message):
            return said
        return str(detail["msg"]).removeprefix("Value error, ")
    return str(detail["msg"])


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _blank(schema: _Schema, node: dict[str, Any]) -> Any:
    control = _control(node)
    if "default" in node:
        return node["default"]
    if control == "group":
        return {key: _blank(schema, child) for key, child in schema.properties(node)}
    if control == "list":
        return [_blank(schema, schema.items(node)) for _ in range(node.get("minItems", 0))]
    if control == "lines":
        return []
    if control == "fixed":
        return node["const"]
    if control == "choice":
        return node["enum"][0]
    if control == "number":
        return node.get("minimum", 0)
    if control == "check":
        return False
    return ""


# Files --------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Exercise files as people write them: keys in the model's order, texts of several lines
    as blocks."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(exercise: BaseModel) -> str:
    """The exercise as a file for `exercises/`: loading it gives the same exercise back."""
    return yaml.dump(
        exercise.model_dump(mode="json", exclude_defaults=True),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )


def copy_id(exercise_id: str, suffix: str = "-copy") -> str:
    """An id for a copy, still a valid id (at most 40 characters) and not the original's: whole
    words of the original are dropped from its end to make room."""
    words = exercise_id.split("-")
    while len(words) > 1 and len("-".join(words)) + len(suffix) > 40:
        words.pop()
    return "-".join(words)[: 40 - len(suffix)] + suffix
