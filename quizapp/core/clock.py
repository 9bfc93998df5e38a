"""Study days: the local day that rolls over at `day_starts_at_hour`, expressed in UTC epochs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


def day_bounds(now: datetime, starts_at_hour: int) -> tuple[float, float]:
    """Start and end (epoch seconds) of the study day containing `now`, in the local time zone.

    Both ends are local wall-clock times (the rollover hour), so the day that springs forward is
    23 hours long and the day that falls back 25, and the window is the one `study_day` names.
    """
    day = study_day(now.timestamp(), starts_at_hour)
    return _day_start(day, starts_at_hour), _day_start(day + 1, starts_at_hour)


def _day_start(day: int, starts_at_hour: int) -> float:
    start = day_date(day)
    # A naive datetime's timestamp() is read in the local zone, its DST rules included.
    return datetime(start.year, start.month, start.day, starts_at_hour).timestamp()


def study_day(seconds: float, starts_at_hour: int) -> int:
    """The local study day holding epoch `seconds`, as days since 1970-01-01 (for grouping).

    The rule across time zones: a review's study day is fixed when it is made (the `day` column),
    in the zone of that moment; "today" is worked out in the current zone. A stored day later than
    today (the learner flew west) counts as today, never as a day still to come.
    """
    wall_clock = datetime.fromtimestamp(seconds)  # local, naive
    return (wall_clock - timedelta(hours=starts_at_hour)).date().toordinal() - EPOCH_ORDINAL


def day_date(day: int) -> date:
    return date.fromordinal(day + EPOCH_ORDINAL)


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def from_epoch(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)
