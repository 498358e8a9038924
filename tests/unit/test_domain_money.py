"""chorectl.domain.money: what people type as money, and how it is shown back.

Money is integer cents everywhere; every refusal is a BadInput (exit 2) and
nothing else ever escapes the parsers.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chorectl.domain.money import (
    MAX_AMOUNT_CENTS,
    MAX_REWARD_CENTS,
    Reward,
    format_cents,
    format_money,
    parse_amount,
    parse_positive_amount,
    parse_reward,
    parse_reward_spec,
    parse_signed_amount,
)
from chorectl.errors import BadInput

# Reproducible property tests: same examples on every run, nothing written to disk.
deterministic = settings(derandomize=True, database=None, max_examples=300)


def refused(func, text, **kwargs) -> BadInput:
    with pytest.raises(BadInput) as info:
        func(text, **kwargs)
    assert info.value.exit_code == 2
    assert info.value.message  # one line a person can read
    return info.value


# --- parse_amount -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("2", 200),
        ("2.5", 250),
        ("2.50", 250),
        ("2.05", 205),
        ("$2.50", 250),
        ("$ 2.50", 250),
        (".5", 50),
        (".05", 5),
        ("0", 0),
        ("0.01", 1),
        ("0.10", 10),
        ("1000", 100_000),
        ("  3  ", 300),
        ("007", 700),
        ("999999999.99", 99_999_999_999),
    ],
)
def test_parse_amount_accepts(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "currency", "cents"),
    [
        ("€2.50", "€", 250),
        ("€ 2", "€", 200),
        ("€.5", "€", 50),
        ("CHF 12.30", "CHF", 1230),
        ("kr3", "kr", 300),
        ("2.50", "€", 250),  # the symbol is optional
    ],
)
def test_parse_amount_with_the_households_symbol(text, currency, cents):
    assert parse_amount(text, currency=currency) == cents


def test_parse_amount_refuses_a_foreign_symbol():
    refused(parse_amount, "€2", currency="$")
    refused(parse_amount, "£2", currency="€")


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("+2", 200),
        ("-1.50", -150),
        ("-$1.50", -150),
        ("$-1.50", -150),
        ("+$2", 200),
        ("$+2", 200),
        ("-€1.50", -150),
        ("€-1.50", -150),
        ("2", 200),
        ("-.5", -50),
        ("- 1", -100),
        ("-0", 0),
    ],
)
def test_parse_amount_signed(text, cents):
    assert parse_amount(text, currency="€", signed=True) == cents


@pytest.mark.parametrize("text", ["-1", "+2", "-$1.50", "$-1.50", "-0"])
def test_parse_amount_unsigned_refuses_any_sign(text):
    refused(parse_amount, text)


EMPTY_AFTER_SIGN = ["", " ", "\t\n", "$", "$ ", "+", "+$"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\t\n",
        "$",
        "abc",
        "1.234",
        "0.001",
        "1e3",
        "1E3",
        "1,5",
        "1 000",
        "1_000",
        "2.",
        "..5",
        "1.2.3",
        "0x10",
        "3-1",
        "$$2",
        "2$",
        "nan",
        "inf",
        "1234567890",  # more than nine digits before the point
    ],
)
def test_parse_amount_refuses(text):
    refused(parse_amount, text)
    if text.strip(" \t\n$"):  # the empty ones: see test_parse_amount_signed_refuses_empty
        refused(parse_amount, text, signed=True)


@pytest.mark.parametrize("text", ["--1", "-+1", "-", "-$", "$--1", "- -1", "-abc"])
def test_parse_amount_signed_refuses(text):
    refused(parse_amount, text, signed=True)


@pytest.mark.parametrize("text", EMPTY_AFTER_SIGN)
def test_parse_amount_signed_refuses_empty(text):
    refused(parse_amount, text, signed=True)


def test_parse_signed_amount_refuses_empty():
    refused(parse_signed_amount, "")


@pytest.mark.parametrize("text", ["+-1", "+$-1"])
def test_parse_amount_signed_refuses_plus_then_minus(text):
    refused(parse_amount, text, signed=True)


def test_parse_amount_message_names_the_input():
    error = refused(parse_amount, "1.234")
    assert "'1.234'" in error.message
    assert error.hint and "two decimals" in error.hint


def test_ten_dimes_make_exactly_one_unit():
    total = sum(parse_amount("0.10") for _ in range(10))
    assert total == 100
    assert isinstance(total, int)
    assert format_cents(total) == "1.00"


def test_parse_amount_returns_int_never_float():
    for text in ("2", "2.5", ".5", "$0.10"):
        assert type(parse_amount(text)) is int


# --- rewards ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("2", 200, 200),
        ("2.50", 250, 250),
        ("$2.50", 250, 250),
        ("0", 0, 0),
        ("1000", MAX_REWARD_CENTS, MAX_REWARD_CENTS),
        ("1-3", 100, 300),
        (" 1 - 3 ", 100, 300),
        ("0.5-1.5", 50, 150),
        ("$1-$3", 100, 300),
        ("0-1000", 0, MAX_REWARD_CENTS),
        ("2-2", 200, 200),
        (".5-2", 50, 200),
    ],
)
def test_parse_reward_spec(text, low, high):
    reward = parse_reward_spec(text)
    assert reward == Reward(low, high)
    assert reward.is_range == (low != high)


def test_parse_reward_spec_with_the_households_symbol():
    assert parse_reward_spec("€1-€3", currency="€") == Reward(100, 300)
    assert parse_reward_spec("€2.50", currency="€") == Reward(250, 250)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "-1",  # a reward has no sign
        "1001",  # above the 0..1000 range
        "1000.01",
        "3-1",  # MIN above MAX
        "2.01-2",
        "1-",
        "1-3-5",
        "1--3",
        "1-1001",
        "1.234",
        "1e3",
        "1,5",
        "1,5-2",
    ],
)
def test_parse_reward_spec_refuses(text):
    refused(parse_reward_spec, text)


def test_reward_range_min_above_max_is_explained():
    error = refused(parse_reward_spec, "3-1")
    assert "MIN above MAX" in error.message


@pytest.mark.parametrize(("text", "cents"), [("0", 0), ("1000", 100_000), ("999.99", 99_999)])
def test_parse_reward_bounds(text, cents):
    assert parse_reward(text) == cents


@pytest.mark.parametrize("text", ["1000.01", "1001", "-0.01"])
def test_parse_reward_out_of_bounds(text):
    refused(parse_reward, text)


@pytest.mark.parametrize(
    ("reward", "shown"),
    [(Reward(250, 250), "2.50"), (Reward(100, 300), "1.00-3.00"), (Reward(0, 0), "0.00")],
)
def test_reward_str(reward, shown):
    assert str(reward) == shown


# --- payouts and adjustments ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [("0.01", 1), ("5", 500), ("$2.50", 250), ("100000", MAX_AMOUNT_CENTS), ("2000", 200_000)],
)
def test_parse_positive_amount(text, cents):
    assert parse_positive_amount(text) == cents


@pytest.mark.parametrize("text", ["0", "0.00", ".0", "-1", "+1", "100000.01", "abc", ""])
def test_parse_positive_amount_refuses(text):
    refused(parse_positive_amount, text)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("+2", 200),
        ("2", 200),
        ("-1.50", -150),
        ("-$1.50", -150),
        ("$-1.50", -150),
        ("-100000", -MAX_AMOUNT_CENTS),
        ("+100000", MAX_AMOUNT_CENTS),
    ],
)
def test_parse_signed_amount(text, cents):
    assert parse_signed_amount(text) == cents


@pytest.mark.parametrize("text", ["0", "+0", "-0", "-0.00", "100000.01", "-100000.01", "--1", "abc", "-1.234"])
def test_parse_signed_amount_refuses(text):
    refused(parse_signed_amount, text)


def test_parse_signed_amount_with_euro():
    assert parse_signed_amount("-€1.50", currency="€") == -150
    assert parse_signed_amount("€-1.50", currency="€") == -150
    assert parse_signed_amount("+€2", currency="€") == 200


# --- formatting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (5, "0.05"),
        (10, "0.10"),
        (250, "2.50"),
        (100_000, "1000.00"),
        (-5, "-0.05"),
        (-150, "-1.50"),
        (123_456_789, "1234567.89"),
    ],
)
def test_format_cents(cents, text):
    assert format_cents(cents) == text


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (250, "$", "$2.50"),
        (-150, "$", "-$1.50"),
        (0, "$", "$0.00"),
        (-5, "€", "-€0.05"),
        (1230, "CHF", "CHF12.30"),
    ],
)
def test_format_money(cents, currency, text):
    assert format_money(cents, currency) == text


def test_format_money_defaults_to_dollar():
    assert format_money(250) == "$2.50"


# --- properties ---------------------------------------------------------------

CENTS = st.integers(min_value=-99_999_999_999, max_value=99_999_999_999)


@deterministic
@given(CENTS)
def test_round_trip_format_cents(cents):
    assert parse_amount(format_cents(cents), signed=True) == cents


@deterministic
@given(CENTS, st.sampled_from(["$", "€", "£", "CHF", "kr"]))
def test_round_trip_format_money(cents, currency):
    assert parse_amount(format_money(cents, currency), currency=currency, signed=True) == cents


@deterministic
@given(st.integers(min_value=0, max_value=MAX_REWARD_CENTS))
def test_round_trip_reward(cents):
    assert parse_reward_spec(format_cents(cents)) == Reward(cents, cents)


@deterministic
@given(
    st.integers(min_value=0, max_value=MAX_REWARD_CENTS),
    st.integers(min_value=0, max_value=MAX_REWARD_CENTS),
)
def test_round_trip_reward_range(a, b):
    low, high = min(a, b), max(a, b)
    assert parse_reward_spec(f"{format_cents(low)}-{format_cents(high)}") == Reward(low, high)


@deterministic
@given(st.lists(st.integers(min_value=0, max_value=99_999), min_size=1, max_size=30))
def test_sums_of_parsed_amounts_are_exact(parts):
    total = sum(parse_amount(format_cents(c)) for c in parts)
    assert total == sum(parts)


ANY_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,+-$€ eE_\t", max_size=12),
)


@pytest.mark.parametrize(
    ("parser", "signed"),
    [
        pytest.param(lambda s: parse_amount(s), False, id="amount"),
        pytest.param(lambda s: parse_amount(s, signed=True), True, id="signed"),
        pytest.param(lambda s: parse_amount(s, currency="€", signed=True), True, id="signed-euro"),
        pytest.param(lambda s: parse_reward_spec(s), False, id="reward-spec"),
        pytest.param(lambda s: parse_reward_spec(s, currency="€"), False, id="reward-spec-euro"),
        pytest.param(lambda s: parse_positive_amount(s), False, id="positive"),
        pytest.param(lambda s: parse_signed_amount(s), True, id="signed-amount"),
    ],
)
@deterministic
@given(text=ANY_TEXT)
def test_parsers_only_ever_raise_bad_input(parser, signed, text):
    try:
        result = parser(text)
    except BadInput as exc:
        assert exc.exit_code == 2
    else:
        assert isinstance(result, (int, Reward))
