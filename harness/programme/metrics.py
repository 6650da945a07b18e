"""OpenMetrics text for node_exporter's textfile collector: the latest run per scenario, proof ages, controls.

`write_metrics(path, runs=..., proofs=..., controls=...)` is the one call behind `--metrics-file` (on
`freshness` and `controls` here, on `run` for the CLI's owner): it writes the file atomically (a temporary
file renamed over it, as the textfile collector asks) and returns the text. Names and labels are stable;
dashboards and alerts may rely on them:

- `odoo_chaos_last_run_timestamp_seconds{scenario, tier}`: start of the latest run (Unix time);
- `odoo_chaos_last_rto_seconds{scenario, tier}`: its RTO (the lower bound when a journey was not
  back), NaN when none;
- `odoo_chaos_last_rpo_seconds{scenario, tier}`: its RPO, NaN when none;
- `odoo_chaos_last_lost_writes{scenario, tier}`: acknowledged writes it lost, NaN when unknown;
- `odoo_chaos_last_verdict{scenario, tier, verdict}`: 1 for the run's verdict, 0 for the three
  others (pass, warn, fail, unknown);
- `odoo_chaos_proof_age_seconds{row, scenario, tier}`: age of the drill's latest proof for the
  programme row, +Inf when it has none;
- `odoo_chaos_proof_max_age_seconds{row, scenario, tier}`: how old it may be (the row's `every`);
- `odoo_chaos_proof_stale{row, scenario, tier}`: 1 when the proof is stale or missing, else 0;
- `odoo_chaos_control_pass{control}`: 1 when the SLA control passed at its last check, else 0 (`controls`:
  `tls-min-version`, `password-hashing`, ... see `harness.programme.controls`);
- `odoo_chaos_control_status{control, status}`: 1 for the control's status, 0 for the three others (pass,
  warn, fail, unknown);
- `odoo_chaos_control_checked_timestamp_seconds{control}`: when it was checked (Unix time).

`tier` is the tier the run was judged against (last_*) or the programme row's tier (proof_*). Only
gauges with HELP, TYPE and UNIT lines and a final `# EOF` are written: valid OpenMetrics that
node_exporter's Prometheus-text parser also reads. An alert on a stale proof:
`odoo_chaos_proof_stale == 1`; on a control: `odoo_chaos_control_pass == 0`. Give each command its own file
in the collector's directory: a family written by two files would be collected twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from harness.programme.controls import STATUSES, Control
from harness.programme.freshness import RowStatus
from harness.programme.records import VERDICTS, RunRecord, parse_time

PREFIX = "odoo_chaos_"

_FAMILIES: dict[str, tuple[str, str]] = {  # name -> (help, unit)
    "last_run_timestamp_seconds": ("Start of the latest run of the scenario against the tier (Unix time).", "seconds"),
    "last_rto_seconds": (
        "RTO of the latest run (the lower bound when a journey was still down at the end); NaN when none.",
        "seconds",
    ),
    "last_rpo_seconds": ("RPO of the latest run; NaN when none.", "seconds"),
    "last_lost_writes": ("Acknowledged writes the latest run lost; NaN when unknown.", ""),
    "last_verdict": ("Verdict of the latest run: 1 for its verdict, 0 for the others.", ""),
    "proof_age_seconds": (
        "Age of the latest proof of the drill for the programme row; +Inf when there is none.",
        "seconds",
    ),
    "proof_max_age_seconds": ("How old the proof may be before it is stale (the row's frequency).", "seconds"),
    "proof_stale": ("1 when the drill's proof for the programme row is stale or missing, else 0.", ""),
    "control_pass": ("1 when the SLA control passed at its last check, else 0.", ""),
    "control_status": ("Status of the SLA control at its last check: 1 for its status, 0 for the others.", ""),
    "control_checked_timestamp_seconds": ("When the SLA control was last checked (Unix time).", "seconds"),
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _value(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(float(value)) if isinstance(value, float) else str(value)


def _sample(name: str, labels: dict[str, str], value: float | int | None) -> str:
    text = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
    return f"{PREFIX}{name}{{{text}}} {_value(value)}"


def latest_runs(runs: Iterable[RunRecord]) -> list[RunRecord]:
    """The latest run of each (scenario, tier), in scenario then tier order."""
    latest: dict[tuple[str, str], RunRecord] = {}
    for record in runs:
        key = (record.scenario, record.tier)
        if key not in latest or (record.started, record.path) > (latest[key].started, latest[key].path):
            latest[key] = record
    return [latest[key] for key in sorted(latest)]


def _checked(control: Control) -> float | None:
    try:
        return parse_time(control.checked_at).timestamp()
    except ValueError:
        return None


def metrics_text(
    runs: Sequence[RunRecord] = (), proofs: Sequence[RowStatus] = (), controls: Sequence[Control] = ()
) -> str:
    """The OpenMetrics exposition for the latest of `runs` per scenario, the drills of `proofs`, and `controls`."""
    samples: dict[str, list[str]] = {name: [] for name in _FAMILIES}
    for record in latest_runs(runs):
        labels = {"scenario": record.scenario, "tier": record.tier}
        samples["last_run_timestamp_seconds"].append(
            _sample("last_run_timestamp_seconds", labels, record.started.timestamp())
        )
        samples["last_rto_seconds"].append(_sample("last_rto_seconds", labels, record.rto_value))
        samples["last_rpo_seconds"].append(_sample("last_rpo_seconds", labels, record.rpo_seconds))
        samples["last_lost_writes"].append(_sample("last_lost_writes", labels, record.lost_writes))
        for verdict in VERDICTS:
            samples["last_verdict"].append(
                _sample("last_verdict", labels | {"verdict": verdict}, int(record.verdict == verdict))
            )
    for row in proofs:
        for status in row.drills:
            labels = {"row": row.row.id, "scenario": status.drill.scenario, "tier": status.drill.tier}
            age = math.inf if status.age_seconds is None else status.age_seconds
            samples["proof_age_seconds"].append(_sample("proof_age_seconds", labels, age))
            samples["proof_max_age_seconds"].append(_sample("proof_max_age_seconds", labels, status.drill.every))
            samples["proof_stale"].append(_sample("proof_stale", labels, int(status.state != "fresh")))
    for control in controls:
        labels = {"control": control.name}
        samples["control_pass"].append(_sample("control_pass", labels, int(control.status == "pass")))
        for state in STATUSES:
            samples["control_status"].append(
                _sample("control_status", labels | {"status": state}, int(control.status == state))
            )
        samples["control_checked_timestamp_seconds"].append(
            _sample("control_checked_timestamp_seconds", labels, _checked(control))
        )
    lines: list[str] = []
    for name, (text, unit) in _FAMILIES.items():
        if not samples[name]:
            continue
        lines.append(f"# HELP {PREFIX}{name} {text}")
        lines.append(f"# TYPE {PREFIX}{name} gauge")
        if unit:
            lines.append(f"# UNIT {PREFIX}{name} {unit}")
        lines += samples[name]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def write_metrics(
    path: Path, runs: Sequence[RunRecord] = (), proofs: Sequence[RowStatus] = (), controls: Sequence[Control] = ()
) -> str:
    """Write the exposition to `path` and return it: a file atomically (textfile collector safe), a device or
    FIFO (`/dev/stdout`) written into, never replaced (`harness.files.outputs`)."""
    from harness.files.outputs import write_output

    text = metrics_text(runs, proofs, controls)
    write_output(path, text.encode("utf-8"), "--metrics-file")
    return text


def write_index_metrics(path: Path, reports: Path) -> str:
    """`run --metrics-file F`: the latest run of every scenario in the reports directory's index, written to F."""
    from harness.programme.index import index_path_for, load_records

    return write_metrics(path, runs=load_records(index_path_for(reports)))
