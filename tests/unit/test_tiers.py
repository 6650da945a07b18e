from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.durations import parse_duration, parse_percent
from harness.core.errors import HarnessError
from harness.files.tiers import (
    DEFAULT_TIER,
    Target,
    describe,
    get_tier,
    judge,
    load_tiers,
)

GOOD_TIER = """
tiers:
  tier-9:
    title: Tier 9
    availability: {strict: "99.9%", loose: "99%"}
    rto: {strict: "15m", loose: "1h"}
    rpo: {strict: "5m", loose: "15m"}
"""


def test_shipped_file_holds_the_five_seed_tiers_with_their_numbers() -> None:
    tiers = load_tiers()
    assert list(tiers) == ["tier-1", "tier-2", "tier-3", "odoo-online", "odoo-online-dc"]
    assert DEFAULT_TIER in tiers
    expected = {
        "tier-1": ((0.9999, 0.9995), (900, 3600), (300, 900)),
        "tier-2": ((0.9995, 0.999), (3600, 14400), (900, 3600)),
        "tier-3": ((0.999, 0.995), (14400, 86400), (14400, 86400)),
        "odoo-online": ((0.999, 0.999), (1800, 1800), (300, 300)),
        "odoo-online-dc": ((0.999, 0.999), (86400, 86400), (86400, 86400)),
    }
    for name, (availability, rto, rpo) in expected.items():
        tier = tiers[name]
        assert tier.name == name and tier.title and tier.description
        assert (tier.availability.strict, tier.availability.loose) == pytest.approx(availability)
        assert (tier.rto.strict, tier.rto.loose) == rto
        assert (tier.rpo.strict, tier.rpo.loose) == rpo


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("15m", 900),
        ("60m", 3600),
        ("4h", 14400),
        ("24h", 86400),
        ("2d", 172800),
        ("500ms", 0.5),
        ("1m30s", 90),
        ("1h 30m", 5400),
        ("1.5h", 5400),
        ("0s", 0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "fast", "15", "15M", "-5s", "1x", "m", "1.s", "s30"])
def test_parse_duration_rejects_with_a_hint(text: str) -> None:
    with pytest.raises(ValueError, match=r'invalid duration ".*" \(use e\.g\. 90s, 15m, 4h\)'):
        parse_duration(text)


def test_parse_percent() -> None:
    assert parse_percent("99.99%") == 0.9999
    assert parse_percent("100%") == 1.0
    for bad in ["99.9", "101%", "high", "-1%"]:
        with pytest.raises(ValueError, match="invalid availability"):
            parse_percent(bad)


def _load(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(HarnessError) as caught:
        load_tiers(path)
    message = str(caught.value)
    assert "\n" not in message
    return path, message


def test_a_valid_user_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD_TIER)
    tier = get_tier("tier-9", load_tiers(path))
    assert tier.rto == Target(900, 3600) and tier.availability == Target(0.999, 0.99) and tier.description == ""


def test_unknown_key_names_file_tier_field_and_valid_keys(tmp_path: Path) -> None:
    path, message = _load(tmp_path, GOOD_TIER.replace('loose: "1h"', 'loose: "1h", soft: "2h"'))
    assert message == f'{path}: tier "tier-9" field rto.soft: unknown key (valid: strict, loose)'


def test_unknown_tier_key(tmp_path: Path) -> None:
    path, message = _load(tmp_path, GOOD_TIER + "    owner: ops\n")
    assert message.startswith(f'{path}: tier "tier-9" field owner: unknown key (valid: title,')


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path, message = _load(tmp_path, GOOD_TIER + "default: tier-9\n")
    assert message == f"{path}: field default: unknown key (valid: tiers)"


def test_bad_duration(tmp_path: Path) -> None:
    path, message = _load(tmp_path, GOOD_TIER.replace('strict: "15m"', 'strict: "fast"'))
    assert message == f'{path}: tier "tier-9" field rto.strict: invalid duration "fast" (use e.g. 90s, 15m, 4h)'


def test_bare_number_is_not_a_duration(tmp_path: Path) -> None:
    path, message = _load(tmp_path, GOOD_TIER.replace('strict: "5m"', "strict: 300"))
    assert message == f'{path}: tier "tier-9" field rpo.strict: invalid duration "300" (use e.g. 90s, 15m, 4h)'


def test_bad_percentage(tmp_path: Path) -> None:
    path, message = _load(tmp_path, GOOD_TIER.replace('strict: "99.9%"', "strict: 0.999"))
    assert message.startswith(f'{path}: tier "tier-9" field availability.strict: invalid availability "0.999"')


def test_strict_and_loose_inverted(tmp_path: Path) -> None:
    path, message = _load(tmp_path, GOOD_TIER.replace('{strict: "15m", loose: "1h"}', '{strict: "1h", loose: "15m"}'))
    assert message == f'{path}: tier "tier-9" field rto: strict (3600 s) must not be longer than loose (900 s)'
    inverted = GOOD_TIER.replace('{strict: "99.9%", loose: "99%"}', '{strict: "99%", loose: "99.9%"}')
    path, message = _load(tmp_path, inverted)
    assert message == f'{path}: tier "tier-9" field availability: strict (99%) must not be lower than loose (99.9%)'


def test_missing_field(tmp_path: Path) -> None:
    path, message = _load(tmp_path, GOOD_TIER.replace('    rpo: {strict: "5m", loose: "15m"}\n', ""))
    assert message == f'{path}: tier "tier-9" field rpo: missing (required)'


def test_bad_tier_name_and_empty_file(tmp_path: Path) -> None:
    _, message = _load(tmp_path, GOOD_TIER.replace("tier-9", "Tier 9"))
    assert 'tier name "Tier 9"' in message
    path, message = _load(tmp_path, "")
    assert message.startswith(f"{path}: a tiers file is a mapping")


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    path, message = _load(tmp_path, "tiers: [\n")
    assert message.startswith(f"{path}: not valid YAML at line")
    with pytest.raises(HarnessError, match=r"nope\.yaml: no such tiers file"):
        load_tiers(tmp_path / "nope.yaml")


def test_unknown_tier_name_lists_the_valid_ones() -> None:
    with pytest.raises(HarnessError, match=r'unknown tier "tier-9" \(valid: odoo-online, odoo-online-dc, tier-1'):
        get_tier("tier-9", load_tiers())


@pytest.mark.parametrize(
    ("measured", "status", "margin"),
    [
        (600.0, "pass", 300.0),
        (900.0, "pass", 0.0),
        (1200.0, "warn", -300.0),
        (3600.0, "warn", -2700.0),
        (4000.0, "fail", -3100.0),
        (None, "unknown", None),
    ],
)
def test_judge_lower_is_better(measured: float | None, status: str, margin: float | None) -> None:
    assert judge(Target(900, 3600), measured, higher_is_better=False) == (status, margin)


@pytest.mark.parametrize(
    ("measured", "status", "margin"),
    [
        (1.0, "pass", 0.0001),
        (0.9999, "pass", 0.0),
        (0.9997, "warn", -0.0002),
        (0.999, "fail", -0.0009),
        (None, "unknown", None),
    ],
)
def test_judge_higher_is_better(measured: float | None, status: str, margin: float | None) -> None:
    result = judge(Target(0.9999, 0.9995), measured, higher_is_better=True)
    assert result[0] == status
    assert result[1] == (None if margin is None else pytest.approx(margin))


def test_describe() -> None:
    tier = load_tiers()["tier-1"]
    assert describe("RTO", tier.rto, higher_is_better=False) == "RTO <= 900 s (warn <= 3600 s)"
    assert describe("availability", tier.availability, higher_is_better=True) == (
        "availability >= 99.99% (warn >= 99.95%)"
    )
