"""chorectl.domain.dates.LocalIsoText: iso() of the UTC text the database keeps, for exports.

Every result is compared with ``iso()`` of the same moment as a datetime, in zones
with whole-hour, half-hour and quarter-hour offsets, offsets with seconds, a skipped
day, and transitions at odd minutes of a UTC hour.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chorectl.domain.dates import STORED_SECONDS, LocalIso, LocalIsoText, iso


@pytest.fixture
def zone(monkeypatch):
    """Set the local zone (TZ and the C library's copy of it); conftest sets it back."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    return use


def stored(moment: datetime) -> str:
    """A moment as chorectl.db.types.AwareDateTime keeps it."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# (zone, a UTC window to walk through): each window holds a change of that zone's offset.
WINDOWS = [
    ("UTC", datetime(2026, 1, 1), datetime(2026, 1, 3)),
    ("Europe/Berlin", datetime(2026, 3, 28), datetime(2026, 3, 30)),  # +01 -> +02 at 01:00 UTC
    ("Europe/Berlin", datetime(2026, 10, 24), datetime(2026, 10, 26)),
    ("America/New_York", datetime(2026, 11, 1), datetime(2026, 11, 2)),  # -04 -> -05 at 06:00 UTC
    ("Asia/Kolkata", datetime(2026, 6, 1), datetime(2026, 6, 2)),  # +05:30 all year
    ("America/St_Johns", datetime(2026, 3, 8), datetime(2026, 3, 9)),  # -03:30 -> -02:30 at 05:30 UTC
    ("Australia/Lord_Howe", datetime(2026, 4, 4), datetime(2026, 4, 6)),  # +11 -> +10:30 at 15:00 UTC
    ("Australia/Lord_Howe", datetime(2026, 10, 3), datetime(2026, 10, 5)),  # +10:30 -> +11 at 15:30 UTC
    ("Pacific/Chatham", datetime(2026, 4, 4), datetime(2026, 4, 6)),  # +13:45 -> +12:45
    ("Asia/Kathmandu", datetime(1985, 12, 31), datetime(1986, 1, 2)),  # +05:30 -> +05:45
    ("Africa/Monrovia", datetime(1972, 1, 6), datetime(1972, 1, 8)),  # -00:44:30 -> +00:00
    ("Pacific/Apia", datetime(2011, 12, 29), datetime(2011, 12, 31)),  # Samoa skipped 30 December
    ("Europe/Dublin", datetime(2026, 10, 24), datetime(2026, 10, 26)),  # "negative" summer time in tzdata
]


@pytest.mark.parametrize(("name", "first", "last"), WINDOWS, ids=lambda w: str(w))
def test_equals_iso_through_a_change_of_offset(zone, name, first, last):
    """Every 59 seconds and some microseconds: each minute of an hour, across its change."""
    zone(name)
    local, moment, seen = LocalIsoText(), first.replace(tzinfo=UTC), 0
    while moment < last.replace(tzinfo=UTC):
        assert local(stored(moment)) == iso(moment), moment
        moment += timedelta(seconds=59, microseconds=7919)
        seen += 1
    assert seen > 1400


@pytest.mark.parametrize("name", ["Europe/Berlin", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns"])
def test_equals_iso_and_local_iso_every_seven_minutes_of_a_year(zone, name):
    zone(name)
    local, reference = LocalIsoText(), LocalIso()
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment.year == 2026:
        assert local(stored(moment)) == iso(moment) == reference(moment), moment
        moment += timedelta(minutes=7, microseconds=123)


ZONES = [name for name, _, _ in WINDOWS]


@given(
    st.lists(
        st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.just(UTC)),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(ZONES),
)
def test_equals_iso_for_any_moments_in_any_order(moments, name):
    """One converter for a whole stream: what it learnt of one moment never spoils another."""
    os.environ["TZ"] = name  # conftest's isolated fixture puts TZ back after the test
    time.tzset()
    local = LocalIsoText()
    for moment in moments * 2:
        assert local(stored(moment)) == iso(moment), moment


@pytest.mark.parametrize("name", ["Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"])
def test_the_inner_loop_expression_is_the_call(zone, name):
    """What an export inlines: text[width:19].join(cache.get(text[:width]) or miss(text)), width
    and cache taken once a batch (the cache may be replaced meanwhile, never changed in place)."""
    zone(name)
    local = LocalIsoText()
    local.KEEP = local.DAYS = 50
    texts = [stored(datetime(2026, 4, 1, tzinfo=UTC) + timedelta(minutes=13 * i)) for i in range(1000)]
    got = []
    for batch in range(0, len(texts), 64):
        width, get, miss = local.width, local.cache.get, local.miss
        got += [t[width:STORED_SECONDS].join(get(t[:width]) or miss(t)) for t in texts[batch : batch + 64]]
    assert got == [iso(datetime.fromisoformat(t)) for t in texts]


@pytest.mark.parametrize(
    ("name", "width"),
    [("Europe/Berlin", 13), ("Asia/Kolkata", 15), ("Australia/Lord_Howe", 15), ("Asia/Kathmandu", 16)],
)
def test_the_cache_keys_hours_where_offsets_are_whole_hours(zone, name, width):
    zone(name)
    local = LocalIsoText()
    for hour in range(48):
        for minute in (0, 29, 31, 59):
            moment = datetime(2026, 7, 1, tzinfo=UTC) + timedelta(hours=hour, minutes=minute)
            assert local(stored(moment)) == iso(moment)
    assert local.width == width
    assert len(local._hours) == (0 if width == 13 else 48)  # whole hours: only in the cache
    assert 0 < len(local.cache) <= 48 * {13: 1, 15: 4, 16: 4}[width]


def test_an_offset_with_seconds_is_left_to_iso(zone):
    zone("Africa/Monrovia")
    local = LocalIsoText()
    moment = datetime(1971, 6, 1, 12, 0, 5, tzinfo=UTC)
    assert local(stored(moment)) == iso(moment) == "1971-06-01T11:15:35-00:44:30"
    assert local.cache == {}


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-21T20:55:00+00:00",  # no microseconds: still the database's form
        "2026-11-21T20:55:00.5+00:00",
        "2026-11-21T21:55:00.000000+01:00",  # another offset: iso() of what it says
        "2026-11-21 20:55:00+00:00",
        "2026-11-21T20:55:00Z",
    ],
)
def test_text_in_another_form_is_what_iso_makes_of_it(zone, text):
    zone("America/New_York")
    local = LocalIsoText()
    assert local(text) == iso(datetime.fromisoformat(text))
    assert local(text) == iso(datetime.fromisoformat(text))  # and again, from whatever it cached


def test_quote_wraps_each_result_for_json(zone):
    zone("Europe/Berlin")
    local = LocalIsoText(quote='"')
    for text in ("2026-11-21T20:55:00.000000+00:00", "2026-03-29T01:30:00.000000+00:00", "1970-01-02T00:00:00+02:00"):
        assert local(text) == '"' + iso(datetime.fromisoformat(text)) + '"'
        assert local(text) == '"' + iso(datetime.fromisoformat(text)) + '"'


def test_memory_stays_flat_over_any_length_of_history(zone):
    zone("Europe/Berlin")
    local = LocalIsoText()
    local.KEEP = local.DAYS = 100
    moment = datetime(2000, 1, 1, tzinfo=UTC)
    for _ in range(2000):
        assert local(stored(moment)) == iso(moment)
        assert max(len(local.cache), len(local._hours), len(local._days), len(local._midnights)) <= 100
        moment += timedelta(hours=7, minutes=1)


@pytest.mark.parametrize(
    ("moment", "name"), [(datetime(1, 1, 1, 12), "America/New_York"), (datetime(9999, 12, 31, 1), "Asia/Tokyo")]
)
def test_the_ends_of_the_calendar(zone, moment, name):
    """A span's local start would not fit in a datetime: iso() decides, as it does for LocalIso."""
    zone(name)
    moment = moment.replace(tzinfo=UTC)
    assert LocalIsoText()(stored(moment)) == iso(moment)
