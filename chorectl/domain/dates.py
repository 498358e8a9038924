"""Dates and times. Everything is timezone-aware; calendar days are local."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache

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


# The text a database keeps a moment as (chorectl.db.types.AwareDateTime): UTC, to the microsecond,
# fixed width: "2026-11-21T20:55:00.000000+00:00". Its seconds end at STORED_SECONDS.
STORED_SECONDS = 19


def _width(shift: int) -> int:
    """How much of the stored text keys a span in which an offset that moves the minutes by
    *shift* moves them all alike: an hour ("2026-11-21T20"), ten minutes ("2026-11-21T20:5") or a minute."""
    return 13 if not shift else 15 if not shift % 10 else 16


class LocalIsoText:
    """:func:`iso` of moments as the database keeps them, UTC text, for a stream of them (an export).

    ``LocalIsoText()("2026-11-21T20:55:00.000000+00:00") == "2026-11-21T21:55:00+01:00"`` in
    Europe/Berlin: exactly ``iso(datetime.fromisoformat(text))``, without making a datetime per moment.

    An offset of whole hours leaves a moment's minutes and seconds as they are: its local text is
    the local hour of its UTC hour (``2026-11-21T21``), its own ``:55:00``, and the offset
    (``+01:00``). Those two pieces are kept per UTC hour in :attr:`cache`, so that a moment costs
    two slices and a lookup::

        text[width:STORED_SECONDS].join(cache.get(text[:width]) or miss(text))

    (the expression an export's inner loop inlines, taking :attr:`width` and :attr:`cache` once a
    batch; :meth:`__call__` is the same). An offset of half an hour (India, Newfoundland, Lord
    Howe) moves the tens of the minutes too: the cache then keys ten minutes (:attr:`width` 15,
    ``2026-11-21T20:5``); a quarter (Nepal, Chatham) a minute (16). A miss works from what is
    known of its UTC hour (the offset, the local text of the hour's start and end): it adds the
    minutes. The offset of each UTC midnight comes from the C library once; a day whose midnight
    and the next have one offset has it throughout (as for :class:`LocalIso`, which assumes a zone
    changes at most once a day), and the hours of another day are asked one by one. An hour in
    which the offset changes, an offset with seconds (Liberia before 1972) and text in another
    form take :func:`iso` itself.

    *quote* goes around each result (``'"'``: a JSON string). The cache and the hours hold at most
    :data:`KEEP` each, the days :data:`DAYS` (a full one is dropped and begun again), so a stream
    of any length stays in constant memory. One instance per stream; it does not notice TZ
    changing under it.
    """

    KEEP = 1 << 14  # spans (hours), in the cache and in _hours each
    DAYS = 1 << 10  # days and midnights: a stream in time order needs one or two at a time

    def __init__(self, quote: str = "") -> None:
        self.quote = quote
        self.width = 13
        self.cache: dict[str, tuple[str, str]] = {}
        self._hours: dict[str, tuple[str, str] | tuple[int, str, str, str] | None] = {}  # see _hour()
        self._days: dict[str, tuple[int, int | None, tuple[str, str, str]] | None] = {}
        self._midnights: dict[int, int | None] = {}  # a UTC midnight (POSIX seconds): its offset

    def __call__(self, text: str) -> str:
        width = self.width
        return text[width:STORED_SECONDS].join(self.cache.get(text[:width]) or self.miss(text))

    def miss(self, text: str) -> tuple[str]:
        """The local text of *text*, whole, as a 1-tuple (``x.join((whole,))`` is *whole*);
        on the way, the pieces of its span go into :attr:`cache`."""
        key = text[:13]
        hour = self._hours.get(key)
        if hour is None:  # an hour not seen yet, one only the cache keeps, or one iso() decides
            if key in self._hours or not _stored(text):
                return (self._exact(text),)
            hour = self._hour(key)
            if hour is None or len(hour) == 4:  # kept here; whole hours only in the cache
                if len(self._hours) >= self.KEEP:
                    self._hours = {}
                self._hours[key] = hour
                if hour is None:
                    return (self._exact(text),)
        if len(hour) == 2:  # whole hours: the cache's pieces themselves (at a finer width, with the minutes)
            width = self.width
            if len(self.cache) >= self.KEEP:
                self.cache = {}
            if width == 13:
                self.cache[key] = hour
            else:
                self.cache[text[:width]] = (hour[0] + text[13:width], hour[1])
            return (text[13:STORED_SECONDS].join(hour),)
        shift, start, end, suffix = hour
        minutes = shift + int(text[14:16])
        before = (start + _SIXTY[minutes]) if minutes < 60 else (end + _SIXTY[minutes - 60])  # "2026-11-21T21:55"
        width, quote = self.width, self.quote
        if _width(shift) > width:  # from the next batch on; the spans kept so far stay right
            self.width, self.cache = _width(shift), {}
        else:
            if len(self.cache) >= self.KEEP:
                self.cache = {}
            self.cache[text[:width]] = (quote + before[:width], suffix + quote)
        return (quote + before + text[16:STORED_SECONDS] + suffix + quote,)

    def _exact(self, text: str) -> str:
        return self.quote + iso(datetime.fromisoformat(text)) + self.quote

    def _hour(self, hour: str) -> tuple[str, str] | tuple[int, str, str, str] | None:
        """What :attr:`_hours` keeps of a UTC hour ("2026-11-21T20"), by arithmetic on its day's:
        for an offset of whole hours, the hour's pieces as :attr:`cache` keeps them; else how
        many minutes the offset moves the minutes, the local text of the hour's start and end up
        to the minutes ("2026-11-21T21:"), and the offset's ISO suffix. None where iso() decides
        (the offset changes within the hour, or has seconds)."""
        try:
            day = self._days[hour[:10]]
        except KeyError:
            if len(self._days) >= self.DAYS:
                self._days = {}
            day = self._days[hour[:10]] = self._day(hour[:10])
        if day is None:
            return None
        midnight, offset, dates = day
        start = int(hour[11:13]) * 3600
        if offset is None:  # the offset changes this day: this hour's own, if it has one
            offset = _gmtoff(midnight + start)
            if offset is None or offset != _gmtoff(midnight + start + 3599) or offset % 60:
                return None
        first = (start + offset) // 60  # the hour's start in local minutes from its UTC midnight: -1439 .. 2819
        days, within = divmod(first, 1440)
        begins = dates[days + 1] + "T" + _SIXTY[within // 60]
        if not within % 60:  # whole hours: the pieces of the hour, as the cache keeps them
            return self.quote + begins, _suffix(offset) + self.quote
        days, within = divmod(first + 60, 1440)
        return within % 60, begins + ":", dates[days + 1] + "T" + _SIXTY[within // 60] + ":", _suffix(offset)

    def _day(self, day: str) -> tuple[int, int | None, tuple[str, str, str]] | None:
        """A UTC day ("2026-11-21"): its midnight (POSIX seconds), its offset if its midnight and
        the next have one and it is whole minutes (else None), and the dates before it, of it and
        after it; None at the ends of the calendar."""
        try:
            this = date.fromisoformat(day)
            dates = ((this - timedelta(days=1)).isoformat(), day, (this + timedelta(days=1)).isoformat())
        except (ValueError, OverflowError):
            return None
        midnight = (this.toordinal() - _EPOCH_DAY) * 86400
        offset = self._midnight(midnight)
        steady = offset is not None and offset == self._midnight(midnight + 86400) and not offset % 60
        return midnight, offset if steady else None, dates

    def _midnight(self, timestamp: int) -> int | None:
        try:
            return self._midnights[timestamp]
        except KeyError:
            if len(self._midnights) >= self.DAYS:
                self._midnights = {}
            found = self._midnights[timestamp] = _gmtoff(timestamp)
            return found


_SIXTY = tuple(f"{n:02d}" for n in range(60))
_EPOCH_DAY = date(1970, 1, 1).toordinal()


def _gmtoff(timestamp: int) -> int | None:
    """The local offset at *timestamp*, in seconds east of UTC, as the C library gives it
    (and so datetime.astimezone(), and :func:`iso`); None where it cannot say."""
    import time as clock

    try:
        return clock.localtime(timestamp).tm_gmtoff
    except (OverflowError, OSError, ValueError):
        return None


@cache
def _suffix(offset: int) -> str:
    """An offset as :func:`iso` ends with it: ``+01:00``, ``-03:30``, ``-00:44:30``."""
    return datetime(2000, 1, 1, tzinfo=timezone(timedelta(seconds=offset))).isoformat()[19:]


def _stored(text: str) -> bool:
    """Is *text* a moment as the database keeps it (UTC, seconds at 17..19)?"""
    return (
        len(text) >= 25
        and text.endswith("+00:00")
        and text[4] == text[7] == "-"
        and text[10] == "T"
        and text[13] == text[16] == ":"
        and text[17:19].isdigit()
        and (len(text) == 25 or text[19] == ".")
    )


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
