"""What every card kind declares, and the blocks a card is shown as.

A kind is one module in this package with a `KIND` object, a subclass of `Kind`. The loader asks it
for its deck-file fields, its checks and its study cards; the study screen for its front, its back
and its judgement of an answer; listings for its prompt. Nothing here imports pydantic, Rich or
Textual: the study path loads this package without paying for the deck-file models, and the TUI
turns the blocks into Rich renderables (`quizapp.tui.render.blocks`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

if TYPE_CHECKING:
    from quizapp.core.kinds.fields import CardFields

CardData = dict[str, Any]
"""What a study card shows, as the loader stores it (JSON in the `data` column)."""


# -- blocks: a card's face, as data ---------------------------------------------------------------
# NamedTuples: a ninth of a frozen dataclass's cost to define, on the study screen's start-up path.
# Tell them apart by type (isinstance, match), not by ==: equal fields make equal tuples.


class Prose(NamedTuple):
    """Card text from the deck file: Markdown-ish, with formulas and fenced code."""

    text: str
    muted: bool = False


class Code(NamedTuple):
    """A code listing, highlighted; `highlight_line` (1-based) marks one line."""

    code: str
    lang: str = "python"
    highlight_line: int | None = None


class Heading(NamedTuple):
    """quizapp's own words introducing what follows ("It prints:")."""

    text: str


class Hint(NamedTuple):
    """quizapp's own words on what to do next ("Press the number of your answer.")."""

    text: str
    spaced: bool = False
    """After a blank line."""


class Options(NamedTuple):
    """Numbered choices, in the order shown (number 1 is the first)."""

    items: tuple[str, ...]
    chosen: int | None = None
    """Once answered: the index of the option the learner picked…"""
    right: int | None = None
    """…and of the right one, so the front shows both."""


class Labelled(NamedTuple):
    """A label of ours and one line of card text ("Answer: …")."""

    label: str
    text: str


class Plain(NamedTuple):
    """Untrusted text shown exactly as it is: no Markdown, no formulas."""

    text: str
    muted: bool = False


class Printed(NamedTuple):
    """What a program prints, shown exactly as it is."""

    text: str


class Typed(NamedTuple):
    """What the learner typed, when it was not right."""

    text: str


Block = Prose | Code | Heading | Hint | Options | Labelled | Plain | Printed | Typed


# -- answering ------------------------------------------------------------------------------------


class AnswerMode(enum.Enum):
    """How the learner answers a card before seeing its back."""

    REVEAL = "reveal"
    """Think, then show the back (basic, reverse, cloze, bug)."""
    TYPE = "type"
    """Type the answer; it is judged (type, output)."""
    CHOOSE = "choose"
    """Press the number of an option; it is judged (choice)."""


class Answer(NamedTuple):
    """What the learner typed or chose, and whether the kind judged it right."""

    given: str
    correct: bool
    note: str = ""
    """How it was judged, when that is worth saying (e.g. accepted by its result, not its spelling)."""


# -- the kind -------------------------------------------------------------------------------------


class Kind:
    """One card kind. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    """The `kind:` written in deck files."""
    answer_mode: ClassVar[AnswerMode] = AnswerMode.REVEAL
    rendered_fields: ClassVar[tuple[str, ...]] = ()
    """Fields shown as card text with formulas: `quizapp validate` renders each one."""

    @cached_property
    def fields(self) -> type[CardFields]:
        """The pydantic model of this kind's cards in a deck file (built on first use: the study
        path never imports pydantic)."""
        return self.define_fields()

    def define_fields(self) -> type[CardFields]:
        raise NotImplementedError

    def check(self, card: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        """Problems across fields that the model cannot see: (field, message) each.

        It reads the raw card from the file (any field may be missing or mistyped), so that these
        problems are reported together with the model's.
        """
        return iter(())

    def expand(self, card: Mapping[str, Any]) -> list[tuple[str, CardData]]:
        """The study cards one validated card makes: (study card id, what it shows) each."""
        raise NotImplementedError

    def rendered_texts(self, field: str, value: str) -> list[str]:
        """The texts a rendered field is shown as (a cloze text: once per blank, hidden and revealed)."""
        return [value]

    def prompt(self, data: CardData) -> str:
        """What the card asks, to recognise it in a list."""
        raise NotImplementedError

    def choices(self, card_id: str, data: CardData) -> tuple[str, ...]:
        """The options, in the order shown, for kinds answered by choosing one."""
        return ()

    def front(self, card_id: str, data: CardData) -> list[Block]:
        raise NotImplementedError

    def answered_front(self, card_id: str, data: CardData, answer: Answer) -> list[Block]:
        """The front once answered (a choice card marks the chosen and the right option)."""
        return self.front(card_id, data)

    def back(self, data: CardData, answer: Answer | None) -> list[Block]:
        """The answer side; `answer` is what the learner typed or chose (None for revealed kinds)."""
        raise NotImplementedError

    def judge(self, data: CardData, given: str) -> bool:
        """Whether `given` (typed or chosen) is right; only kinds answered by typing or choosing."""
        raise NotImplementedError(f"{self.name} cards are not judged")


def typed_back(answer: Answer | None) -> list[Block]:
    """What the learner typed, shown first on the back when it was wrong."""
    return [Typed(answer.given)] if answer is not None and not answer.correct else []
