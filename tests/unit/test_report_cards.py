"""Each checker owns its report card: the top-level report.json figures are declared where the checker is
registered, report.json (schema 2) keeps exactly the keys it had, and no two checkers own one key."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checkers import CHECKERS
from harness.checkers.base import register
from harness.core.figures import card
from harness.report.model import report_cards

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_2_FIGURES = {  # every checker-owned top-level key of report.json schema 2, as written before the cards
    "rto": [
        "rto_seconds", "rto_seconds_at_least", "rto_journey", "rto_by_journey", "recovered_by",
        "rto_first_success_seconds", "rto_resolution_seconds", "oracle_rto_seconds", "fault_injected_at",
        "recovered_at",
    ],
    "rpo": [
        "rpo_seconds", "rpo_censored", "acknowledged_writes", "lost_writes", "lost_seqs", "invisible_writes",
        "diverged_writes", "indeterminate_writes", "recovered_writes", "unexpected_writes", "duplicate_writes",
    ],
    "outages": ["outages"],
    "availability": [
        "availability", "availability_journey", "downtime_seconds", "monthly_budget_seconds", "error_budget_used",
    ],
    "sessions": ["sessions", "sessions_lost"],
}


def test_the_report_cards_are_the_schema_2_figures_owned_by_their_checkers() -> None:
    owned = {checker.name: [f.key for f in checker.card] for checker in report_cards()}
    assert owned == SCHEMA_2_FIGURES


def test_the_report_model_names_no_checker_metric() -> None:
    source = (ROOT / "harness" / "report" / "model.py").read_text()
    for keys in SCHEMA_2_FIGURES.values():
        for key in keys:
            if key not in ("outages", "availability", "sessions"):  # also the checkers' own names
                assert f'"{key}"' not in source, key


def test_a_figure_another_checker_owns_is_refused_with_both_names() -> None:
    with pytest.raises(ValueError) as refused:
        register("my-rto", card=card("rto_seconds"))(lambda events, ctx: None)  # type: ignore[arg-type,return-value]
    assert str(refused.value) == "checker my-rto: report.json figure 'rto_seconds' belongs to checker rto"
    assert "my-rto" not in CHECKERS
