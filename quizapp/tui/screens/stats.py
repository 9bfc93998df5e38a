"""Stats: activity heatmap, streak, retention, forecast, card states, distributions, hardest
cards and exercises. Figures are computed in a worker thread (pandas loads there).

Everything is drawn for the width it gets, down to 80 columns: the heatmap shows as many weeks as
fit, the distributions are bars with every bin named and counted, count axes tick on whole
numbers, and a table with nothing in it says so instead of showing its headers alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import events, on, work
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
HEAT_LABEL = 4
"""Columns for the weekday names left of the heatmap."""
BAR_COLOUR = "dodger_blue2"
NO_DATA = "No data yet"


class Fitted(Static):
    """A Static drawn for its width: `draw(width)` again on every resize."""

    _draw: Callable[[int], RenderableType] | None = None

    def draw(self, draw: Callable[[int], RenderableType]) -> None:
        self._draw = draw
        self._redraw()

    def on_resize(self, _event: events.Resize) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if self._draw is not None and self.size.width:
            self.update(self._draw(self.size.width))


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
            yield Fitted("Computing your stats…", id="stats-summary")
            yield Static(id="stats-parameters")
            yield Fitted(id="stats-heatmap")
            with Horizontal(classes="stats-plots"):
                yield PlotextPlot(id="forecast-plot")
                yield PlotextPlot(id="retention-plot")
            yield Static(id="plots-empty", classes="stats-empty")
            with Horizontal(classes="stats-tables"):
                yield DataTable(id="states-table", cursor_type="none", zebra_stripes=True)
                yield DataTable(id="decks-table", cursor_type="none", zebra_stripes=True)
                yield Static(id="decks-empty", classes="stats-empty")
            with Horizontal(classes="stats-bars"):
                yield Fitted(id="interval-bars")
                yield Fitted(id="difficulty-bars")
            yield Static("Hardest cards", classes="stats-heading")
            yield DataTable(id="hardest-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="hardest-empty", classes="stats-empty")
            yield Static("Exercises", classes="stats-heading")
            yield DataTable(id="exercises-table", cursor_type="none", zebra_stripes=True)
            yield Static(id="exercises-empty", classes="stats-empty")
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
        self.query_one("#stats-summary", Fitted).draw(lambda _width: safe_text(message))

    @on(StatsReady)
    def _show_figures(self, event: StatsReady) -> None:
        self.query_one("#stats-area").loading = False
        self.figures = event.figures
        self.show(event.figures)

    def show(self, figures: dict) -> None:
        self.query_one("#stats-summary", Fitted).draw(lambda width: _summary(figures, width))
        self.query_one("#stats-parameters", Static).update(_parameters(figures["parameters"]))
        per_day = figures["activity"]["per_day"]
        self.query_one("#stats-heatmap", Fitted).draw(lambda width: heatmap(per_day, width))
        self._plot_forecast(figures["forecast"])
        self._plot_retention(figures["retention"])
        self._say_when_no_plot(figures["forecast"], figures["retention"])
        intervals, difficulty = (
            figures["distributions"]["interval_days"],
            figures["distributions"]["difficulty"],
        )
        self.query_one("#interval-bars", Fitted).draw(
            lambda width: bar_chart("Review intervals (cards)", intervals, width)
        )
        self.query_one("#difficulty-bars", Fitted).draw(
            lambda width: bar_chart("Difficulty (cards)", difficulty, width)
        )
        self._fill_states(figures["states"])
        self._fill_decks(figures["retention"])
        self._fill_hardest(figures["hardest"])
        self._fill_exercises(figures["exercises"])

    def _plot_forecast(self, forecast: dict) -> None:
        plot = self.query_one("#forecast-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        days = [entry["date"][5:] for entry in forecast["per_day"]]
        due = [entry["due"] for entry in forecast["per_day"]]
        plt.bar(days, due)
        _whole_number_axis(plt, nice_ticks(0, max(due, default=0)))
        # A title wider than the plot is not drawn at all: these fit in 80 columns.
        title = f"Due, next 30 days ({forecast['overdue']} overdue)"
        plt.title(title if any(due) else "Due, next 30 days: none yet")
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
        desired = retention["desired"] * 100
        plt.hline(desired, "red")
        _whole_number_axis(plt, nice_ticks(max(0, min([v for _, v in known] + [desired]) - 5), 100))
        plt.xticks(list(range(1, len(weeks) + 1, 2)), weeks[::2])
        title = f"Retention % by week (goal {retention['desired']:.0%})"
        plt.title(title if known else f"Retention % by week: {NO_DATA.lower()}")
        plot.refresh()

    def _say_when_no_plot(self, forecast: dict, retention: dict) -> None:
        """Two empty plots would be a dozen blank rows: one line says so in their place."""
        due = any(entry["due"] for entry in forecast["per_day"])
        known = any(entry["retention"] is not None for entry in retention["by_week"])
        self.query_one(".stats-plots").display = due or known
        empty = self.query_one("#plots-empty", Static)
        empty.display = not (due or known)
        empty.update(
            f"Due, next 30 days: none yet · Retention % by week: {NO_DATA.lower()}"
        )  # overdue is due

    def _say_when_empty(self, table: DataTable, note_id: str, note: str) -> None:
        """Show the table if it has rows, else `note` in its place."""
        table.display = bool(table.row_count)
        empty = self.query_one(f"#{note_id}", Static)
        empty.display = not table.row_count
        empty.update(note)

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
        self._say_when_empty(table, "decks-empty", f"Retention per deck: {NO_DATA.lower()}.")

    def on_resize(self, _event: events.Resize) -> None:
        if self.figures is not None:
            self._fill_hardest(self.figures["hardest"])  # its prompts are cut to the width

    def _fill_hardest(self, hardest: dict) -> None:
        table = self.query_one("#hardest-table", DataTable)
        table.clear(columns=True)
        rows = [
            (
                safe_text(card["card_id"]),
                safe_text(card["deck"]),
                Text.assemble(str(card["lapses"]), (" leech", "bold red") if card["leech"] else ""),
                Text(str(card["reps"])),
                Text("—" if card["difficulty"] is None else f"{card['difficulty']:.2f}"),
            )
            for card in hardest["cards"]
        ]
        headers = ("Card", "Deck", "Lapses", "Reviews", "Difficulty")
        widths = [max([len(header), *(row[i].cell_len for row in rows)]) for i, header in enumerate(headers)]
        for header, width in zip(headers, widths):
            table.add_column(header, width=width)
        # The prompt takes what is left of the line: the screen less the area's padding and
        # scrollbar (5) and each cell's padding (2).
        prompt_width = max(self.size.width - 5 - sum(widths) - 2 * (len(widths) + 1), 16)
        table.add_column("Asks", width=prompt_width)
        for row, card in zip(rows, hardest["cards"]):
            prompt = (
                card["prompt"]
                if len(card["prompt"]) <= prompt_width
                else card["prompt"][: prompt_width - 1] + "…"
            )
            table.add_row(*row, safe_text(prompt), key=card["card_id"])
        self._say_when_empty(table, "hardest-empty", f"{NO_DATA}: no card has lapsed.")

    def _fill_exercises(self, exercises: dict) -> None:
        table = self.query_one("#exercises-table", DataTable)
        table.clear(columns=True)
        table.add_columns("Exercise", "Attempts", "Passed", "Pass rate", "First pass")
        for row in exercises["per_exercise"]:
            tries, minutes = row["attempts_to_first_pass"], row["minutes_to_first_pass"]
            table.add_row(
                safe_text(row["exercise"]),
                row["attempts"],
                row["passed"],
                _percent(row["pass_rate"]),
                "—" if tries is None else f"{_count(tries, 'try', 'tries')} · {minutes:g} min",
            )
        self._say_when_empty(
            table, "exercises-empty", f"{NO_DATA}: no exercise attempted (e on the home screen lists them)."
        )
        failing = exercises["failing_cases"]
        self.query_one("#failing-cases", Static).update(
            safe_text(
                "Cases that fail most: "
                + ", ".join(f"{f['exercise']} · {f['case']} ({f['failures']}×)" for f in failing)
            )
            if failing
            else ""
        )
        self.query_one("#failing-cases").display = bool(failing)

    def action_study_hardest(self) -> None:
        cards = self.figures["hardest"]["cards"] if self.figures else []
        if not cards:
            self.notify("No card has lapsed yet: nothing is hard so far.")
            return
        ids = tuple(card["card_id"] for card in cards)
        self.app.open_study(StudyFilter(card_ids=ids, cram=True))

    def action_back(self) -> None:
        self.app.leave_screen()


def _summary(figures: dict, width: int) -> Text:
    activity, retention = figures["activity"], figures["retention"]
    if activity["total_reviews"] == 0:
        return Text.assemble(
            ("No reviews yet. ", "bold"),
            "Study a few cards (a on the home screen, or `quizapp study`) and your heatmap, streak and "
            "retention appear here; the forecast and card counts below are already live.",
        )
    items = [
        ("Today", f"{_count(activity['reviews_today'], 'review')}, {activity['minutes_today']:g} min"),
        ("streak", _count(activity["streak_days"], "day")),
        ("total", f"{_count(activity['total_reviews'], 'review')}, {activity['total_hours']:g} h"),
        ("true retention", f"{_percent(retention['overall'])} (desired {retention['desired']:.0%})"),
    ]
    # Lines break between the items, never inside one.
    text, line = Text(), 0
    for name, value in items:
        item = Text.assemble((name, "bold"), " ", value)
        if line and line + 5 + item.cell_len > width:
            text.append("\n")
            line = 0
        elif line:
            text.append("  ·  ")
            line += 5
        text.append_text(item)
        line += item.cell_len
    return text


def _count(number: int, noun: str, plural: str = "") -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


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


def heatmap(per_day: list[dict], width: int) -> Text:
    """Reviews per day as 7 rows (Monday first) of weekly columns, the latest week on the right:
    as many weeks of `per_day` as fit in `width` columns, with the months named above them."""
    if not per_day:
        return Text("")
    first, last = date.fromisoformat(per_day[0]["date"]), date.fromisoformat(per_day[-1]["date"])
    reviews = {first + timedelta(days=offset): day["reviews"] for offset, day in enumerate(per_day)}
    first_monday, last_monday = (day - timedelta(days=day.weekday()) for day in (first, last))
    weeks = max(min((last_monday - first_monday).days // 7 + 1, (width - HEAT_LABEL) // 2), 1)
    mondays = [last_monday - timedelta(weeks=weeks - 1 - column) for column in range(weeks)]
    shown = [n for day, n in reviews.items() if day >= mondays[0]]
    peak = max(shown, default=0) or 1

    months = _month_names(mondays, HEAT_LABEL + 2 * weeks)
    text = Text(months + "\n", style="dim")
    for weekday, label in enumerate(WEEKDAYS):
        text.append(f"{label:<{HEAT_LABEL}}", style="dim")
        for monday in mondays:
            day = monday + timedelta(days=weekday)
            if day not in reviews:
                text.append("  ")
                continue
            n = reviews[day]
            level = 0 if n == 0 else min(4, 1 + int(3 * n / peak))
            text.append("■ ", style=HEAT_COLOURS[level])
        text.append("\n")
    text.append(" " * HEAT_LABEL + "less ", style="dim")
    for colour in HEAT_COLOURS:
        text.append("■ ", style=colour)
    text.append(f"more  ·  reviews per day, last {weeks} weeks", style="dim")
    return text


def _month_names(mondays: list[date], width: int) -> str:
    """The line above the heatmap: each month's name over the week it starts in, and the first
    week's month when there is room for it before the next name."""
    line = [" "] * width
    starts = {
        column: first
        for column, monday in enumerate(mondays)
        for first in (monday + timedelta(days=d) for d in range(7))
        if first.day == 1
    }
    for column, first in starts.items():
        name, at = first.strftime("%b"), HEAT_LABEL + 2 * column
        if at + len(name) <= width:
            line[at : at + len(name)] = name
    name = mondays[0].strftime("%b")
    if 0 not in starts and all(column >= 2 for column in starts):  # 2 columns: 3 letters and a space
        line[HEAT_LABEL : HEAT_LABEL + len(name)] = name
    return "".join(line).rstrip()


def bar_chart(title: str, bins: list[dict], width: int) -> Text:
    """One line per bin: its name, a bar as long as its share of the largest, and its count."""
    text = Text(title, style="bold")
    if not any(entry["count"] for entry in bins):
        text.append(f": {NO_DATA.lower()}", style="")
        return text
    label_width = max(len(entry["bin"]) for entry in bins)
    count_width = max(len(str(entry["count"])) for entry in bins)
    room = max(width - label_width - count_width - 2, 1)
    peak = max(entry["count"] for entry in bins)
    for entry in bins:
        count = entry["count"]
        length = max(round(room * count / peak), 1 if count else 0)
        text.append(f"\n{entry['bin']:>{label_width}} ", style="dim")
        text.append("█" * length, style=BAR_COLOUR)
        text.append(f" {count}")
    return text


def _whole_number_axis(plt: Any, ticks: list[int]) -> None:
    """The y axis from the first tick to the last, labelled on these ticks only (plotext's own
    ticks are fractions: 18.7 cards)."""
    plt.ylim(ticks[0], ticks[-1])
    plt.yticks([float(tick) for tick in ticks], [str(tick) for tick in ticks])


def nice_ticks(low: float, high: float, most: int = 7) -> list[int]:
    """At most `most` whole-number ticks covering `low`–`high`, spaced 1, 2 or 5 × 10ⁿ apart."""
    high = max(high, low + 1)
    for magnitude in range(10):
        for base in (1, 2, 5):
            step = base * 10**magnitude
            start = math.floor(low / step) * step
            stop = math.ceil(high / step) * step
            if (stop - start) // step + 1 <= most:
                return list(range(start, stop + 1, step))
    return [math.floor(low), math.ceil(high)]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _or_dash(value: object) -> str:
    return "—" if value is None else str(value)
