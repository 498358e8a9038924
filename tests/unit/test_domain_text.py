"""chorectl.domain.text (names, titles, notes) and chorectl.domain.dates."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chorectl.domain.dates import LocalIso, iso, local_date, parse_date, start_of_day
from chorectl.domain.text import (
    MAX_NAME,
    MAX_NOTE,
    MAX_TITLE,
    clean_name,
    clean_note,
    clean_title,
    fold,
    split_names,
)
from chorectl.errors import BadInput

deterministic = settings(derandomize=True, database=None, max_examples=300)


def refused(func, value) -> BadInput:
    with pytest.raises(BadInput) as info:
        func(value)
    assert info.value.exit_code == 2
    return info.value


# --- names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Amy", "Amy"),
        ("  Amy  ", "Amy"),
        ("Mary Jane", "Mary Jane"),
        ("Zoë", "Zoë"),
        ("R2D2", "R2D2"),
        ("Amy 2", "Amy 2"),
        ("Ødegård", "Ødegård"),
        ("李雷", "李雷"),
        ("=cmd", "=cmd"),  # stored as typed; CSV escaping is the exporter's business
        ("A" * MAX_NAME, "A" * MAX_NAME),
    ],
)
def test_clean_name_accepts(raw, clean):
    assert clean_name(raw) == clean


def test_clean_name_normalises_to_nfc():
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    assert clean_name(decomposed) == "Zo\u00eb"
    assert len(clean_name(decomposed)) == 3


def test_clean_name_length_counts_after_nfc():
    # 40 decomposed letters are 80 code points but 40 characters once composed.
    assert clean_name("e\u0301" * MAX_NAME) == "\u00e9" * MAX_NAME


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u3000", "empty"),  # ideographic space only
        ("A" * (MAX_NAME + 1), "too long"),
        ("Amy\tBen", "control"),
        ("Amy\nBen", "control"),
        ("Amy\rBen", "control"),
        ("\x1b[31mAmy", "control"),
        ("Amy\x00", "control"),
        ("Amy\x7f", "control"),
        ("Amy\x85Ben", "control"),  # NEL (C1)
        ("Amy\u2028Ben", "control"),  # line separator
        ("Amy\u2029Ben", "control"),  # paragraph separator
        ("123", "only digits"),
        ("0", "only digits"),
        ("  42 ", "only digits"),
        ("\u0661\u0662", "only digits"),  # Arabic-Indic digits
        ("Amy,Ben", "comma"),
        ("Amy,", "comma"),
    ],
)
def test_clean_name_refuses(raw, words):
    assert words in refused(clean_name, raw).message


def test_clean_name_comma_hint_mentions_assign():
    assert "--assign" in refused(clean_name, "Amy,Ben").hint


# --- titles and notes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Dishes", "Dishes"),
        ("  Take out the bins  ", "Take out the bins"),
        ("Feed cat, then dog", "Feed cat, then dog"),
        ("Cafe\u0301", "Caf\u00e9"),
        ("x" * MAX_TITLE, "x" * MAX_TITLE),
    ],
)
def test_clean_title_accepts(raw, clean):
    assert clean_title(raw) == clean


@pytest.mark.parametrize(
    "raw",
    ["", "  ", "x" * (MAX_TITLE + 1), "Dish\nes", "Dishes\t(1)", "\x1b]0;pwn\x07", "42", "Dish\u202ees", "A\u200bmy"],
)
def test_clean_title_refuses(raw):
    refused(clean_title, raw)


def test_clean_title_trailing_newline_is_stripped_first():
    # A newline at the edge is whitespace and goes; inside it is refused.
    assert clean_title("Dishes\n") == "Dishes"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("\n\n", None),
        ("done quickly", "done quickly"),
        ("  line one\nline two  ", "line one\nline two"),
        ("x" * MAX_NOTE, "x" * MAX_NOTE),
        ("nai\u0308ve", "na\u00efve"),
    ],
)
def test_clean_note(raw, clean):
    assert clean_note(raw) == clean


@pytest.mark.parametrize("raw", ["x" * (MAX_NOTE + 1), "a\tb", "a\r\nb", "a\x1bb", "a\u2028b"])
def test_clean_note_refuses(raw):
    refused(clean_note, raw)


# --- folding and splitting --------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Amy", "AMY"),
        ("Amy", "amy"),
        (" Amy ", "amy"),
        ("Straße", "STRASSE"),
        ("ß", "ss"),
        ("Zoë", "ZOË"),
        ("Zoe\u0308", "Zo\u00eb"),  # decomposed vs composed
        ("ΣΊΣΥΦΟΣ", "σίσυφος"),
        ("Dishes", "dIsHeS"),
    ],
)
def test_fold_matches(a, b):
    assert fold(a) == fold(b)


@pytest.mark.parametrize(("a", "b"), [("Amy", "Amy2"), ("Amy", "Ann"), ("Ben", "Benn"), ("e", "é")])
def test_fold_keeps_different_names_apart(a, b):
    assert fold(a) != fold(b)


def test_fold_values():
    assert fold("  Straße ") == "strasse"
    assert fold("AMY") == "amy"


@deterministic
@given(st.text(max_size=30))
def test_fold_is_idempotent_and_case_blind(text):
    assert fold(fold(text)) == fold(text)
    assert fold(text.upper()) == fold(text.upper().lower())


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Amy", ["Amy"]),
        ("Amy,Ben", ["Amy", "Ben"]),
        ("Amy, Ben", ["Amy", "Ben"]),
        (" Amy ,  Ben ,Cara ", ["Amy", "Ben", "Cara"]),
        ("", []),
        ("  ", []),
        (",", []),
        ("Amy,,Ben,", ["Amy", "Ben"]),
        ("Mary Jane, Ben", ["Mary Jane", "Ben"]),
        ("Amy,amy", ["Amy", "amy"]),  # de-duplication is the resolver's business
    ],
)
def test_split_names(raw, names):
    assert split_names(raw) == names


# --- dates -----------------------------------------------------------------------------

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-21", date(2026, 11, 21)),
        (" 2026-11-21 ", date(2026, 11, 21)),
        ("2028-02-29", date(2028, 2, 29)),
        ("2026-12-31", date(2026, 12, 31)),
        ("1970-01-01", date(1970, 1, 1)),
        ("2999-12-31", date(2999, 12, 31)),
    ],
)
def test_parse_date_iso(text, day):
    assert parse_date(text) == day
    assert parse_date(text, today=TODAY) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", date(2026, 11, 21)),
        ("TODAY", date(2026, 11, 21)),
        (" Today ", date(2026, 11, 21)),
        ("tomorrow", date(2026, 11, 22)),
        ("Tomorrow", date(2026, 11, 22)),
        ("yesterday", date(2026, 11, 20)),
    ],
)
def test_parse_date_relative(text, day):
    assert parse_date(text, today=TODAY) == day


def test_parse_date_relative_crosses_month_and_year():
    assert parse_date("tomorrow", today=date(2026, 12, 31)) == date(2027, 1, 1)
    assert parse_date("yesterday", today=date(2026, 3, 1)) == date(2026, 2, 28)


@pytest.mark.parametrize("text", ["today", "tomorrow", "yesterday"])
def test_parse_date_relative_needs_a_today(text):
    refused(parse_date, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2026-02-30",
        "2026-02-29",  # not a leap year
        "2026-13-01",
        "2026-00-10",
        "2026-11-31",
        "21/11/2026",
        "11/21/2026",
        "20261121",
        "2026-11-2",
        "2026-1-21",
        "26-11-21",
        "2026-W47-6",
        "2026W476",
        "2026-325",
        "2026-11-21T10:00",
        "2026-11-21 10:00",
        "2026.11.21",
        "\uff12\uff10\uff12\uff16-\uff11\uff11-\uff12\uff11",  # full-width digits
        "next week",
        "now",
    ],
)
def test_parse_date_refuses(text):
    error = refused(lambda t: parse_date(t, today=TODAY), text)
    assert repr(text) in error.message
    assert error.hint == "write dates as YYYY-MM-DD"


@deterministic
@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2999, 12, 31)))
def test_parse_date_round_trip(day):
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize("text", ["0001-01-01", "1969-12-31", "3000-01-01", "9999-12-31"])
def test_parse_date_refuses_far_away_years(text):
    with pytest.raises(BadInput, match="too far away"):
        parse_date(text)


@deterministic
@given(st.text(max_size=14))
def test_parse_date_only_raises_bad_input(text):
    try:
        result = parse_date(text, today=TODAY)
    except BadInput:
        pass
    else:
        assert isinstance(result, date)


# --- local days and ISO output ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 21), "2026-11-21T00:00:00+01:00"),
        (date(2026, 7, 1), "2026-07-01T00:00:00+02:00"),
        (date(2026, 3, 29), "2026-03-29T00:00:00+01:00"),  # the spring-forward day
        (date(2026, 10, 25), "2026-10-25T00:00:00+02:00"),  # the fall-back day
    ],
)
def test_start_of_day_is_local_midnight(day, expected):
    moment = start_of_day(day)
    assert moment.tzinfo is not None
    assert moment.isoformat() == expected


def test_start_of_day_spans_dst_days():
    # Local calendar days: 23 hours in spring, 25 in autumn.
    spring = start_of_day(date(2026, 3, 30)) - start_of_day(date(2026, 3, 29))
    autumn = start_of_day(date(2026, 10, 26)) - start_of_day(date(2026, 10, 25))
    assert spring == timedelta(hours=23)
    assert autumn == timedelta(hours=25)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 21, 17, 0, tzinfo=UTC), "2026-11-21T18:00:00+01:00"),
        (datetime(2026, 7, 1, 12, 30, 45, 999_999, tzinfo=UTC), "2026-07-01T14:30:45+02:00"),
        (datetime(2026, 11, 21, 23, 30, tzinfo=UTC), "2026-11-22T00:30:00+01:00"),
        (
            datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("America/New_York")),
            "2026-11-21T15:00:00+01:00",
        ),
    ],
)
def test_iso_is_local_with_offset_to_the_second(moment, expected):
    assert iso(moment) == expected


def test_iso_none():
    assert iso(None) is None


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 11, 21, 22, 59, tzinfo=UTC), date(2026, 11, 21)),
        (datetime(2026, 11, 21, 23, 0, tzinfo=UTC), date(2026, 11, 22)),
        (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
    ],
)
def test_local_date(moment, day):
    assert local_date(moment) == day


ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/St_Johns",
]


@contextmanager
def local_zone(zone: str):
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.parametrize("zone", ZONES)
def test_local_iso_equals_iso_through_every_transition(zone):
    """Every 7 minutes through 2026, across each zone's changes: Lord Howe moves by half
    an hour at 15:30 UTC, Chatham sits at +12:45/+13:45, St John's at -03:30/-02:30."""
    fast = LocalIso()
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    checked = 0
    with local_zone(zone):
        while moment.year == 2026:
            assert fast(moment) == iso(moment), moment
            moment += timedelta(minutes=7, microseconds=123)
            checked += 1
    assert checked > 75_000


@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.just(UTC)),
    st.sampled_from(ZONES),
)
def test_local_iso_equals_iso_for_any_moment(moment, zone):
    with local_zone(zone):
        assert LocalIso()(moment) == iso(moment)


def test_local_iso_leaves_other_zones_to_iso():
    moment = datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert LocalIso()(moment) == iso(moment) == "2026-11-21T15:00:00+01:00"


@pytest.mark.parametrize(
    ("moment", "zone"),
    [
        (datetime(1, 1, 1, 12, tzinfo=UTC), "America/New_York"),
        (datetime(9999, 12, 31, 1, tzinfo=UTC), "Asia/Tokyo"),
    ],
)
def test_local_iso_at_the_ends_of_the_calendar(moment, zone):
    """The day's own midnight would not fit in a datetime in that zone: iso() decides."""
    with local_zone(zone):
        assert LocalIso()(moment) == iso(moment)
