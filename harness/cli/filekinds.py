"""The kinds of file a user writes for the harness, recognised and validated by their own loaders.

A scenario, a tiers file, a load profile, a backup policy, a DR programme: `odoo-chaos validate`
checks any of them without Docker, with exactly the loader (and so exactly the one-line message)
that `run`, `load`, `backup retention` or `freshness` would give. The kind comes from, in order:
an explicit `--kind`; the file's name (`tiers.yaml`, `backup-policy.yaml`, `dr-programme.yaml`);
its folder (`scenarios/`, `tiers/`, `load-profiles/`, `profiles/`, `policies/`); and last its
top-level keys, read through the same hardened reader (`harness.files.validation.load_yaml`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import HarnessError, one_line
from harness.files.validation import load_yaml

SCENARIO = "scenario"
TIERS = "tiers"
PROFILE = "load-profile"
POLICY = "backup-policy"
PROGRAMME = "dr-programme"
KINDS: tuple[str, ...] = (SCENARIO, TIERS, PROFILE, POLICY, PROGRAMME)

_BY_NAME = {"tiers.yaml": TIERS, "backup-policy.yaml": POLICY, "dr-programme.yaml": PROGRAMME}
_BY_FOLDER = {
    "scenarios": SCENARIO,
    "tiers": TIERS,
    "load-profiles": PROFILE,
    "profiles": PROFILE,
    "policies": POLICY,
    "programmes": PROGRAMME,
}
# Keys only one kind has at its top level (every kind forbids keys it does not know).
_BY_KEY = {
    "tiers": TIERS,
    "rows": PROGRAMME,
    "promise": POLICY,
    "repository": POLICY,
    "steps": SCENARIO,
    "probes": SCENARIO,
    "steady_state": SCENARIO,
    "guard": SCENARIO,
    "settle": SCENARIO,
    "expect": SCENARIO,
    "summary": SCENARIO,
    "users": PROFILE,
    "spawn_rate": PROFILE,
    "tasks": PROFILE,
    "think_time": PROFILE,
    "user_class": PROFILE,
    "slo": PROFILE,
    "capacity": PROFILE,
    "workers": PROFILE,
}


class UnknownKind(HarnessError):
    """The file is none of the kinds the harness reads (or says too little to tell)."""


@dataclass(frozen=True, slots=True)
class Checked:
    path: Path
    kind: str | None  # None: the kind could not be told
    problem: str | None  # None: valid
    detail: str = ""  # what a valid file holds, in a few words

    @property
    def ok(self) -> bool:
        return self.problem is None


def kind_of(path: Path) -> str:
    """The kind of `path` by its name, its folder, then its top-level keys; UnknownKind when none fits."""
    if path.name in _BY_NAME:
        return _BY_NAME[path.name]
    if path.parent.name in _BY_FOLDER:
        return _BY_FOLDER[path.parent.name]
    data = load_yaml(path, "file", UnknownKind)
    keys = [str(key) for key in data] if isinstance(data, dict) else []
    kinds = {_BY_KEY[key] for key in keys if key in _BY_KEY}
    if len(kinds) == 1:
        return kinds.pop()
    hint = f"give --kind ({', '.join(KINDS)})"
    if len(kinds) > 1:
        raise UnknownKind(f"{path}: its keys belong to several kinds ({', '.join(sorted(kinds))}); {hint}")
    raise UnknownKind(f"{path}: cannot tell what kind of file this is; {hint}")


def check_file(
    path: Path,
    kind: str | None = None,
    *,
    tiers_file: Path | None = None,
    scenarios_dir: Path | None = None,
) -> Checked:
    """Validate `path` as `kind` (told from the file when None); never raises for a bad file."""
    try:
        chosen = kind or kind_of(path)
    except HarnessError as exc:
        return Checked(path, None, _named(path, str(exc)))
    try:
        detail = _CHECKS[chosen](path, tiers_file, scenarios_dir)
    except HarnessError as exc:
        return Checked(path, chosen, _named(path, str(exc)))
    return Checked(path, chosen, None, detail)


def _named(path: Path, message: str) -> str:
    """The message as one line that starts with the file (the loaders' do; a cross-check's may not)."""
    message = one_line(message)
    return message if message.startswith(str(path)) else f"{path}: {message}"


def _scenario(path: Path, tiers_file: Path | None, _: Path | None) -> str:
    from harness.files.tiers import get_tier, load_tiers
    from harness.scenario.load import load_scenario

    scenario = load_scenario(path)
    try:
        get_tier(scenario.tier, load_tiers(tiers_file))
    except HarnessError as exc:
        raise HarnessError(f"{path}: field tier: {exc}") from None
    steps = f"{len(scenario.steps)} step{'' if len(scenario.steps) == 1 else 's'}"
    return f"{scenario.name}: {steps} in {scenario.duration:g}s, tier {scenario.tier}"


def _tiers(path: Path, _: Path | None, __: Path | None) -> str:
    from harness.files.tiers import load_tiers

    return f"tiers {', '.join(load_tiers(path))}"


def _profile(path: Path, _: Path | None, __: Path | None) -> str:
    from harness.load.profile import load_profile

    profile = load_profile(path)
    return f"{profile.name}: {profile.users} users at {profile.spawn_rate:g}/s"


def _policy(path: Path, _: Path | None, __: Path | None) -> str:
    from harness.files.backup_policy import load_policy

    promise, _repository = load_policy(path)
    return f"promise {promise.daily} daily / {promise.weekly} weekly / {promise.monthly} monthly"


def _programme(path: Path, tiers_file: Path | None, scenarios_dir: Path | None) -> str:
    from harness.programme.programme import load_programme

    programme = load_programme(path, scenarios_dir=scenarios_dir, tiers_file=tiers_file)
    return f"{len(programme.rows)} rows, tier {programme.tier}"


_CHECKS: dict[str, Callable[[Path, Path | None, Path | None], str]] = {
    SCENARIO: _scenario,
    TIERS: _tiers,
    PROFILE: _profile,
    POLICY: _policy,
    PROGRAMME: _programme,
}
