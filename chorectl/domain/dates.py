"""Dates and times. Everything is timezone-aware; calendar days are local."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from chorectl.errors import BadInput

# Far enough for any household; near enough that date arithmetic never overflows.
MIN_YEAR, MAX_YEAR = 1970, 2999


def check_zone() -> None:
    """Refuse a local zone Python cannot work in, before any time is read.

    POSIX lets TZ say offsets up to 24:59:59 (``UTC+24``, ``XYZ-25``); Python's
    datetime takes less than 24 hours, and every local time would fail.
    """
    import os
    import time as clock

    try:
        usable = all(abs(offset) < 86400 for offset in (clock.timezone, clock.altzone))
        usable = usable and datetime.now().astimezone() is not None
    except (ValueError, OverflowError):
        usable = False
    if not usable:
        zone = os.environ.get("TZ", "")
        raise BadInput(
            f"the time zone TZ={zone!r} is 24 hours or more away from UTC, which chorectl cannot work in",
            hint="set TZ to a zone name such as Europe/Berlin, or an offset under 24 hours such as UTC-12",
        )


def now() -> datetime:
    """The current moment in the machine's local zone (honours TZ)."""
    return datetime.now().astimezone()


def local_date(moment: datetime) -> date:
    """The local calendar day a moment falls on."""
    return moment.astimezone().date()


def parse_date(text: str, *, today: date | None = None) -> date:
    """``YYYY-MM-DD``; also ``today``, ``tomorrow`` and ``yesterday`` for people."""
    s = text.strip().lower()
    if today is not None:
        relative = {"today": 0, "tomorrow": 1, "yesterday": -1}
        if s in relative:
            return today + timedelta(days=relative[s])
    try:
        if len(s) != 10:
            raise ValueError
        day = date.fromisoformat(s)
    except ValueError:
        raise BadInput(f"{text!r} is not a date", hint="write dates as YYYY-MM-DD") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise BadInput(f"{text!r} is too far away", hint=f"dates are between {MIN_YEAR} and {MAX_YEAR}")
    return day


def start_of_day(day: date) -> datetime:
    """Local midnight at the start of *day*, as an aware datetime."""
    return datetime.combine(day, time.min).astimezone()


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in local time with its offset, to the second."""
    if moment is None:
        return None
    return moment.astimezone().isoformat(timespec="seconds")


class LocalIso:
    """:func:`iso` for a stream of UTC moments (an export), about twice as fast.

    Asking the C library for the local offset is most of iso()'s cost. An
    offset changes only at a zone transition, and a zone never changes twice
    in a day; so a UTC day that starts and ends on the same offset has it
    throughout, and its moments are shifted by it directly. Days with a
    transition, and moments not in UTC, take iso() itself. One instance per
    stream: it remembers the days it has seen (a few thousand at most), and
    does not notice TZ changing under it.
    """

    def __init__(self) -> None:
        self._days: dict[date, tuple[timedelta, str] | None] = {}

    def __call__(self, moment: datetime) -> str:
        if moment.tzinfo is not UTC:
            return iso(moment)
        day = moment.date()
        try:
            known = self._days[day]
        except KeyError:
            known = self._days[day] = _steady_offset(day)
        if known is None:
            return iso(moment)
        shift, suffix = known
        return (moment + shift).isoformat()[:19] + suffix


def _steady_offset(day: date) -> tuple[timedelta, str] | None:
    """The local offset of a whole UTC day and its ISO suffix, or None if it changes that day."""
    try:
        first = datetime.combine(day, time.min, tzinfo=UTC).astimezone()
        last = datetime.combine(day, time.max, tzinfo=UTC).astimezone()
    except OverflowError:  # the first or last day a datetime can hold: leave it to iso()
        return None
    if first.utcoffset() != last.utcoffset():
        return None
    return first.utcoffset(), first.isoformat(timespec="seconds")[19:]


def parse_days(since: str | None, until: str | None, *, today: date) -> tuple[date | None, date | None]:
    """The --since/--until pair of a listing, each optional, both refused as a unit if odd."""
    first = parse_date(since, today=today) if since else None
    last = parse_date(until, today=today) if until else None
    day_bounds(first, last)  # --since after --until is bad input
    return first, last


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` instants for local days *since* .. *until*, both included."""
    if since and until and since > until:
        raise BadInput("--since is after --until")
    start = start_of_day(since) if since else None
    end = start_of_day(until + timedelta(days=1)) if until else None
    return start, end
