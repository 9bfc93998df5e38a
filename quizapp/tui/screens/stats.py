"""Stats: activity heatmap, streak, retention, forecast, card states, distributions, hardest
cards and exercises. Figures are computed in a worker thread (pandas loads there)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from quizapp.application.stats import stats_figures
from quizapp.core.study import StudyFilter
from quizapp.core.untrusted import safe_text
from quizapp.tui.keybar import KeyBar
from quizapp.tui.screens.base import QuizScreen

HEAT_COLOURS = ["grey23", "dark_green", "green4", "green3", "bright_green"]
WEEKDAYS = ["Mon", "", "Wed", "", "Fri", "", "Sun"]


class StatsScreen(QuizScreen[None]):
    class StatsReady(Message, bubble=False):
        def __init__(self, figures: dict) -> None:
            super().__init__()
            self.figures = figures

    class StatsFailed(Message, bubble=False):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back"),
        Binding("h", "study_hardest", "Study hardest", id="hardest"),
        Binding("r", "refresh_stats", "Refresh", id="refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats-area"):
            yield Static("Computing your stats…", id="stats-summary")
            yield Static(id="stats-parameters")
            yield Static(id="stats-heatmap")
            with Horizontal(classes="stats-row"):
                yield PlotextPlot(id="forecast-plot")
                yield PlotextPlot(id="retention-plot")
            with Horizontal(classes="stats-row"):
                yield DataTable(id="states-table", cursor_type="none", zebra_stripes=True)
                yield DataTable(id="decks-table", cursor_type="none", zebra_stripes=True)
            with Horizontal(classes="stats-row"):
                yield PlotextPlot(id="interval-plot")
                yield PlotextPlot(id="difficulty-plot")
            yield Static("Hardest cards", classes="stats-heading")
            yield DataTable(id="hardest-table", cursor_type="row", zebra_stripes=True)
            yield Static("Exercises", classes="stats-heading")
            yield DataTable(id="exercises-table", cursor_type="none", zebra_stripes=True)
            yield Static(id="failing-cases")
        yield KeyBar()

    def on_mount(self) -> None:
        self.action_refresh_stats()

    def action_refresh_stats(self) -> None:
        self.query_one("#stats-area").loading = True
        self._compute()

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _compute(self) -> None:
        try:
            figures = stats_figures(self.app.collection, self.app.clock())
        except Exception as error:  # shown on the screen: the learner can go on studying
            self.post_message(self.StatsFailed(error))
        else:
            self.post_message(self.StatsReady(figures))

    @on(StatsFailed)
    def _show_failure(self, event: StatsFailed) -> None:
        self.query_one("#stats-area").loading = False
        message = f"The stats could not be computed: {event.error}"
        self.query_one("#stats-summary", Static).update(safe_text(message))

    @on(StatsReady)
    def _show_figures(self, event: StatsReady) -> None:
        self.query_one("#stats-area").loading = False
        self.figures = event.figures
        self.show(event.figures)

    def show(self, figures: dict) -> None:
        self.query_one("#stats-summary", Static).update(_summary(figures))
        self.query_one("#stats-parameters", Static).update(_parameters(figures["parameters"]))
        self.query_one("#stats-heatmap", Static).update(_heatmap(figures["activity"]["per_day"]))
        self._plot_forecast(figures["forecast"])
        self._plot_retention(figures["retention"])
        self._plot_histogram(
            "#interval-plot", figures["distributions"]["interval_days"], "Review intervals (cards)"
        )
        self._plot_histogram("#difficulty-plot", figures["distributions"]["difficulty"], "Difficulty (cards)")
        self._fill_states(figures["states"])
        self._fill_decks(figures["retention"])
        self._fill_hardest(figures["hardest"])
        self._fill_exercises(figures["exercises"])

    def _plot_forecast(self, forecast: dict) -> None:
        plot = self.query_one("#forecast-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        days = [entry["date"][5:] for entry in forecast["per_day"]]
        plt.bar(days, [entry["due"] for entry in forecast["per_day"]])
        plt.title(f"Due in the next 30 days (today includes {forecast['overdue']} overdue)")
        plt.xticks(list(range(1, len(days) + 1, 7)), days[::7])
        plot.refresh()

    def _plot_retention(self, retention: dict) -> None:
        plot = self.query_one("#retention-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        weeks = [entry["week_start"][5:] for entry in retention["by_week"]]
        values = [
            entry["retention"] * 100 if entry["retention"] is not None else None
            for entry in retention["by_week"]
        ]
        known = [(i, v) for i, v in enumerate(values, 1) if v is not None]
        if known:
            plt.plot([i for i, _ in known], [v for _, v in known], marker="dot", label="true retention")
        plt.hline(retention["desired"] * 100, "red")
        plt.ylim(max(0, min([v for _, v in known] + [retention["desired"] * 100]) - 10), 100)
        plt.xticks(list(range(1, len(weeks) + 1, 2)), weeks[::2])
        plt.title(f"Retention by week, % (desired {retention['desired']:.0%}, red)")
        plot.refresh()

    def _plot_histogram(self, selector: str, bins: list[dict], title: str) -> None:
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.bar([entry["bin"] for entry in bins], [entry["count"] for entry in bins])
        plt.title(title if any(entry["count"] for entry in bins) else f"{title}: no reviewed cards yet")
        plot.refresh()

    def _fill_states(self, states: dict) -> None:
        table = self.query_one("#states-table", DataTable)
        table.clear(columns=True)
        table.add_columns("Cards", "Count")
        for name in ("new", "learning", "review", "relearning", "suspended", "total"):
            table.add_row(name, states[name])

    def _fill_decks(self, retention: dict) -> None:
        table = self.query_one("#decks-table", DataTable)
        table.clear(columns=True)
        table.add_columns("Deck", "Reviews", "Retention")
        for deck in retention["by_deck"]:
            table.add_row(safe_text(deck["title"]), deck["reviews"], _percent(deck["retention"]))

    def _fill_hardest(self, hardest: dict) -> None:
        table = self.query_one("#hardest-table", DataTable)
        table.clear(columns=True)
        table.add_columns("Card", "Deck", "Lapses", "Reviews", "Difficulty", "", "Asks")
        for card in hardest["cards"]:
            table.add_row(
                safe_text(card["card_id"]),
                safe_text(card["deck"]),
                card["lapses"],
                card["reps"],
                card["difficulty"],
                "leech" if card["leech"] else "",
                safe_text(card["prompt"]),
                key=card["card_id"],
            )

    def _fill_exercises(self, exercises: dict) -> None:
        table = self.query_one("#exercises-table", DataTable)
        table.clear(columns=True)
        table.add_columns(
            "Exercise", "Attempts", "Passed", "Pass rate", "Attempts to first pass", "Minutes to first pass"
        )
        for row in exercises["per_exercise"]:
            table.add_row(
                safe_text(row["exercise"]),
                row["attempts"],
                row["passed"],
                _percent(row["pass_rate"]),
                _or_dash(row["attempts_to_first_pass"]),
                _or_dash(row["minutes_to_first_pass"]),
            )
        failing = exercises["failing_cases"]
        self.query_one("#failing-cases", Static).update(
            safe_text(
                "Cases that fail most: "
                + ", ".join(f"{f['exercise']} · {f['case']} ({f['failures']}×)" for f in failing)
                if failing
                else (
                    "No exercise attempts yet: `e` on the home screen." if not exercises["attempts"] else ""
                )
            )
        )

    def action_study_hardest(self) -> None:
        cards = self.figures["hardest"]["cards"] if self.figures else []
        if not cards:
            self.notify("No card has lapsed yet: nothing is hard so far.")
            return
        ids = tuple(card["card_id"] for card in cards)
        self.app.open_study(StudyFilter(card_ids=ids, cram=True))

    def action_back(self) -> None:
        self.app.leave_screen()


def _summary(figures: dict) -> Text:
    activity, retention = figures["activity"], figures["retention"]
    if activity["total_reviews"] == 0:
        return Text.assemble(
            ("No reviews yet. ", "bold"),
            "Study a few cards (a on the home screen, or `quizapp study`) and your heatmap, streak and "
            "retention appear here; the forecast and card counts below are already live.",
        )
    streak = activity["streak_days"]
    return Text.assemble(
        ("Today ", "bold"),
        f"{activity['reviews_today']} reviews, {activity['minutes_today']:g} min  ·  ",
        ("streak ", "bold"),
        f"{streak} day{'s' if streak != 1 else ''}  ·  ",
        ("total ", "bold"),
        f"{activity['total_reviews']} reviews, {activity['total_hours']:g} h  ·  ",
        ("true retention ", "bold"),
        f"{_percent(retention['overall'])} (desired {retention['desired']:.0%})",
    )


def _parameters(parameters: dict) -> Text:
    """Which FSRS parameters schedule the cards and the exercises, and when they were fitted."""
    cards, exercises = parameters["cards"], parameters["exercises"]
    if cards["source"] == "defaults":
        text = Text.assemble(
            ("Scheduler ", "bold"),
            "FSRS default parameters (`quizapp optimize` fits them to your own log once it is long enough)",
        )
    else:
        before, after = cards["before"], cards["after"]
        text = Text.assemble(
            ("Scheduler ", "bold"),
            f"FSRS parameters fitted to your log on {cards['fitted_at'][:10]} "
            f"({cards['reviews']:,} reviews; log loss {before['log_loss']:.4f} → {after['log_loss']:.4f}, "
            f"RMSE {before['rmse_bins']:.4f} → {after['rmse_bins']:.4f})",
        )
    if exercises["source"] == "fitted":
        text.append(f"  ·  exercises: their own, fitted on {exercises['fitted_at'][:10]}")
    return text


def _heatmap(per_day: list[dict]) -> Text:
    """A year as 7 rows (Monday first) of weekly columns, one coloured square per day."""
    if not per_day:
        return Text("")
    first = date.fromisoformat(per_day[0]["date"])
    peak = max((day["reviews"] for day in per_day), default=0) or 1
    grid: list[list[tuple[str, str]]] = [[] for _ in range(7)]
    for _ in range(first.weekday()):
        grid[_].append(("  ", ""))
    for offset, day in enumerate(per_day):
        weekday = (first.weekday() + offset) % 7
        level = 0 if day["reviews"] == 0 else min(4, 1 + int(3 * day["reviews"] / peak))
        grid[weekday].append(("■ ", HEAT_COLOURS[level]))
    text = Text()
    for label, row in zip(WEEKDAYS, grid):
        text.append(f"{label:>4} ")
        for glyph, style in row:
            text.append(glyph, style=style)
        text.append("\n")
    text.append("     less ")
    for colour in HEAT_COLOURS:
        text.append("■ ", style=colour)
    text.append("more")
    return text


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _or_dash(value: object) -> str:
    return "—" if value is None else str(value)
