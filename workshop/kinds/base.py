"""What every exercise kind shares: phase descriptions, the common content fields, and the `Kind`
protocol through which the engine, the views, the summary and the exports ask a kind what is its own.
"""

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from workshop.action_base import KindHostAction, ParticipantAction, Staged
from workshop.effects import Effects, Read, Write
from workshop.i18n import N_, Message

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$"),
    Field(title=N_("Short name"), description=N_("Lower-case letters, digits and dashes.")),
]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SeedRef = Annotated[str, StringConstraints(pattern=r"^\d{3}$")]
NOTES_MAX = 4000
"""Facilitator notes, for an exercise or one of its cases: the longest in the library is about
2,200 characters. Every text has a limit, so an exercise stays small wherever it is kept."""


@dataclass(frozen=True)
class PhaseSpec:
    """One step of an exercise as the facilitator drives it."""

    name: str
    title: str
    host_hint: str
    """What the facilitator should do now, shown on the console."""
    reveals: bool = False
    """This step shows the room its results (the console's "reveal" key moves to it)."""


class ExerciseContent(BaseModel):
    """Fields every exercise file has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    """Which kind of exercise this is: its kind's `name` (each kind's model narrows it to that)."""
    id: Slug
    title: Line = Field(title=N_("Title"))
    summary: Line = Field(title=N_("Summary"), description=N_("One line, for the library."))
    seeds: list[SeedRef] = Field(
        min_length=1,
        max_length=5,
        title=N_("Source documents"),
        description=N_("The numbers of the seed digests it draws on, such as 000."),
    )
    """The seed digests (by number) the exercise draws on."""
    minutes: int = Field(ge=1, le=180, title=N_("Minutes"))
    notes: str = Field(
        default="",
        max_length=NOTES_MAX,
        title=N_("Facilitator notes"),
        description=N_("Shown on the console only."),
    )
    """Facilitator notes, shown on the console only."""


class HasId(Protocol):
    @property
    def id(self) -> str: ...


_Item = TypeVar("_Item", bound=HasId)


def distinct_ids(items: Sequence[_Item], refusal: Message) -> Sequence[_Item]:
    """For validators: every item of a list needs its own id (`refusal` says so, naming the item:
    N_("every case needs its own id"))."""
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError(refusal)
    return items


class CardQuestion(BaseModel):
    exercise: str
    round: int
    text: str
    rank: int
    tied: bool
    dots: int
    of: int
    """How many questions were ranked in that round."""


class CardHabit(BaseModel):
    habit: str
    received: list[int]
    """Scores partners gave this participant as challenger."""
    own: float | None
    """This participant's own rating of themselves."""


class CardComment(BaseModel):
    role: str
    """The rater's role: customer or observer; never their name."""
    landed: str
    try_next: str


class CardRound(BaseModel):
    exercise: str
    round: int
    case: str
    habits: list[CardHabit]
    comments: list[CardComment]


class CardPost(BaseModel):
    """A post a participant wrote, as their personal card shows it."""

    exercise: str
    round: int
    kind: str
    side: str
    text: str
    upvotes: int


@dataclass(frozen=True)
class CardPart:
    """What one run adds to a participant's personal card."""

    questions: Sequence[CardQuestion] = ()
    feedback: Sequence[CardRound] = ()
    posts: Sequence[CardPost] = ()


class SummaryEntry(BaseModel):
    """What every kind's part of the session summary starts with (each kind's model narrows
    `kind` to its own name and adds its rounds)."""

    kind: str
    run: str
    title: str


Namer = Callable[[str], str]
"""A participant id to the name a summary shows (or its pseudonym)."""

ContentT = TypeVar("ContentT", bound=ExerciseContent)
SummaryT = TypeVar("SummaryT", bound=SummaryEntry)


STAGE_TEMPLATES: Mapping[str, str] = {
    "host": "host.html",
    "screen": "screen.html",
    "phone": "phone.html",
}
"""The usual stage template per audience, in a kind's own `templates/` folder."""


def round_data(rounds: int, names: Sequence[str]) -> tuple[str, ...]:
    """The run-relative hashes of a run whose every round keeps `names`: "<round>:<name>"."""
    return tuple(f"{number}:{name}" for number in range(rounds) for name in names)


class KindBase(Generic[ContentT, SummaryT]):
    """What most kinds answer alike, for a kind's class to start from: its phases and rounds from
    class attributes, its stage and report templates by their usual names, and "nothing" for the
    hooks a kind may not need (seating, shared phone renders, groups, the personal card). A kind
    overrides what it does differently; the `Kind` protocol is what counts."""

    phase_specs: ClassVar[tuple[PhaseSpec, ...]] = ()
    rounds_field: ClassVar[str] = ""
    """The content's list of rounds ("cases", "scenarios"); empty: the exercise is one round."""
    round_names: ClassVar[tuple[str, ...]] = ()
    """The hashes each round keeps (under "<round>:"), when the kind keeps data per round."""
    run_names: ClassVar[tuple[str, ...]] = ()
    """The hashes the run keeps whatever the round."""
    round_word: str = N_("Round")
    templates: Mapping[str, str] = STAGE_TEMPLATES
    export_template = "export.html"
    host_actions: tuple[type[KindHostAction], ...] = ()
    csv_files: Mapping[str, list[str]] = {}

    def phases(self, exercise: ContentT) -> tuple[PhaseSpec, ...]:
        return self.phase_specs

    def rounds(self, exercise: ContentT) -> int:
        return len(getattr(exercise, self.rounds_field)) if self.rounds_field else 1

    def first_rounds(self, exercise: ContentT, count: int) -> ContentT:
        if not self.rounds_field:
            return exercise
        cut = getattr(exercise, self.rounds_field)[:count]
        return exercise.model_copy(update={self.rounds_field: cut})

    def data_names(self, exercise: ContentT) -> tuple[str, ...]:
        return (*self.run_names, *round_data(self.rounds(exercise), self.round_names))

    def step_reads(self, run: "Run") -> tuple[Read, ...]:
        return ()

    def on_step(self, state: "RoomState", run: "Run", forward: bool) -> Effects | None:
        return None

    def seats_people(self, run: "Run") -> bool:
        return False

    def reseat(self, state: "RoomState", run: "Run") -> Effects:
        return Effects(notice=N_("Nothing to rearrange."))

    def phone_key(self, state: "RoomState", run: "Run") -> Callable[[str], Hashable] | None:
        return None

    def phones_touched(self, run: "Run", write: Write) -> Collection[str] | None:
        return None

    def shows_on_touched_only(self, run: "Run", write: Write) -> bool:
        return False

    def only_group(self, entry: SummaryT, group: str) -> SummaryT | None:
        return None

    def card(self, state: "RoomState", run: "Run", participant_id: str) -> CardPart:
        return CardPart()

    def card_holders(self, state: "RoomState", run: "Run") -> frozenset[str]:
        return frozenset()


class Kind(Protocol[ContentT, SummaryT]):
    """One kind of exercise, whole: what the shared layers ask of it. Every function is pure: it
    reads a consistent `RoomState` and returns values (`Effects` for a decision); only the store
    touches Redis.

    The engine keeps what every exercise shares (agenda, phases and rounds, timer, lock, roster);
    the rest is the kind's.
    """

    # Identity and content -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The content's `kind` field, the registry's key and the template folder's prefix."""

    @property
    def label(self) -> str:
        """What people call it ("Advocacy debate")."""

    @property
    def package(self) -> str:
        """The Python package that holds its `templates/` folder."""

    @property
    def round_word(self) -> str:
        """What a round is called on the screens ("Round", "Debate")."""

    @property
    def content(self) -> type[ContentT]:
        """The model of its exercise files (a subclass of `ExerciseContent`)."""

    @property
    def summary_model(self) -> type[SummaryT]:
        """The model of its part of the session summary (a subclass of `SummaryEntry`)."""

    def phases(self, exercise: ContentT) -> tuple[PhaseSpec, ...]: ...

    def rounds(self, exercise: ContentT) -> int: ...

    def first_rounds(self, exercise: ContentT, count: int) -> ContentT:
        """The exercise cut to its first `count` rounds (all of them when it has no more)."""

    def data_names(self, exercise: ContentT) -> tuple[str, ...]:
        """Every run-relative hash a run of this exercise may keep."""

    # Actions and rules ----------------------------------------------------------------------------
    @property
    def participant_actions(self) -> tuple[type[ParticipantAction], ...]:
        """The participant actions only this kind defines (it may accept shared ones too)."""

    @property
    def host_actions(self) -> tuple[type[KindHostAction], ...]:
        """The facilitator actions only this kind accepts."""

    def reads(self, run: "Run", participant_id: str, action: Staged) -> tuple[Read, ...]:
        """The run data a decision on `action` needs, beyond the meta and the actor."""

    def step_reads(self, run: "Run") -> tuple[Read, ...]:
        """The run data `on_step` and `reseat` need."""

    def decide(
        self,
        state: "RoomState",
        run: "Run",
        participant_id: str,
        action: ParticipantAction,
        now: float,
    ) -> Effects:
        """A participant's action on the current run (raises `Rejected`)."""

    def host(self, state: "RoomState", run: "Run", action: KindHostAction) -> Effects:
        """One of `host_actions` on the current run (raises `Rejected`)."""

    def on_step(self, state: "RoomState", run: "Run", forward: bool) -> Effects | None:
        """The facilitator has moved `run` to its current step (forward or back): what the kind
        changes on arriving there (forming teams, seating latecomers), or None. Its notice, if
        any, is added to the step's own."""

    def seats_people(self, run: "Run") -> bool:
        """The current step has people seated (in teams), to be re-seated as people come and go."""

    def reseat(self, state: "RoomState", run: "Run") -> Effects:
        """Seat whoever is present and has no seat (called while `seats_people`)."""

    # Views ----------------------------------------------------------------------------------------
    @property
    def templates(self) -> Mapping[str, str]:
        """Audience ("host", "screen", "phone") -> its stage template, in the kind's folder. The
        console's and the phone's are included where the stage goes; the projector's defines two
        macros, `headline()` (the step's one message, the stage's heading) and `body()` (what
        the stage shows under it, fitted to the screen)."""

    def view(self, state: "RoomState", run: "Run", viewer: "Audience") -> object:
        """The view model its stage templates get as `stage.view`, limited to what `viewer` may
        see. For a phone, when `phone_key` is not None, `viewer` carries only the phone's key
        (`viewer.personal`), not the participant's id."""

    def phone_key(self, state: "RoomState", run: "Run") -> Callable[[str], Hashable] | None:
        """Everything personal a phone's stage shows, as a function of the participant: phones
        with equal keys share one render of their stage. Set up once per read of the room (a
        refresh asks it for every phone). None when that has not been worked out: each phone's
        stage is then rendered for it alone."""

    def phones_touched(self, run: "Run", write: Write) -> Collection[str] | None:
        """The participants whose `phone_key` a committed write to the current run's data may
        change (a vote: the voter's); None when that has not been worked out, or anyone's may.
        A refresh then looks at those phones alone, beside one phone of each group that shows
        the same (whose stage may change for all of them alike), rather than at every phone."""

    def shows_on_touched_only(self, run: "Run", write: Write) -> bool:
        """Whether a committed write to the current run's data changes nothing on a phone
        `phones_touched` does not name (the console and the projector aside). Where every
        phone's stage is its own (a ballot in an order of its own), each phone is a group of
        one, and a refresh after such writes alone looks at the touched phones only, rather
        than at one phone of each group: at all of them. False when that has not been worked
        out."""

    # Summary and exports --------------------------------------------------------------------------
    def summary(self, state: "RoomState", run: "Run", name: Namer) -> tuple[SummaryT, int]:
        """What a run adds to the session summary, and how many hidden items it leaves out."""

    def only_group(self, entry: SummaryT, group: str) -> SummaryT | None:
        """The part of `entry` that concerns one group, a team or a pair, by its id (None: nothing
        of it)."""

    def card(self, state: "RoomState", run: "Run", participant_id: str) -> CardPart:
        """What a participant's personal card shows from this run: their own questions, posts and
        the feedback addressed to them."""

    def card_holders(self, state: "RoomState", run: "Run") -> frozenset[str]:
        """Everyone whose `card` from this run is not empty, worked out once for the whole room
        (a phone shows its feedback card link only then)."""

    def markdown(self, entry: SummaryT) -> list[str]:
        """The entry's section of the Markdown export, line by line."""

    @property
    def csv_files(self) -> Mapping[str, list[str]]:
        """CSV files the kind adds to the zipped export, with their headers."""

    def csv_rows(self, entry: SummaryT) -> Mapping[str, list[list[Any]]]:
        """Rows the entry adds, by CSV file (its own files, or the shared "votes.csv")."""

    @property
    def export_template(self) -> str:
        """The template of the entry's section of the printable report, in the kind's folder."""
