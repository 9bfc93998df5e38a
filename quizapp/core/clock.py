"""Study days: the local day that rolls over at `day_starts_at_hour`, expressed in UTC epochs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


def day_bounds(now: datetime, starts_at_hour: int) -> tuple[float, float]:
    """Start and end (epoch seconds) of the study day containing `now`, in the local time zone."""
    local = now.astimezone()
    start = local.replace(hour=starts_at_hour, minute=0, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    end = (start + timedelta(days=1)).astimezone()
    return start.timestamp(), end.timestamp()


def study_day(seconds: float, starts_at_hour: int) -> int:
    """The local study day holding epoch `seconds`, as days since 1970-01-01 (for grouping)."""
    wall_clock = datetime.fromtimestamp(seconds)  # local, naive
    return (wall_clock - timedelta(hours=starts_at_hour)).date().toordinal() - EPOCH_ORDINAL


def day_date(day: int) -> date:
    return date.fromordinal(day + EPOCH_ORDINAL)


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def from_epoch(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)
