"""Study days across DST edges and a change of time zone. The rule: a review's study day is fixed
when it is made (in that moment's zone); "today" is worked out in the current zone, and a stored
day ahead of today (the learner flew west) counts as today."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.config import Settings
from quizapp.core.clock import day_bounds, study_day
from quizapp.core.study import StudySession, answered_today
from quizapp.stats.figures import compute_stats


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch):
    def move_to(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield move_to
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.mark.parametrize(
    ("moment", "hours"),
    [
        (datetime(2026, 3, 8, 9, 30, tzinfo=UTC), 23),  # 01:30 in Los Angeles, before it springs forward
        (datetime(2026, 11, 1, 8, 30, tzinfo=UTC), 25),  # 01:30, the first time, before it falls back
        (datetime(2026, 3, 10, 20, tzinfo=UTC), 24),
    ],
)
@pytest.mark.parametrize("starts_at", [0, 1, 4])
def test_a_study_day_is_the_window_study_day_names_on_both_dst_edges(zone, moment, hours, starts_at):
    zone("America/Los_Angeles")
    start, end = day_bounds(moment, starts_at)
    assert end - start == hours * 3600
    day = study_day(moment.timestamp(), starts_at)
    assert study_day(start, starts_at) == day
    assert study_day(end - 1, starts_at) == day
    assert study_day(end, starts_at) == day + 1
    assert datetime.fromtimestamp(start).hour == starts_at  # the local rollover hour, not an hour off


def answer_three(collection, now: datetime) -> None:
    session = StudySession(collection.db, Settings(fuzz=False))
    for _ in range(3):
        card = session.next_card(now)
        session.rate(card.id, 3, now, duration_ms=4000)


def test_reviews_made_in_tokyo_still_count_as_today_after_flying_to_los_angeles(collection, zone):
    zone("Asia/Tokyo")
    made = datetime(2026, 11, 23, 1, tzinfo=UTC)  # 10:00 in Tokyo on the 23rd
    answer_three(collection, made)
    zone("America/Los_Angeles")
    now = made + timedelta(hours=12)  # 05:00 on the 23rd in LA: the same study day
    earlier = made + timedelta(hours=2)  # 19:00 on the 22nd in LA, where the stored day is "tomorrow"
    for moment in (earlier, now):
        figures = compute_stats(collection.db, Settings(), moment)["activity"]
        assert figures["reviews_today"] == 3
        assert figures["streak_days"] == 1
        assert figures["days_studied_last_year"] == 1
        assert answered_today(collection.db, Settings(), moment).introduced == 3


def test_reviews_made_late_in_los_angeles_are_yesterday_after_flying_to_tokyo(collection, zone):
    zone("America/Los_Angeles")
    made = datetime(2026, 11, 23, 4, tzinfo=UTC)  # 20:00 in LA on the 22nd
    answer_three(collection, made)
    zone("Asia/Tokyo")
    now = made + timedelta(hours=2)  # 15:00 on the 23rd in Tokyo: a new study day there
    figures = compute_stats(collection.db, Settings(), now)["activity"]
    assert figures["reviews_today"] == 0
    assert figures["streak_days"] == 1  # yesterday's study keeps the streak
    assert answered_today(collection.db, Settings(), now).introduced == 0  # today's new cards are all there
