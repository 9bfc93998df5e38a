"""The command palette's own commands (ctrl+p): study a deck, open an exercise, stats, browse cards,
reload the decks. Deck titles and exercise titles come from files: shown as plain text, with their
control characters made visible."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from quizapp.application.study import deck_ids, deck_title
from quizapp.core.study import StudyFilter
from quizapp.core.untrusted import visible
from quizapp.tui.reloading import reload_decks

if TYPE_CHECKING:
    from quizapp.tui.app import QuizApp


@dataclass(frozen=True)
class Command:
    title: str
    """What the palette lists and matches what is typed against."""
    help: str
    run: Callable[[], object]


class QuizCommands(Provider):
    """The app's screens and reload, every deck (Study: …), every exercise (Exercise: …), then the
    keys, the theme and quit (Textual's own commands provider is not used: it listed its
    Maximize and Screenshot before any of these)."""

    commands: list[Command]

    @property
    def quiz_app(self) -> QuizApp:
        return cast("QuizApp", self.app)

    async def startup(self) -> None:
        app = self.quiz_app
        db = app.collection.db
        decks = [(deck, deck_title(db, deck) or deck) for deck in deck_ids(db)]
        # Reading the exercise files costs ~0.2 s the first time (the home screen may have done it).
        catalog = await asyncio.to_thread(lambda: app.collection.catalog)
        # The app's own commands first, as the palette lists them when it opens: the screens, then
        # every deck and exercise, then Textual's few that matter here (the keys, the theme, quit).
        self.commands = [
            Command(
                "Study all decks", "Review what is due in every deck", lambda: app.open_study(StudyFilter())
            ),
            Command("Browse cards", "Search every card; suspend, bury, forget or edit one", app.open_browser),
            Command("Stats", "Reviews, retention, forecast, hardest cards and exercises", app.open_stats),
            Command(
                "Reload decks", "Read the deck files again (only the changed ones)", lambda: reload_decks(app)
            ),
            *(
                Command(
                    visible(f"Study: {title}"),
                    visible(f"Review the deck {deck} (what is due, then new cards)"),
                    _study(app, deck),
                )
                for deck, title in sorted(decks, key=lambda pair: pair[1].lower())
            ),
            *(
                Command(
                    visible(f"Exercise: {exercise.spec.title}"),
                    visible(f"Open the exercise {exercise.id}"),
                    _exercise(app, exercise.id),
                )
                for exercise in sorted(
                    catalog.exercises.values(), key=lambda loaded: loaded.spec.title.lower()
                )
            ),
            Command("Keys", "The keys of the screen you are on (also ? or f1)", app.action_show_help_panel),
            Command("Theme", "Change the colours", app.action_change_theme),
            Command("Quit", "Leave quizapp (also ctrl+q)", app.action_quit),
        ]

    async def discover(self) -> Hits:
        for command in self.commands:
            # Content and escaped help: the palette parses a str as markup, and a title holding
            # `[/]` would crash its worker (titles come from files).
            yield DiscoveryHit(
                Content(command.title), command.run, text=command.title, help=escape(command.help)
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands:
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    _highlight(matcher, command.title),
                    command.run,
                    text=command.title,
                    help=escape(command.help),
                )


def _highlight(matcher: Matcher, title: str) -> Content:
    """`matcher.highlight` without parsing `title` as markup."""
    content = Content(title)
    score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets if score else ():
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _study(app: QuizApp, deck: str) -> Callable[[], None]:
    return lambda: app.open_study(StudyFilter(deck=deck))


def _exercise(app: QuizApp, exercise_id: str) -> Callable[[], None]:
    return lambda: app.open_exercise(exercise_id)
