"""Stats figures against counts done by hand on a small log; the empty state; CLI and screen."""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from conftest import T0
from test_tui import Clock, text_of
from test_tui_exercise_results import screen_text

from quizapp.config import Settings
from quizapp.core.clock import study_day
from quizapp.core.study import StudyFilter, StudySession
from quizapp.exercises.checker import CaseResult, Verdict
from quizapp.exercises.progress import ExerciseProgress
from quizapp.stats.figures import compute_stats
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.stats import StatsScreen
from quizapp.tui.screens.study import StudyScreen

DAY = 86400
TODAY = study_day(T0.timestamp(), 4)  # T0 is Tuesday 2026-03-10, noon UTC; tests run in UTC


def log(db, card_id, days_ago, state_before, rating, seconds, undone=False):
    at = T0.timestamp() - days_ago * DAY
    db["reviews"].insert(
        {
            "card_id": card_id,
            "deck": "demo",
            "day": TODAY - days_ago,
            "rating": rating,
            "reviewed_at": at,
            "duration_ms": seconds * 1000,
            "state_before": state_before,
            "before": "{}",
            "undone_at": at + 1 if undone else None,
        }
    )


def schedule(db, card_id, *, due_in_days, interval_days=10, lapses=0, suspended=0, difficulty=5.0):
    due = T0.timestamp() + due_in_days * DAY
    db["cards"].update(
        card_id,
        {
            "state": 2,
            "due": due,
            "last_review": due - interval_days * DAY,
            "stability": interval_days,
            "difficulty": difficulty,
            "lapses": lapses,
            "reps": lapses + 3,
            "suspended": suspended,
        },
    )


def verdict(passed, failing=()):
    cases = [
        CaseResult(name, name not in failing, "ok" if name not in failing else "dx: differs")
        for name in ("example", "ties")
    ]
    return Verdict("maxpool2d", passed, "cpu", 0.1, cases)


def small_log(collection):
    db = collection.db
    log(db, "conv-out", 0, 2, 3, 10)  # today: a pass on a review card
    log(db, "backbone", 0, 2, 1, 20)  # today: a lapse
    log(db, "wd#c1", 0, 0, 3, 30)  # today: a new card (not a retention sample)
    log(db, "gap", 0, 2, 1, 40, undone=True)  # undone: ignored everywhere
    log(db, "conv-out", 1, 2, 4, 60)  # yesterday (Monday): two passes
    log(db, "isin", 1, 2, 2, 60)
    log(db, "gap", 3, 2, 1, 60)  # Saturday, the week before: a lapse
    schedule(db, "conv-out", due_in_days=1)
    schedule(db, "backbone", due_in_days=-1, interval_days=3, lapses=9, difficulty=9.5)  # overdue leech
    schedule(db, "gap", due_in_days=40, interval_days=100, lapses=2)
    schedule(db, "isin", due_in_days=5, suspended=1)
    progress = ExerciseProgress(db, collection.settings)
    progress.record("maxpool2d", "v1", verdict(False, ("example", "ties")), T0 - timedelta(minutes=10), "tui")
    progress.record("maxpool2d", "v2", verdict(False, ("ties",)), T0 - timedelta(minutes=8), "tui")
    progress.record("maxpool2d", "v3", verdict(True), T0 - timedelta(minutes=5), "tui")


def test_figures_on_a_small_log_match_counts_done_by_hand(collection):
    small_log(collection)
    stats = compute_stats(collection.db, collection.settings, T0)
    activity = stats["activity"]
    assert activity["total_reviews"] == 6
    assert activity["reviews_today"] == 3 and activity["minutes_today"] == 1.0  # 10 + 20 + 30 s
    assert activity["streak_days"] == 2  # today and yesterday; nothing two days ago
    assert activity["days_studied_last_year"] == 3
    assert len(activity["per_day"]) == 365 and activity["per_day"][-1] == {
        "date": "2026-03-10",
        "reviews": 3,
        "minutes": 1.0,
    }

    retention = stats["retention"]
    assert retention["reviews"] == 5 and retention["overall"] == 0.6  # passes 1 + 2 + 0 of 2 + 2 + 1
    weeks = {week["week_start"]: week for week in retention["by_week"]}
    assert weeks["2026-03-09"] == {"week_start": "2026-03-09", "reviews": 4, "passed": 3, "retention": 0.75}
    assert weeks["2026-03-02"]["retention"] == 0.0 and weeks["2026-02-23"]["retention"] is None
    assert retention["by_deck"] == [
        {"deck": "demo", "title": "Demo 演示", "reviews": 5, "passed": 3, "retention": 0.6}
    ]

    assert stats["states"] == {
        "new": 5,
        "learning": 0,
        "review": 3,
        "relearning": 0,
        "suspended": 1,
        "total": 9,
    }
    forecast = stats["forecast"]
    assert forecast["overdue"] == 1
    assert [day["due"] for day in forecast["per_day"][:3]] == [1, 1, 0]  # overdue counted today; one tomorrow
    assert sum(day["due"] for day in forecast["per_day"]) == 2  # the day-40 card is past the horizon

    intervals = {b["bin"]: b["count"] for b in stats["distributions"]["interval_days"]}
    assert intervals["7–14 d"] == 1 and intervals["2–4 d"] == 1 and intervals["60–120 d"] == 1
    assert stats["distributions"]["median_interval_days"] == 10.0

    hardest = stats["hardest"]
    assert [c["card_id"] for c in hardest["cards"]] == ["backbone", "gap"]
    assert hardest["cards"][0]["leech"] and not hardest["cards"][1]["leech"] and hardest["leeches"] == 1
    assert hardest["cards"][0]["prompt"] == "主干网络"

    exercises = stats["exercises"]
    assert (
        exercises["attempts"] == 3 and exercises["passed_attempts"] == 1 and exercises["pass_rate"] == 0.3333
    )
    assert exercises["per_exercise"] == [
        {
            "exercise": "maxpool2d",
            "attempts": 3,
            "passed": 1,
            "pass_rate": 0.3333,
            "attempts_to_first_pass": 3,
            "minutes_to_first_pass": 5.0,
        }
    ]
    assert exercises["failing_cases"] == [
        {"exercise": "maxpool2d", "case": "ties", "failures": 2},
        {"exercise": "maxpool2d", "case": "example", "failures": 1},
    ]


def test_an_empty_collection_gives_zeros_not_errors(collection):
    stats = compute_stats(collection.db, collection.settings, T0)
    assert stats["activity"]["total_reviews"] == 0 and stats["activity"]["streak_days"] == 0
    assert stats["retention"]["overall"] is None and stats["retention"]["by_deck"] == []
    assert stats["states"]["new"] == 9 and stats["forecast"]["overdue"] == 0
    assert stats["hardest"]["cards"] == [] and stats["exercises"]["per_exercise"] == []
    json.dumps(stats, allow_nan=False)


def test_each_answer_records_its_study_day_and_deck(collection):
    session = StudySession(collection.db, Settings(fuzz=False))
    late_evening = T0.replace(hour=2)  # 02:00 belongs to the previous study day (rollover at 4)
    card = session.next_card(late_evening)
    session.rate(card.id, 3, late_evening)
    row = next(collection.db.query("select deck, day from reviews"))
    assert row == {"deck": "demo", "day": TODAY - 1}


async def test_the_screen_renders_the_figures_and_studies_the_hardest_cards(collection):
    small_log(collection)
    app = QuizApp(collection, start="stats", clock=Clock())
    async with app.run_test(size=(160, 80)) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = text_of(app, "#stats-summary")
        assert "Today 3 reviews, 1 min" in summary and "streak 2 days" in summary and "60.0%" in summary
        hardest = screen.query_one("#hardest-table")
        assert [str(hardest.get_row_at(i)[0]) for i in range(hardest.row_count)] == ["backbone", "gap"]
        assert str(hardest.get_row_at(0)[2]) == "9 leech"  # lapses, and the leech said
        assert "ties (2×)" in text_of(app, "#failing-cases")
        await pilot.press("h")
        assert isinstance(app.screen, StudyScreen)
        # Not due, but studied now: the hardest first.
        assert app.screen.study.session.next_card(T0).id == "backbone"
        assert app.screen.study.session.counts(T0).review == 2


async def test_the_empty_screen_says_what_to_do(collection):
    app = QuizApp(collection, start="stats", clock=Clock())
    async with app.run_test(size=(160, 80)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "No reviews yet" in text_of(app, "#stats-summary")
        await pilot.press("h")
        assert isinstance(app.screen, StatsScreen)  # nothing hard yet: stays, with a notice


def test_stats_json_on_the_command_line(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "quizapp", "--home", str(tmp_path), "stats", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert {"activity", "retention", "states", "forecast", "distributions", "hardest", "exercises"} <= set(
        stats
    )
    assert stats["states"]["new"] >= 250


def test_studying_the_hardest_needs_a_lapse_first(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "quizapp", "--home", str(tmp_path), "study", "--hardest", "5"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "no card has lapsed yet" in result.stderr


def test_cram_goes_through_each_card_once_even_when_not_due(collection):
    small_log(collection)
    session = StudySession(
        collection.db, Settings(fuzz=False), StudyFilter(card_ids=("backbone", "gap"), cram=True)
    )
    first = session.next_card(T0)
    session.rate(first.id, 3, T0)
    second = session.next_card(T0)
    assert {first.id, second.id} == {"backbone", "gap"}
    session.rate(second.id, 3, T0)
    assert session.next_card(T0) is None and session.counts(T0).review == 0


def test_the_hardest_cards_show_their_prompt_as_studied_never_the_cloze_source(collection, settings):
    collection.db.execute("update cards set lapses = 3 where id = 'wd#c1'")
    prompt = compute_stats(collection.db, settings, T0)["hardest"]["cards"][0]["prompt"]
    assert "{{" not in prompt and "[…]" in prompt


# -- the screen at 80×24 and 120×40 -----------------------------------------------------------------


def a_year_of_history(collection):
    """Reviews on most days of the last year (a few a day, more lately), and seven cards due tomorrow."""
    db = collection.db
    for days_ago in range(364, -1, -1):
        if days_ago % 5 == 4:
            continue  # some days off, so the heatmap has gaps
        for n in range(1 + (365 - days_ago) // 120):
            log(db, "conv-out", days_ago, 2, 3 if n else 1, 10)
    for card_id in ("conv-out", "backbone", "gap", "isin", "argwhere-and", "conv-t", "wd#c1"):
        schedule(db, card_id, due_in_days=1, lapses=1)


async def stats_on(pilot) -> StatsScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()  # the figures drawn for their width, then again once the scrollbar is in
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    return screen


def heatmap_lines(app) -> list[str]:
    return [line.rstrip() for line in text_of(app, "#stats-heatmap").splitlines() if line.strip()]


async def test_at_80_columns_the_heatmap_fits_with_month_names_and_at_120_shows_the_year(collection):
    a_year_of_history(collection)
    async with QuizApp(collection, start="stats", clock=Clock()).run_test(size=(80, 24)) as pilot:
        screen = await stats_on(pilot)
        lines = heatmap_lines(pilot.app)
        width = screen.query_one("#stats-heatmap").size.width
        assert width < 80 and all(len(line) <= width for line in lines)
        months, *days, legend = lines
        assert len(days) == 7 and days[0].startswith("Mon") and days[6].startswith("Sun")
        named = months.split()
        assert len(named) >= 6 and set(named) <= {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                                  "Sep", "Oct", "Nov", "Dec"}  # fmt: skip
        assert named[-1] == "Mar"  # today is 2026-03-10
        weeks = int(legend.split("last ")[1].split()[0])
        assert 30 <= weeks < 53  # fewer weeks than the year, one square each
        assert days[1].count("■") == weeks  # Tuesday: today's weekday, so every week has one

    async with QuizApp(collection, start="stats", clock=Clock()).run_test(size=(120, 40)) as pilot:
        await stats_on(pilot)
        assert "last 53 weeks" in heatmap_lines(pilot.app)[-1]


async def test_count_axes_tick_on_whole_numbers_and_every_bin_is_named_and_counted(collection):
    a_year_of_history(collection)
    async with QuizApp(collection, start="stats", clock=Clock()).run_test(size=(80, 24)) as pilot:
        screen = await stats_on(pilot)
        forecast = screen.query_one("#forecast-plot").render().plain
        ticks = [line.split("┤")[0].strip() for line in forecast.splitlines() if "┤" in line]
        assert ticks and all(tick.isdigit() for tick in ticks), ticks  # 8, 6, 4 …, never 5.8
        assert int(ticks[0]) >= 7  # the 7 cards due tomorrow are under the top tick

        stats = compute_stats(collection.db, collection.settings, T0)
        intervals = text_of(pilot.app, "#interval-bars").splitlines()
        for entry, line in zip(stats["distributions"]["interval_days"], intervals[1:], strict=True):
            assert line.split()[:2] == entry["bin"].split()[:2] and line.split()[-1] == str(entry["count"])


async def test_an_empty_collection_says_no_data_yet_instead_of_empty_tables(collection):
    async with QuizApp(collection, start="stats", clock=Clock()).run_test(size=(80, 24)) as pilot:
        screen = await stats_on(pilot)
        for table, note in (
            ("#hardest-table", "#hardest-empty"),
            ("#exercises-table", "#exercises-empty"),
            ("#decks-table", "#decks-empty"),
        ):
            assert not screen.query_one(table).display
            assert screen.query_one(note).display and "no data yet" in text_of(pilot.app, note).lower()
        assert "no data yet" in text_of(pilot.app, "#interval-bars").lower()
        # Two empty plots were a dozen blank rows: one line stands in their place.
        assert not screen.query_one(".stats-plots").display
        assert text_of(pilot.app, "#plots-empty").strip() == (
            "Due, next 30 days: none yet · Retention % by week: no data yet"
        )


async def test_the_tables_show_again_once_there_is_data(collection):
    small_log(collection)
    async with QuizApp(collection, start="stats", clock=Clock()).run_test(size=(80, 24)) as pilot:
        screen = await stats_on(pilot)
        assert screen.query_one("#hardest-table").display and not screen.query_one("#hardest-empty").display
        assert screen.query_one("#exercises-table").display and screen.query_one("#decks-table").display
        assert screen.query_one(".stats-plots").display and not screen.query_one("#plots-empty").display


async def test_at_80_columns_no_section_leaves_a_blank_gap(collection):
    small_log(collection)
    # Tall enough to draw the whole area at once; its width, hence its layout, is the 80-column one.
    async with QuizApp(collection, start="stats", clock=Clock()).run_test(size=(80, 150)) as pilot:
        screen = await stats_on(pilot)
        area = screen.query_one("#stats-area")
        lines = screen_text(pilot.app, area).rstrip().splitlines()  # the area is taller than its content
        assert "Cases that fail most" in lines[-1]
        blank_runs = [i for i in range(len(lines) - 1) if not lines[i].strip() and not lines[i + 1].strip()]
        assert not blank_runs, "\n".join(lines)
