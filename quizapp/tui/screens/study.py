"""The study screen: front → answer or reveal → grade, with undo, suspend and bury.

It renders what `quizapp.application.study.Study` holds and calls one of its methods per key:
the card kinds say what a card shows (`quizapp.core.kinds`) and how an answer is judged, the
sitting how it is graded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.widgets import Input, Static

from quizapp.application.study import Graded, Study
from quizapp.core.kinds import AnswerMode, kind_of
from quizapp.core.storage import describe
from quizapp.core.study import SessionCard, StudyFilter
from quizapp.core.untrusted import safe_text, visible
from quizapp.tui import render
from quizapp.tui.editing import edit_card
from quizapp.tui.keybar import KeyBar
from quizapp.tui.screens.base import QuizScreen
from quizapp.tui.waiting import LockWait

GRADE_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}


def format_interval(interval: timedelta) -> str:
    seconds = interval.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


class AnswerBox(Input):
    """The type-in card's text box; Enter checks what is typed, and the key bar says so."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Check answer", id="check-answer"),
    ]


class StudyScreen(QuizScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "reveal", "Show answer", id="reveal"),
        Binding("enter", "accept", "Reveal, then suggested grade", id="accept", show=False),
        # A number key grades once the answer is shown, and picks an option on a choice card before:
        # `check_action` enables the one that applies, and Textual runs the first binding enabled.
        *(
            Binding(str(rating), f"rate({rating})", name, id=f"rate-{name.lower()}", show=False)
            for rating, name in GRADE_NAMES.items()
        ),
        *(Binding(str(n), f"choose({n})", f"Option {n}", show=False) for n in range(1, 10)),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("b", "bury", "Bury", id="bury"),
        Binding("s", "suspend", "Suspend", id="suspend"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("escape", "back", "Back", id="back"),
    ]

    card: var[SessionCard | None] = var(None, bindings=True)
    """The card on screen; None once the session is over."""
    revealed: var[bool] = var(False, bindings=True)
    judging: var[bool] = var(False, bindings=True)
    """A typed answer is being run in the sandbox: keys that act on the card wait for it."""

    def __init__(self, study_filter: StudyFilter, new_limit: int | None = None) -> None:
        super().__init__()
        self.study_filter = study_filter
        self.new_limit = new_limit
        self._study: Study | None = None
        self._lock_wait = LockWait()

    @property
    def study(self) -> Study:
        """The sitting, opened when the screen is mounted."""
        if self._study is None:
            raise RuntimeError("the study screen is not mounted yet")
        return self._study

    def compose(self) -> ComposeResult:
        yield Static(id="progress")
        with VerticalScroll(id="card-area"):
            yield Static(id="prompt")
            yield AnswerBox(id="typed", placeholder="Type your answer, then Enter", select_on_focus=False)
            yield Static(id="answer")
        yield Static(id="grades")
        yield self._lock_wait
        yield KeyBar()

    def on_mount(self) -> None:
        # Answering, undo, bury and suspend write through plain sqlite3: sqlite-utils (~50 ms to
        # import) is not loaded on this screen, nor preloaded for it.
        self._study = Study(self.app.collection, self.study_filter, self.new_limit, clock=self.app.clock)
        self.show_next()

    # -- showing -----------------------------------------------------------------------------------

    def show_next(self) -> None:
        self.study.next_card()
        self._show_card()

    def show_id(self, card_id: str) -> None:
        """Show the card with this id, unanswered (a jump to one card, as the tests make)."""
        self.study.show_id(card_id)
        self._show_card()

    def _show_card(self) -> None:
        """Draw the sitting's card on screen, front only (or the summary once none is left)."""
        self.card = card = self.study.card
        self.revealed = False
        typed = self.query_one("#typed", Input)
        typed.value = ""
        self.query_one("#answer", Static).update("")
        self.query_one("#grades", Static).update("")
        # Counting what is left scans the queue index; the next card goes on screen first.
        self.call_after_refresh(self._update_progress)
        if card is None:
            typed.display = False
            self.query_one("#prompt", Static).update(self._summary())
            return
        self.query_one("#prompt", Static).update(self._front(card))
        typed.display = kind_of(card.kind).answer_mode is AnswerMode.TYPE
        if typed.display:
            typed.focus()
        else:
            self.query_one("#card-area").focus()
        self.query_one("#card-area").scroll_home(animate=False)

    def _front(self, card: SessionCard) -> Group:
        header = safe_text(
            f"{card.deck} · {card.kind} · {STATE_NAMES.get(card.state, 'review')}", style="dim"
        )
        header.no_wrap, header.overflow = True, "ellipsis"
        answer = self.study.answer
        kind = kind_of(card.kind)
        front = (
            kind.answered_front(card.id, card.data, answer)
            if answer is not None
            else kind.front(card.id, card.data)
        )
        return Group(header, Text(""), *render.blocks(front))

    def _back(self, card: SessionCard) -> Group:
        answer = self.study.answer
        parts: list[RenderableType] = [Text("─" * 40, style="dim")]
        if answer is not None:
            parts.append(
                Text("✓ Correct", style="bold green")
                if answer.correct
                else Text("✗ Not quite", style="bold red")
            )
            if answer.note:
                parts.append(safe_text(answer.note, style="dim"))
        parts += render.blocks(kind_of(card.kind).back(card.data, answer))
        return Group(*parts)

    def _update_progress(self) -> None:
        counts = self.study.counts()
        progress = Text.assemble(
            (visible(self.study.title), "bold"),
            "   ",
            ("New ", "dim"),
            (str(counts.new), "bold blue"),
            ("  Learning ", "dim"),
            (str(counts.learning), "bold red"),
            ("  Review ", "dim"),
            (str(counts.review), "bold green"),
            ("   left today ", "dim"),
            str(counts.total),
            ("  · done ", "dim"),
            str(self.study.tally.done),
        )
        self.query_one("#progress", Static).update(progress)

    def _summary(self) -> Group:
        tally = self.study.tally
        lines = [
            Text("Session complete 🎉" if tally.done else "Nothing is due here right now.", style="bold")
        ]
        if tally.done:
            minutes = tally.seconds / 60
            lines.append(
                Text(
                    f"{tally.done} answers in {minutes:.1f} min — "
                    + " · ".join(f"{GRADE_NAMES[r]} {n}" for r, n in tally.ratings.items())
                )
            )
        else:
            lines += [Text(reason) for reason in self.study.held_back()]
        for state in ("suspended", "buried"):
            ids = [card_id for card_id, what in self.study.set_aside.items() if what == state]
            if ids:
                again = "`quizapp unsuspend ID`" if state == "suspended" else "tomorrow"
                lines.append(
                    safe_text(
                        f"{state.capitalize()} in this sitting ({again} brings them back): {', '.join(ids)}"
                    )
                )
        next_due_in = self.study.next_due_in()
        if next_due_in is not None:
            lines.append(Text(f"Next card due in {format_interval(next_due_in)}."))
        keys = "Escape: back to decks" + (" · u: undo the last answer" if self.study.can_undo else "")
        lines.append(Text("\n" + keys, style="dim"))
        return Group(*lines)

    def _show_grades(self) -> None:
        preview = self.study.preview()
        suggested = self.study.suggested_rating
        bar = Text()
        for rating, name in GRADE_NAMES.items():
            style = "reverse bold" if rating == suggested else "bold"
            bar.append(f" {rating} ", style=style)
            bar.append(f" {name} {format_interval(preview[rating])}   ")
        bar.append(f"  Enter = {GRADE_NAMES[suggested]}", style="dim")
        self.query_one("#grades", Static).update(bar)

    # -- actions -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        card = self.card
        if (self.judging or self._lock_wait.waiting) and action != "back":
            return False
        if action == "reveal":
            return card is not None and not self.revealed and self._mode(card) is not AnswerMode.CHOOSE
        if action == "accept":
            return card is not None
        if action == "rate":
            return card is not None and self.revealed
        if action == "choose":
            return (
                card is not None
                and not self.revealed
                and self._mode(card) is AnswerMode.CHOOSE
                and isinstance(number := parameters[0], int)
                and number <= len(self.study.choices)
            )
        if action in ("bury", "suspend", "edit"):
            return card is not None
        if action == "undo":
            return self._study is not None and self.study.can_undo
        return True

    @staticmethod
    def _mode(card: SessionCard) -> AnswerMode:
        return kind_of(card.kind).answer_mode

    def action_reveal(self) -> None:
        """Space: show the back; for a typed card, judge what was typed (even nothing) first."""
        if self.card is None or self.revealed or self.judging:
            return
        if self._mode(self.card) is AnswerMode.TYPE:
            given = self.query_one("#typed", Input).value
            if self.study.runs_answer():
                self.judging = True
                self.query_one("#answer", Static).update(
                    Text("Running your answer on the card's data…", style="dim")
                )
                self._run_answer(given)
                return
            self.study.answer_typed(given)
        self._reveal()

    @work(thread=True, exclusive=True, group="answer")
    def _run_answer(self, given: str) -> None:
        """Judge a typed answer that may be run in the sandbox, off the UI thread."""
        self.study.answer_typed(given)
        self.app.call_from_thread(self._answer_judged)

    def _answer_judged(self) -> None:
        self.judging = False
        if self.is_mounted and self.card is not None and self.study.answer is not None:
            self._reveal()

    def on_unmount(self) -> None:
        if self._study is not None:
            self._study.close()

    @on(Input.Submitted, "#typed")
    def _typed_answer(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_reveal()

    def action_choose(self, number: int) -> None:
        """A number key on a choice card: judge that option and show the back."""
        if self.study.choose(number) is not None:
            self._reveal()

    def _reveal(self) -> None:
        assert self.card is not None
        self.revealed = True
        if self.study.answer is not None:  # a choice card marks the chosen and the right option
            self.query_one("#prompt", Static).update(self._front(self.card))
        typed = self.query_one("#typed", Input)
        if typed.has_focus:
            self.query_one("#card-area").focus()
        self.query_one("#answer", Static).update(self._back(self.card))
        self._show_grades()

    def action_accept(self) -> None:
        """Enter: show the back, or once it is shown take the suggested grade."""
        if self.card is None:
            return
        if not self.revealed and self._mode(self.card) is AnswerMode.CHOOSE:
            self._tell(f"Press the number of your answer (1–{len(self.study.choices)}).")
            return
        if not self.revealed:
            self.action_reveal()
        else:
            self.action_rate(self.study.suggested_rating)

    def _save(self, attempt: Callable[[], Any], then: Callable[[Any], None], not_done: str) -> None:
        """Make one of the sitting's writes; while another program holds the database, wait for it
        (the screen says so, Escape stops). `not_done` says what was not saved if it fails."""
        self._lock_wait.write(
            self.app.collection.db,
            attempt,
            done=then,
            failed=lambda error: self._not_saved(error, not_done),
            stopped=lambda: self._tell(f"Stopped waiting for the database. {not_done}", timeout=10),
        )

    def _not_saved(self, error: Exception, retry: str) -> None:
        """A write that failed (full disk, read-only database): nothing was recorded, the card
        stays on screen, and the learner is told why and how to try again."""
        self.app.clear_notifications()
        self.notify(
            visible(f"Not saved: {describe(error)} {retry}"),
            title="Could not save",
            severity="error",
            timeout=20,
            markup=False,
        )

    def action_rate(self, rating: int) -> None:
        """1–4 once the back is shown: grade the card, then show the next."""
        answered_at = self.study.timer()  # any wait for the database is not answer time
        self._save(
            lambda: self.study.grade(rating, answered_at=answered_at),
            self._graded,
            f"Your answer was not recorded; press {rating} to try again.",
        )

    def _graded(self, graded: Graded) -> None:
        self.app.clear_notifications()  # what they said was about the card that leaves
        if graded.leech:
            self.notify(
                f"Leech: forgotten {graded.card.lapses + 1} times, so it is suspended. Rewrite it, then "
                "`quizapp unsuspend` brings it back.",
                severity="warning",
                timeout=8,
                markup=False,
            )
        self.show_next()

    def action_undo(self) -> None:
        self._save(self.study.undo, self._undone, "Nothing was undone; press u to try again.")

    def _undone(self, card: SessionCard | None) -> None:
        if card is None:
            self._tell("Nothing to undo.")
            return
        self._show_card()
        self._tell("Undone.")

    def action_bury(self) -> None:
        if self.card is not None:
            self._save(self.study.bury, self._buried, "The card was not buried; press b to try again.")

    def _buried(self, _result: None) -> None:
        self._tell("Buried until tomorrow (u to undo).")
        self.show_next()

    def action_suspend(self) -> None:
        if self.card is not None:
            self._save(
                self.study.suspend, self._suspended, "The card was not suspended; press s to try again."
            )

    def _suspended(self, _result: None) -> None:
        self._tell("Suspended: it will not come back (u to undo).")
        self.show_next()

    def action_edit(self) -> None:
        """Open the card's deck file in $EDITOR at its line; show the edited card when it closes."""
        card = self.card
        if card is not None and edit_card(self, card.id):
            try:
                self.show_id(card.id)
            except KeyError:  # the edit removed it (or changed its id): go on with the next one
                self.show_next()

    def _tell(self, message: str, timeout: float = 3) -> None:
        """A short notice; it replaces the one before, so notices never pile up over the card."""
        self.app.clear_notifications()
        self.notify(message, timeout=timeout, markup=False)

    def on_key(self, event: events.Key) -> None:
        """A character typed while a type-in card waits for its answer goes into the text box,
        wherever the focus went: it never buries, suspends or undoes anything."""
        typed = self.query_one("#typed", Input)
        if (
            typed.display
            and not self.revealed
            and not typed.has_focus
            and event.is_printable
            and event.character
        ):
            event.stop()
            event.prevent_default()
            typed.focus()
            typed.insert_text_at_cursor(event.character)

    def action_back(self) -> None:
        """Escape: stop waiting for the database if a write waits (the card stays), else leave."""
        if not self._lock_wait.stop():
            self.app.clear_notifications()  # "u to undo" means nothing on the screen below
            self.app.leave_screen()
