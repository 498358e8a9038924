"""Every ledger kind (chorectl.domain.money.LEDGER_KINDS) reaches every place that knows the kinds.

A new kind (issue 17 added ``redeem``) that one of them forgot would be a KeyError in
``balance`` or ``report``, an uncoloured ledger row, or a contract that does not name it.
The behaviour of each kind on both backends is tests/service/test_services_rewards.py's
test_every_ledger_kind_reaches_balance_report_and_the_ledger.
"""

from __future__ import annotations

import re
from pathlib import Path

from chorectl.domain.money import LEDGER_KINDS

ROOT = Path(__file__).resolve().parents[2]


def test_balance_puts_each_kind_in_a_column_it_has():
    from chorectl.services.ledger import BREAKDOWN, BUCKETS
    from chorectl.services.rows import BalanceRow, ReportRow

    assert set(BUCKETS) == set(LEDGER_KINDS)
    assert set(BUCKETS.values()) == set(BREAKDOWN)
    for row in (BalanceRow, ReportRow):
        assert set(BREAKDOWN) <= set(row._fields), row.__name__


def test_the_ledger_table_colours_each_kind():
    from chorectl.cli.render import KIND_STYLE

    assert set(KIND_STYLE) == set(LEDGER_KINDS)


def test_the_report_table_shows_each_bucket():
    source = (ROOT / "chorectl/cli/report.py").read_text()
    (money,) = re.findall(r"money = \(([^)]*)\)", source)
    from chorectl.services.ledger import BREAKDOWN

    assert set(BREAKDOWN) <= set(re.findall(r'"(\w+)"', money))


def test_the_contract_names_each_kind():
    text = (ROOT / "docs/cli.md").read_text()
    (sentence,) = re.findall(r"- \*\*ledger\*\*: `kind` is (.*?);", text, flags=re.S)
    assert re.findall(r"`(\w+)`", sentence) == list(LEDGER_KINDS)


def test_the_models_comment_and_the_row_say_where_the_kinds_are():
    models = (ROOT / "chorectl/db/models.py").read_text()
    assert re.search(r"kind: str  # " + r" \| ".join(LEDGER_KINDS) + r"\n", models)
    rows = (ROOT / "chorectl/services/rows.py").read_text()
    assert 'kind: Annotated[str, Cell("text", "Kind")]  # chorectl.domain.money.LEDGER_KINDS' in rows
