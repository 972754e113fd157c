"""Best-question rounds: write the question that could turn the conversation, then dot-vote.

The whole kind lives in this package: its content model, phases and the decoded round (`content`),
its actions (`actions`), its rules (`rules`), its view models (`views`), what it adds to the
summary, the personal card and the exports (`summary`), its templates (`templates/`), and the
`Kind` that hands them to the rest of the app (`kind`). Only the registry, `workshop.kinds`, names
it.
"""

from workshop.kinds.best_question.actions import (
    HOST_ACTIONS,
    PARTICIPANT_ACTIONS,
    HideQuestion,
    HostActions,
    MergeQuestions,
    ParticipantActions,
    PlaceDot,
    RemoveDot,
    Spotlight,
    SubmitQuestion,
    WithdrawQuestion,
)
from workshop.kinds.best_question.content import (
    DATA,
    PHASES,
    QUESTION_MAX,
    SPOTLIGHT_PHASES,
    BestQuestion,
    Board,
    Names,
    Question,
    Scenario,
    author_of,
    data_names,
    question_id,
    rounds,
)
from workshop.kinds.best_question.kind import KIND, BestQuestionKind
from workshop.kinds.best_question.rules import (
    Ranked,
    clean_text,
    hide,
    merge,
    place_dot,
    ranking,
    reads_for_board,
    reads_for_dot,
    remove_dot,
    shuffled_for,
    spotlight,
    submit,
    withdraw,
)
from workshop.kinds.best_question.summary import (
    BestQuestionSummary,
    Dot,
    QuestionEntry,
    QuestionRound,
)
from workshop.kinds.best_question.views import (
    PROJECTOR_TOP_AT_DEBRIEF,
    PROJECTOR_TOP_AT_REVEAL,
    BestQuestionView,
    QuestionView,
    SlotView,
)

Content = BestQuestion
Summary = BestQuestionSummary

__all__ = [
    "DATA",
    "HOST_ACTIONS",
    "KIND",
    "PARTICIPANT_ACTIONS",
    "PHASES",
    "PROJECTOR_TOP_AT_DEBRIEF",
    "PROJECTOR_TOP_AT_REVEAL",
    "QUESTION_MAX",
    "SPOTLIGHT_PHASES",
    "BestQuestion",
    "BestQuestionKind",
    "BestQuestionSummary",
    "BestQuestionView",
    "Board",
    "Content",
    "Dot",
    "HideQuestion",
    "HostActions",
    "MergeQuestions",
    "Names",
    "ParticipantActions",
    "PlaceDot",
    "Question",
    "QuestionEntry",
    "QuestionRound",
    "QuestionView",
    "Ranked",
    "RemoveDot",
    "Scenario",
    "SlotView",
    "Spotlight",
    "SubmitQuestion",
    "Summary",
    "WithdrawQuestion",
    "author_of",
    "clean_text",
    "data_names",
    "hide",
    "merge",
    "place_dot",
    "question_id",
    "ranking",
    "reads_for_board",
    "reads_for_dot",
    "remove_dot",
    "rounds",
    "shuffled_for",
    "spotlight",
    "submit",
    "withdraw",
]
