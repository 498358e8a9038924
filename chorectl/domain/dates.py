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


# The text a database keeps a moment as (chorectl.db.types.AwareDateTime): UTC, to the microsecond,
# fixed width: "2026-11-21T20:55:00.000000+00:00". Seconds end at STORED_SECONDS.
STORED_SECONDS = 19
# How much of that text a span of the cache in LocalIsoText is keyed by: an hour ("2026-11-21T20"),
# ten minutes ("2026-11-21T20:5") or a minute ("2026-11-21T20:55"), with the text that makes the
# key a whole moment again and the length of the span.
_SPANS = {
    13: (":00:00", timedelta(hours=1)),
    15: ("0:00", timedelta(minutes=10)),
    16: (":00", timedelta(minutes=1)),
}


class LocalIsoText:
    """:func:`iso` of moments as the database keeps them, UTC text, for a stream of them (an export).

    ``LocalIsoText()("2026-11-21T20:55:00.000000+00:00") == "2026-11-21T21:55:00+01:00"`` in
    Europe/Berlin: exactly ``iso(datetime.fromisoformat(text))``, without making a datetime per moment.

    Whole-hour offsets leave a moment's minutes and seconds as they are: its local text is the
    local hour of its UTC hour (``2026-11-21T21``), its own ``:55:00``, and the offset (``+01:00``).
    Those two pieces are looked up once per UTC hour and kept in :attr:`cache`, so that a moment
    costs two slices and a lookup::

        text[width:STORED_SECONDS].join(cache.get(text[:width]) or miss(text))

    (the expression an export's inner loop inlines; :meth:`__call__` is the same). The offset of a
    whole UTC day comes from the C library once (as :class:`LocalIso` does, which assumes a zone
    changes at most once a day); an hour in which the offset changes, or a day whose ends differ, is
    looked at hour by hour, and a span in which it does change takes :func:`iso` itself. Offsets of
    half an hour (India, Newfoundland, Lord Howe) shift the minutes' tens: the cache then keys ten
    minutes (:attr:`width` 15); a quarter (Nepal, Chatham) a minute (:attr:`width` 16); an offset
    with seconds (before 1972 in Liberia) or text in another form takes :func:`iso` per moment.

    *quote* goes around each result (``'"'``: a JSON string). The cache holds at most
    :data:`KEEP` spans and the days at most as many, so a stream of any length stays in constant
    memory. One instance per stream; it does not notice TZ changing under it.
    """

    KEEP = 1 << 14

    def __init__(self, quote: str = "") -> None:
        self.quote = quote
        self.width = 13
        self.cache: dict[str, tuple[str, str]] = {}
        self._days: dict[str, tuple[timedelta, str] | None] = {}

    def __call__(self, text: str) -> str:
        width = self.width
        return text[width:STORED_SECONDS].join(self.cache.get(text[:width]) or self.miss(text))

    def miss(self, text: str) -> tuple[str]:
        """The local text of *text*, whole, as a 1-tuple (``x.join((whole,))`` is *whole*);
        on the way, the pieces of its span go into :attr:`cache` where one offset holds all of it."""
        width = self.width
        if not _stored(text):
            return (self._exact(text),)
        pad, span = _SPANS[width]
        start = datetime.fromisoformat(text[:width] + pad + "+00:00")
        found = self._offset(start, span)
        if found is None:
            return (self._exact(text),)
        offset, suffix = found
        if offset % span:  # the offset moves the minutes within the span: a finer key, or iso()
            finer = next((w for w, (_, s) in sorted(_SPANS.items()) if w > width and not offset % s), None)
            if finer is not None:
                self.width, self.cache = finer, {}
            return (self._exact(text),)
        quote = self.quote
        pieces = (quote + (start + offset).isoformat()[:width], suffix + quote)
        if len(self.cache) >= self.KEEP:
            self.cache = {}
        self.cache[text[:width]] = pieces
        return (text[width:STORED_SECONDS].join(pieces),)

    def _exact(self, text: str) -> str:
        return self.quote + iso(datetime.fromisoformat(text)) + self.quote

    def _offset(self, start: datetime, span: timedelta) -> tuple[timedelta, str] | None:
        """The one offset (and its ISO suffix) from *start* to the end of its *span*, or None."""
        day = start.date().isoformat()
        try:
            steady = self._days[day]
        except KeyError:
            if len(self._days) >= self.KEEP:
                self._days = {}
            steady = self._days[day] = _steady_offset(start.date())
        if steady is not None:
            return steady
        try:
            first, last = start.astimezone(), (start + span - timedelta(microseconds=1)).astimezone()
        except OverflowError:
            return None
        if first.utcoffset() != last.utcoffset():
            return None
        return first.utcoffset(), first.isoformat(timespec="seconds")[19:]


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
