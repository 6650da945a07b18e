"""pytest plugin (entry point `pytest11`): put drills in a platform team's own test suite.

    @pytest.mark.scenario("db-primary-kill", tier="tier-1")
    def test_database_failover(scenario_outcome):
        assert scenario_outcome.report["rto_seconds"] < 30

- fixture `odoo_stack` (session scope): the reference stack, brought up the first time a test
  needs it and torn down after the last test that needs it (or at the end of the session, whatever
  happened); `odoo_patroni_stack` the same in Patroni mode. Which tests need which stack is read
  from their fixtures and their `scenario` marker, so two stacks share the machine only while
  both have tests left; a test that asks for a stack with `request.getfixturevalue` (not through
  its arguments or the marker) must also list the fixture with `@pytest.mark.usefixtures`;
- marker `scenario(name_or_path, tier=None, mode=None, load=None)`: before the test body runs, the
  drill runs on the session's stack of its mode (`mode`, else manual when the scenario can run
  there, else patroni), with Locust's `load` profile (a name in load-profiles/ or a path) if given,
  after a warm reset (`harness.drill.reset.warm_reset`), and the stack is warm-reset
  again after the test, so later tests find it as before (not when the next test is a drill on
  the same stack, which resets it first, nor after the session's last test). A `fail` verdict fails the
  test, and so does `unknown` (the drill could not measure); the message names the run
  directory, which is also attached to the test as the `odoo_chaos_run_dir` property (it shows
  in `--junitxml` reports). `pass` and `warn` let the test body run;
- fixture `scenario_outcome`: the `RunOutcome` of the test's drill (report, verdict, run_dir).

Options: `--odoo-chaos-scenarios DIR` (where a bare name is looked up; default `scenarios/`
under the rootdir), `--odoo-chaos-out DIR` (run directories; default `reports/`),
`--odoo-chaos-tiers FILE` (your own tiers file), `--odoo-chaos-patroni KEY=VALUE,...` (the Patroni
stack's settings; default Patroni's own), `--odoo-chaos-db-endpoint libpq|haproxy` (how Odoo finds
the Patroni leader; default libpq).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.core.errors import HarnessError
from harness.drill.reset import warm_reset
from harness.drill.runner import RunOutcome, run_scenario
from harness.files import resources
from harness.files.tiers import get_tier, load_tiers
from harness.load.profile import LoadProfile, load_profile
from harness.scenario.load import load_scenario
from harness.scenario.model import Scenario
from harness.stack.factory import make_stack
from harness.stack.patroni import parse_settings
from harness.stack.stack import Stack, StackConfig

OUTCOME = pytest.StashKey[RunOutcome]()
NEEDS = pytest.StashKey[frozenset[str]]()  # the stack modes a test uses
DRILL_MODE = pytest.StashKey[str | None]()  # the stack mode a test's drill runs on (None: no drill to run)
FIXTURES = {"manual": "odoo_stack", "patroni": "odoo_patroni_stack"}


class SessionStacks:
    """The session's stacks by mode: each is torn down after the last test that needs it."""

    def __init__(self) -> None:
        self.up: dict[str, Stack] = {}

    def start(self, mode: str, stack: Stack) -> Stack:
        self.up[mode] = stack.__enter__()
        return stack

    def stop(self, mode: str) -> None:
        stack = self.up.pop(mode, None)
        if stack is not None:
            _progress(f"no test left needs the {mode} stack: tearing it down")
            stack.__exit__(None, None, None)


STACKS = pytest.StashKey[SessionStacks]()
DIRTY = pytest.StashKey[dict[str, Stack]]()  # mode -> a stack a drill ran on, not warm-reset since


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("odoo-chaos", "odoo-chaos drills")
    group.addoption(
        "--odoo-chaos-scenarios",
        default=None,
        help="directory of scenario files (default: scenarios/, else the shipped ones)",
    )
    group.addoption("--odoo-chaos-out", default=None, help="where run directories are written (default: reports/)")
    group.addoption("--odoo-chaos-tiers", default=None, help="tiers YAML (default: the shipped tiers/tiers.yaml)")
    group.addoption(
        "--odoo-chaos-db-endpoint",
        default="libpq",
        choices=("libpq", "haproxy"),
        help="how Odoo finds the leader on the Patroni stack: libpq multi-host or haproxy",
    )
    group.addoption(
        "--odoo-chaos-patroni",
        default=None,
        help="the Patroni stack's settings, KEY=VALUE,... (e.g. ttl=10,loop_wait=1,retry_timeout=3)",
    )
    group.addoption("--odoo-chaos-odoo-image", default=None, help="your Odoo image (local; default: the bundled 11.0)")
    group.addoption(
        "--odoo-chaos-odoo-addons",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of your own Odoo modules, repeatable (appended to the addons path)",
    )
    group.addoption("--odoo-chaos-odoo-config", default=None, metavar="FILE", help="your odoo.conf")
    group.addoption("--odoo-chaos-install", default=None, metavar="MODULES", help="your modules to install, a,b,c")


def _team_odoo(config: pytest.Config) -> dict[str, Any]:
    """The stacks' Odoo as the command line of pytest asked for (the bundled one by default)."""
    from harness.cli.options import team_odoo

    image = config.getoption("--odoo-chaos-odoo-image")
    given_config = config.getoption("--odoo-chaos-odoo-config")
    try:
        fields = team_odoo(
            [Path(p) for p in config.getoption("--odoo-chaos-odoo-addons")],
            Path(given_config) if given_config else None,
            config.getoption("--odoo-chaos-install"),
        )
    except HarnessError as exc:
        named = str(exc).replace("--odoo-", "--odoo-chaos-odoo-").replace("--install", "--odoo-chaos-install")
        raise pytest.UsageError(named) from None
    return {**fields, **({"odoo_image": str(image)} if image else {})}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "scenario(name, tier=None, mode=None, load=None): run the named odoo-chaos drill on the session's stack "
        "of its mode; a fail verdict fails the test",
    )
    config.addinivalue_line("markers", "drills: runs whole odoo-chaos drills (`pytest -m 'not drills'` skips them)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A drill (`@pytest.mark.scenario`) is also marked `drills`, so `-m "not drills"` is a fast loop."""
    for item in items:
        if item.get_closest_marker("scenario") is not None:
            item.add_marker(pytest.mark.drills)


def mode_of(marker: pytest.Mark, scenario: Scenario | None) -> str:
    """The stack mode a drill runs on: the marker's `mode`, else manual when the scenario can run
    there, else patroni."""
    if marker.kwargs.get("mode"):
        return str(marker.kwargs["mode"])
    return "manual" if scenario is not None and "manual" in scenario.modes else "patroni"


def drill_mode(item: pytest.Item) -> str | None:
    """The stack mode `item`'s drill runs on (it warm-resets that stack first); None when it is no
    drill, or its scenario cannot be read (it fails before any reset). Read once per test."""
    if DRILL_MODE in item.stash:
        return item.stash[DRILL_MODE]
    marker = item.get_closest_marker("scenario")
    found: str | None = None
    if marker is not None and marker.args:
        if marker.kwargs.get("mode"):
            found = mode_of(marker, None)
        else:
            try:
                found = mode_of(marker, load_scenario(scenario_path(str(marker.args[0]), item.config)))
            except HarnessError:
                found = None
    item.stash[DRILL_MODE] = found
    return found


def needs(item: pytest.Item) -> frozenset[str]:
    """The stack modes `item` uses: from its fixtures, and for a drill from its marker (an explicit
    `mode`, else the scenario's own: manual when it can run there). A drill whose file cannot be
    read counts as needing both (its fixture reports the error)."""
    found = item.stash.get(NEEDS, None)
    if found is not None:
        return found
    names = set(getattr(item, "fixturenames", ()))
    modes = {mode for mode, fixture in FIXTURES.items() if fixture in names}
    marker = item.get_closest_marker("scenario")
    if marker is not None and marker.args:
        mode = drill_mode(item)
        modes.update([mode] if mode else FIXTURES)
    found = frozenset(modes)
    item.stash[NEEDS] = found
    return found


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a test's own teardown: warm-reset the stack a drill left behind, unless the next test
    is a drill on that stack (it resets first) or no remaining test needs it; then tear down every
    session stack no remaining test needs. After the last test the fixtures' finalizers take over."""
    yield
    dirty = item.config.stash.get(DIRTY, {})
    stacks = item.config.stash.get(STACKS, None)
    if nextitem is None:
        dirty.clear()  # the session's stacks go down with their fixtures
        return
    items = item.session.items
    remaining = items[items.index(nextitem) :] if nextitem in items else [nextitem]
    wanted = set().union(*(needs(later) for later in remaining))
    resets_first = drill_mode(nextitem)
    for mode, stack in list(dirty.items()):
        if mode == resets_first:
            continue
        del dirty[mode]
        if mode in wanted:
            warm_reset(stack, _progress)  # leave the shared stack as the next test expects it
    if stacks is not None:
        for mode in [m for m in stacks.up if m not in wanted]:
            stacks.stop(mode)


def _session_stacks(config: pytest.Config) -> SessionStacks:
    if STACKS not in config.stash:
        config.stash[STACKS] = SessionStacks()
    return config.stash[STACKS]


def _progress(message: str) -> None:
    print(f"[odoo-chaos] {message}", file=sys.stderr, flush=True)


@pytest.fixture(scope="session")
def odoo_stack(pytestconfig: pytest.Config) -> Iterator[Stack]:
    """The reference stack, until the last test that needs it; torn down whatever happened."""
    stacks = _session_stacks(pytestconfig)
    try:
        yield stacks.start("manual", Stack(StackConfig(**_team_odoo(pytestconfig)), progress=_progress))
    finally:
        stacks.stop("manual")


@pytest.fixture(scope="session")
def odoo_patroni_stack(pytestconfig: pytest.Config) -> Iterator[Stack]:
    """The reference stack in Patroni mode, until the last test that needs it; torn down whatever happened."""
    given = pytestconfig.getoption("--odoo-chaos-patroni")
    values = dict(item.split("=", 1) for item in str(given).split(",") if "=" in item) if given else {}
    try:
        settings = parse_settings(values)
    except ValueError as exc:
        raise pytest.UsageError(f"--odoo-chaos-patroni: {exc}") from None
    endpoint = str(pytestconfig.getoption("--odoo-chaos-db-endpoint"))
    stacks = _session_stacks(pytestconfig)
    try:
        config = StackConfig(ha="patroni", patroni=settings, db_endpoint=endpoint, **_team_odoo(pytestconfig))
        yield stacks.start("patroni", make_stack(config, progress=_progress))
    finally:
        stacks.stop("patroni")


def scenario_path(name: str, config: pytest.Config) -> Path:
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate if candidate.is_absolute() else config.rootpath / candidate
    directory = config.getoption("--odoo-chaos-scenarios") or config.rootpath / resources.SCENARIOS
    if not Path(directory).is_dir() and not config.getoption("--odoo-chaos-scenarios"):
        directory = resources.packaged(resources.SCENARIOS)  # a project without its own scenarios: the shipped ones
    return Path(directory) / f"{name}.yaml"


@pytest.fixture(autouse=True)
def _odoo_chaos_drill(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("scenario")
    if marker is None:
        yield
        return
    if not marker.args:
        raise pytest.UsageError(f"{request.node.nodeid}: @pytest.mark.scenario needs a scenario name")
    config = request.config
    try:
        scenario = load_scenario(scenario_path(str(marker.args[0]), config))
        tiers_file = config.getoption("--odoo-chaos-tiers")
        tier = get_tier(
            marker.kwargs.get("tier") or scenario.tier, load_tiers(Path(tiers_file) if tiers_file else None)
        )
    except HarnessError as exc:
        pytest.fail(f"odoo-chaos: {exc}", pytrace=False)
    mode = mode_of(marker, scenario)
    if mode not in scenario.modes:
        pytest.fail(f"odoo-chaos: scenario {scenario.name} cannot run in {mode} mode", pytrace=False)
    profile = _load_profile(marker.kwargs.get("load"), config)
    stack: Stack = request.getfixturevalue(FIXTURES[mode])
    warm_reset(stack, _progress)  # whatever earlier tests did to the shared stack, the drill starts clean
    # warm-reset again after the test (in pytest_runtest_teardown), even if the drill raises; skipped
    # when the next test is a drill on the same stack, which resets it first anyway
    config.stash.setdefault(DIRTY, {})[mode] = stack
    out = Path(config.getoption("--odoo-chaos-out") or config.rootpath / "reports")
    outcome = run_scenario(scenario, tier, out, stack=stack, progress=_progress, load=profile)
    request.node.stash[OUTCOME] = outcome
    request.node.user_properties.append(("odoo_chaos_run_dir", str(outcome.run_dir)))
    yield


def _load_profile(name: object, config: pytest.Config) -> LoadProfile | None:
    if name is None:
        return None
    path = Path(str(name))
    if path.suffix not in (".yaml", ".yml"):
        path = config.rootpath / "load-profiles" / f"{name}.yaml"
    try:
        return load_profile(path if path.is_absolute() else config.rootpath / path)
    except HarnessError as exc:
        pytest.fail(f"odoo-chaos: {exc}", pytrace=False)


@pytest.fixture
def scenario_outcome(request: pytest.FixtureRequest) -> RunOutcome:
    """The outcome of the drill named by the test's `scenario` marker."""
    if request.node.get_closest_marker("scenario") is None:
        raise pytest.UsageError("scenario_outcome needs @pytest.mark.scenario(...) on the test")
    outcome: RunOutcome = request.node.stash[OUTCOME]
    return outcome


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Fail the test (not error it) when its drill's verdict is fail or unknown."""
    outcome = item.stash.get(OUTCOME, None)
    if outcome is None or outcome.verdict in ("pass", "warn"):
        return
    reasons = [
        f"{v['checker']}: {v.get('reason') or v['status']}"
        for v in outcome.report.get("checks", [])
        if v.get("status") in ("fail", "unknown")
    ]
    aborted = outcome.report.get("aborted_reason")
    detail = "; ".join(([f"aborted: {aborted}"] if aborted else []) + reasons)
    pytest.fail(f"drill verdict {outcome.verdict}: {detail}; run directory: {outcome.run_dir}", pytrace=False)
