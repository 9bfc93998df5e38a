"""The study screen: front → reveal → grade, with type-in and choice cards, undo, suspend, bury."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Input, Static

from quizapp.core import answers, cloze
from quizapp.core.study import StudyCardRow, StudyFilter, StudySession
from quizapp.core.untrusted import safe_text, visible
from quizapp.tui.keybar import KeyBar
from quizapp.tui.render import code_block, inline, rich_text

GRADE_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
TYPED_KINDS = ("type", "output")


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


class StudyScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "reveal", "Show answer", id="reveal"),
        Binding("enter", "accept", "Suggested grade", id="accept", show=False),
        Binding("1", "number(1)", "Again", id="rate-again", show=False),
        Binding("2", "number(2)", "Hard", id="rate-hard", show=False),
        Binding("3", "number(3)", "Good", id="rate-good", show=False),
        Binding("4", "number(4)", "Easy", id="rate-easy", show=False),
        *(Binding(str(n), f"number({n})", f"Option {n}", show=False) for n in range(5, 10)),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("b", "bury", "Bury", id="bury"),
        Binding("s", "suspend", "Suspend", id="suspend"),
        Binding("escape", "back", "Back", id="back"),
    ]

    card: var[StudyCardRow | None] = var(None, bindings=True)
    """The card on screen; None once the session is over."""
    revealed: var[bool] = var(False, bindings=True)
    finished: var[bool] = var(False, bindings=True)

    def __init__(self, study_filter: StudyFilter, new_limit: int | None = None) -> None:
        super().__init__()
        self.study_filter = study_filter
        self.new_limit = new_limit
        self.session: StudySession | None = None
        self.correct: bool | None = None
        """For type-in and choice cards: whether the answer given was right."""
        self.option_order: list[int] = []
        self.shown_at = 0.0

    def compose(self) -> ComposeResult:
        yield Static(id="progress")
        with VerticalScroll(id="card-area"):
            yield Static(id="prompt")
            yield Input(id="typed", placeholder="Type your answer, then Enter")
            yield Static(id="answer")
        yield Static(id="grades")
        yield KeyBar()

    def on_mount(self) -> None:
        collection = self.app.collection
        self.session = StudySession(collection.db, collection.settings, self.study_filter, self.new_limit)
        self.show_next()
        # The first answer writes through sqlite-utils; load it once the card is on screen.
        self.set_timer(0.3, lambda: collection.db.full)

    # -- showing -----------------------------------------------------------------------------------

    def show_next(self) -> None:
        self.show_card(self.session.next_card(self.app.clock()))

    def show_card(self, card: StudyCardRow | None) -> None:
        self.card = card
        self.revealed = False
        self.correct = None
        self.finished = card is None
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
        self.shown_at = time.monotonic()
        if card.kind == "choice":
            order = list(range(len(card.data["options"])))
            random.Random(card.id).shuffle(order)
            self.option_order = order
        self.query_one("#prompt", Static).update(self._front(card))
        typed.display = card.kind in TYPED_KINDS
        if typed.display:
            typed.focus()
        else:
            self.query_one("#card-area").focus()
        self.query_one("#card-area").scroll_home(animate=False)

    def _front(self, card: StudyCardRow) -> Group:
        data = card.data
        header = safe_text(f"{card.deck} · {card.kind}" + (" · new" if card.state == 0 else ""), style="dim")
        if card.kind in ("basic", "reverse"):
            body = [rich_text(data["front"])]
        elif card.kind == "cloze":
            body = [rich_text(cloze.render(data["text"], data["cloze"], revealed=False))]
        elif card.kind == "choice":
            body = [rich_text(data["question"]), Text("")]
            for shown, index in enumerate(self.option_order, start=1):
                line = Text(f" {shown}  ", style="bold")
                line.append_text(inline(data["options"][index]))
                body.append(line)
            body.append(Text("\nPress the number of your answer.", style="dim"))
        elif card.kind == "type":
            body = [rich_text(data["question"])]
        elif card.kind == "bug":
            body = [
                rich_text(data["question"]),
                code_block(data["code"], data["lang"]),
                Text("Think it through, then press space.", style="dim"),
            ]
        else:  # output
            body = [Text("What does this print?", style="bold"), code_block(data["code"], data["lang"])]
        return Group(header, Text(""), *body)

    def _back(self, card: StudyCardRow) -> Group:
        data = card.data
        parts: list = []
        if self.correct is not None:
            parts.append(
                Text(
                    "✓ Correct" if self.correct else "✗ Not quite",
                    style="bold green" if self.correct else "bold red",
                )
            )
        if card.kind in ("basic", "reverse"):
            parts.append(rich_text(data["back"]))
        elif card.kind == "cloze":
            parts.append(rich_text(cloze.render(data["text"], data["cloze"], revealed=True)))
            if data.get("extra"):
                parts.append(rich_text(data["extra"], "dim"))
        elif card.kind == "choice":
            parts.append(Text.assemble("Answer: ", inline(data["answer"])))
            if data.get("explain"):
                parts.append(rich_text(data["explain"]))
        elif card.kind == "type":
            typed = self.query_one("#typed", Input).value
            if not self.correct:
                parts.append(Text.assemble("You typed: ", (visible(typed) or "(nothing)", "red")))
            parts.append(Text.assemble("Answer: ", inline(data["answers"][0])))
            if len(data["answers"]) > 1:
                parts.append(safe_text("Also accepted: " + " · ".join(data["answers"][1:]), style="dim"))
            if data.get("explain"):
                parts.append(rich_text(data["explain"]))
        elif card.kind == "bug":
            if data.get("line"):
                parts.append(code_block(data["code"], data["lang"], highlight_line=data["line"]))
            parts.append(rich_text(data["answer"]))
            if data.get("fix"):
                parts.append(Text("Fixed:", style="bold"))
                parts.append(code_block(data["fix"], data["lang"]))
        else:  # output
            typed = self.query_one("#typed", Input).value
            if not self.correct:
                parts.append(Text.assemble("You typed: ", (visible(typed) or "(nothing)", "red")))
            parts.append(Text("It prints:", style="bold"))
            parts.append(safe_text(data["output"], style="#e6db74"))
            if data.get("explain"):
                parts.append(rich_text(data["explain"]))
        return Group(Text("─" * 40, style="dim"), *parts)

    def _scope(self) -> str:
        """What this session studies, in words: the deck's title, a tag, or the hardest cards."""
        if self.study_filter.cram:
            return "Hardest cards"
        if self.study_filter.deck:
            row = self.app.collection.db.execute(
                "select title from decks where id = ?", [self.study_filter.deck]
            ).fetchone()
            return row[0] if row else self.study_filter.deck
        return f"#{self.study_filter.tag}" if self.study_filter.tag else "All decks"

    def _update_progress(self) -> None:
        counts = self.session.counts(self.app.clock())
        scope = self._scope()
        progress = Text.assemble(
            (visible(scope), "bold"),
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
            str(self.session.tally.done),
        )
        self.query_one("#progress", Static).update(progress)

    def _summary(self) -> Group:
        tally = self.session.tally
        now = self.app.clock()
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
        if not tally.done:
            lines += [Text(reason) for reason in self.session.held_back(now)]
        upcoming = self.session.next_due_after_session(now)
        if upcoming is not None:
            lines.append(Text(f"Next card due in {format_interval(max(upcoming - now, timedelta(0)))}."))
        lines.append(Text("\nEscape: back to decks · u: undo the last answer", style="dim"))
        return Group(*lines)

    def _suggested(self) -> int:
        return 1 if self.correct is False else 3

    def _show_grades(self) -> None:
        preview = self.session.preview(self.card.id, self.app.clock())
        suggested = self._suggested()
        bar = Text()
        for rating, name in GRADE_NAMES.items():
            style = "reverse bold" if rating == suggested else "bold"
            bar.append(f" {rating} ", style=style)
            bar.append(f" {name} {format_interval(preview[rating])}   ")
        bar.append(f"  Enter = {GRADE_NAMES[suggested]}", style="dim")
        self.query_one("#grades", Static).update(bar)

    # -- actions -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        has_card = self.card is not None
        if action == "reveal":
            return has_card and not self.revealed and self.card.kind != "choice"
        if action in ("bury", "suspend"):
            return has_card
        if action == "undo":
            return self.session is not None and self.session.can_undo
        return True

    def action_reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        if self.card.kind in TYPED_KINDS:
            self._check_typed()
            return
        self._reveal()

    def _reveal(self) -> None:
        self.revealed = True
        typed = self.query_one("#typed", Input)
        if typed.has_focus:
            self.query_one("#card-area").focus()
        self.query_one("#answer", Static).update(self._back(self.card))
        self._show_grades()

    def _check_typed(self) -> None:
        data = self.card.data
        value = self.query_one("#typed", Input).value
        if self.card.kind == "type":
            self.correct = answers.matches(value, data["answers"], case_sensitive=data["case_sensitive"])
        else:
            self.correct = answers.normalise(value) == answers.normalise(data["output"]) and bool(
                value.strip()
            )
        self._reveal()

    @on(Input.Submitted, "#typed")
    def _typed_answer(self, event: Input.Submitted) -> None:
        event.stop()
        if self.card is not None and not self.revealed:
            self._check_typed()

    def action_accept(self) -> None:
        if self.card is None:
            return
        if not self.revealed:
            self.action_reveal()
        else:
            self.grade(self._suggested())

    def action_number(self, number: int) -> None:
        if self.card is None:
            return
        if self.revealed:
            if number <= 4:
                self.grade(number)
        elif self.card.kind == "choice" and number <= len(self.option_order):
            chosen = self.card.data["options"][self.option_order[number - 1]]
            self.correct = chosen == self.card.data["answer"]
            self._reveal()

    def grade(self, rating: int) -> None:
        duration_ms = int((time.monotonic() - self.shown_at) * 1000)
        if self.session.rate(self.card.id, rating, self.app.clock(), duration_ms=min(duration_ms, 600_000)):
            self.notify(
                f"Leech: forgotten {self.card.lapses + 1} times, so it is suspended. Rewrite it, then "
                "`quizapp unsuspend` brings it back.",
                severity="warning",
                timeout=8,
                markup=False,
            )
        self.show_next()

    def action_undo(self) -> None:
        card_id = self.session.undo(self.app.clock())
        if card_id is None:
            self.notify("Nothing to undo.")
            return
        self.show_card(self.session.card(card_id))
        self.notify("Undone.")

    def action_bury(self) -> None:
        if self.card is not None:
            self.session.bury(self.card.id, self.app.clock())
            self.notify("Buried until tomorrow (u to undo).")
            self.show_next()

    def action_suspend(self) -> None:
        if self.card is not None:
            self.session.suspend(self.card.id)
            self.notify("Suspended: it will not come back (u to undo).")
            self.show_next()

    def action_back(self) -> None:
        self.app.leave_screen()
