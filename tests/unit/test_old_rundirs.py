"""Run directories written before a change are judged the same after it.

`tests/fixtures/rundirs/` holds six real run directories (whole, as `odoo-chaos run` wrote them,
compressed) recorded on 2026-12-07 by commit 6a58439, before the pure core was split from the
stack: baseline, a manual failover, a point-in-time restore that lost writes on purpose, a Redis
outage, a Patroni failover and an async lagging standby that lost 100 acknowledged writes. `check`
must verify each manifest and recompute every verdict, figure and report exactly as stored.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from harness.verdict.recheck import recheck

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rundirs"

# scenario -> (overall verdict, lost writes, RTO, every check with its status), as report.json stored them
EXPECTED: dict[str, tuple[str, int, float | None, tuple[tuple[str, str], ...]]] = {
    "baseline": ("pass", 0, None, (("rto", "pass"), ("rpo", "pass"), ("outages", "pass"), ("availability", "pass"), ("liveness", "pass"), ("latency", "pass"), ("sessions", "pass"), ("redundancy", "pass"))),
    "db-primary-kill": ("warn", 0, 5.857, (("rto", "pass"), ("rpo", "pass"), ("outages", "pass"), ("availability", "pass"), ("liveness", "pass"), ("latency", "pass"), ("sessions", "warn"), ("redundancy", "pass"), ("runbook", "pass"), ("steady-state", "pass"), ("guardrails", "pass"))),
    "db-logical-corruption-pitr": ("warn", 66, 8.203, (("rto", "pass"), ("rpo", "warn"), ("pitr", "pass"), ("restore", "pass"), ("outages", "pass"), ("availability", "pass"), ("liveness", "pass"), ("latency", "pass"), ("sessions", "warn"), ("redundancy", "pass"), ("runbook", "pass"), ("steady-state", "pass"))),
    "redis-outage": ("pass", 0, 15.309, (("rto", "pass"), ("rpo", "pass"), ("outages", "pass"), ("availability", "pass"), ("liveness", "pass"), ("latency", "pass"), ("sessions", "pass"), ("redundancy", "pass"), ("steady-state", "pass"))),
    "patroni-primary-kill": ("warn", 0, 9.869, (("rto", "pass"), ("failover", "pass"), ("rpo", "pass"), ("split-brain", "pass"), ("outages", "pass"), ("availability", "pass"), ("liveness", "pass"), ("latency", "pass"), ("sessions", "warn"), ("redundancy", "pass"), ("steady-state", "pass"))),
    "lagging-standby-failover": ("warn", 100, 21.766, (("rto", "pass"), ("failover", "pass"), ("rpo", "warn"), ("split-brain", "pass"), ("outages", "pass"), ("availability", "pass"), ("liveness", "pass"), ("latency", "pass"), ("sessions", "warn"), ("redundancy", "pass"), ("steady-state", "pass"))),
}


def _scenario_of(archive: Path) -> str:
    return archive.name.removesuffix(".tar.xz").split("Z-", 1)[1][:-7]


ARCHIVES = sorted(FIXTURES.glob("*.tar.xz"))


def test_every_expected_run_directory_is_there() -> None:
    assert sorted(_scenario_of(a) for a in ARCHIVES) == sorted(EXPECTED)


@pytest.mark.parametrize("archive", ARCHIVES, ids=_scenario_of)
def test_an_old_run_directory_is_judged_as_it_was(archive: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    (run_dir,) = tmp_path.iterdir()
    assert recheck(run_dir) == []
    report = json.loads((run_dir / "report.json").read_text())
    verdict, lost, rto, checks = EXPECTED[_scenario_of(archive)]
    assert (report["verdict"], report["lost_writes"], report["rto_seconds"]) == (verdict, lost, rto)
    assert tuple((c["checker"], c["status"]) for c in report["checks"]) == checks
