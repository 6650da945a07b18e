"""Bench: the HA mode (Patroni + etcd + HAProxy) by hand, from harness.stack.patroni's container definitions.

Brings up 3 etcd members, 2 Patroni nodes (pg-primary bootstraps from the Odoo database snapshot)
and HAProxy on networks like the stack's (zone-a, zone-b, zone-c, interzone internal; edge for
127.0.0.1 ports), every object labelled `odoo-chaos.run=<run id>` and removed by that label, and
measures:

    python bench/patroni_cluster.py up [--preset default|tuned] [--runs 3]
        docker start -> etcd quorum, writable leader, streaming replica, a write through HAProxy
    python bench/patroni_cluster.py failover --preset default|tuned [--runs 3]
        docker kill of the leader -> new leader; the old one restarted -> streaming (pg_rewind)
    python bench/patroni_cluster.py etcd-quorum --failsafe false|true [--preset default|tuned] [--observe 60]
        kill 2 of 3 etcd members: does the leader demote, and when
    python bench/patroni_cluster.py switchover [--preset default|tuned] [--runs 3]
        patronictl switchover
    python bench/patroni_cluster.py sync --mode strict|on [--freeze 20]
        docker pause of the synchronous standby: do writes block
    python bench/patroni_cluster.py partition [--preset tuned] [--runs 3]
        cut the leader's zone off interzone, heal; roles read from inside the containers
    python bench/patroni_cluster.py all
        every measurement above, one cluster at a time

Times are from the moment the docker call returned (kill, pause, start) to the first poll that saw
the condition; polls run every 0.1 s, so each figure reads up to ~0.1 s (plus one query) high.
Needs the images (`ODOO_CHAOS_IMAGE_SETS=default,ha odoo-chaos images build`) and builds the seed
snapshot and the Patroni seed image when missing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from harness.edge import cleanup, images, labels
from harness.edge.credentials import Credentials
from harness.edge.engine import client as docker_client
from harness.stack import patroni as ha
from harness.stack import seed
from harness.stack.containers import free_port
from harness.stack.endpoints import LOOPBACK
from harness.stack.topology import PG_PORT, PG_PRIMARY, PG_STANDBY

T = TypeVar("T")
PRESETS = {"default": ha.DEFAULTS, "tuned": ha.TUNED}
POLL = 0.1


def say(message: str) -> None:
    print(message, flush=True)


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 120.0, since: float | None = None) -> float:
    """Poll `check` every POLL s until it returns something truthy; seconds since `since` (default: now)."""
    start = since if since is not None else time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return time.monotonic() - start
        except Exception:
            pass
        time.sleep(POLL)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


class HaCluster:
    """One throwaway HA cluster: networks, volumes and containers from `ha.definitions`, torn down by label."""

    def __init__(self, settings: ha.HaSettings) -> None:
        self.settings = settings
        self.run_id = labels.new_run_id()
        self.credentials = Credentials()
        self.client = docker_client()
        self.containers: dict[str, Any] = {}
        self.ports: dict[tuple[str, int], int] = {}
        self.started_at = 0.0

    def __enter__(self) -> HaCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    # --- lifecycle ---------------------------------------------------------------------------
    def create(self) -> None:
        for tag in (images.ETCD, images.PATRONI, images.HAPROXY):
            images.ensure_image(tag, say)
        seed_tag = seed.ensure_seed(images.DEFAULT_ODOO_IMAGE, images.POSTGRES.tag, say)
        patroni_seed = seed.ensure_seed_on(images.PATRONI.tag, seed_tag, say)
        run_labels = labels.run_labels(self.run_id)
        networks = {
            name: self.client.networks.create(
                labels.object_name(self.run_id, name), driver="bridge", internal=internal, labels=run_labels
            )
            for name, internal in ha.HA_NETWORKS.items()
        }
        volumes = {
            role: self.client.volumes.create(labels.object_name(self.run_id, role), labels=run_labels).name
            for role in ("pg-primary-data", "pg-standby-data", "backup-repo")
        }
        for definition in ha.definitions(self.run_id, self.settings, self.credentials, patroni_seed):
            first = networks[definition.networks[0]]
            endpoint = self.client.api.create_endpoint_config(
                aliases=definition.aliases_on(definition.networks[0]) or None
            )
            container = self.client.containers.create(
                definition.image,
                command=list(definition.command) if definition.command is not None else None,
                name=labels.object_name(self.run_id, definition.service),
                environment=dict(definition.env),
                labels=labels.service_labels(self.run_id, definition.service),
                # fixed host ports (as the stack does): a restarted container would get new random ones
                ports={
                    f"{port}/tcp": (LOOPBACK, self.ports.setdefault((definition.service, port), free_port()))
                    for port in definition.published
                },
                volumes={volumes[role]: {"bind": mount, "mode": "rw"} for role, mount in definition.volumes},
                network=first.name,
                networking_config={first.name: endpoint},
                dns_opt=["timeout:1", "attempts:1", "ndots:0"],
                detach=True,
            )
            for network in definition.networks[1:]:
                networks[network].connect(container, aliases=definition.aliases_on(network) or None)
            self.containers[definition.service] = container
        self.networks = networks

    def start(self) -> float:
        """Start etcd, wait for its quorum, pg-primary, wait for its leader lock, then the rest.

        Returns the monotonic time of the first start call.

        Patroni started before etcd has a quorum finds no cluster version ("not_decided"), logs it
        and sleeps 5 s before asking again ("waiting on etcd"): waiting for etcd first is faster.
        """
        self.started_at = time.monotonic()
        for member in ha.ETCD_MEMBERS:
            self.containers[member].start()
        self.etcd_ready = wait_for("etcd quorum", self.etcd_healthy, 60, self.started_at)
        self.containers[PG_PRIMARY].start()
        # pg-standby started before pg-primary holds the leader lock finds "no leader" and sleeps
        # loop_wait (10 s by default) before it looks again; started after, it clones at once.
        self.leader_ready = wait_for(
            "pg-primary holds the leader lock and takes writes",
            lambda: self.holds_lock(PG_PRIMARY) and self.writable(PG_PRIMARY),
            60,
            self.started_at,
        )
        for service, container in self.containers.items():
            if service not in (*ha.ETCD_MEMBERS, PG_PRIMARY):
                container.start()
        return self.started_at

    def down(self) -> None:
        """Remove the run by label; with $HA_BENCH_LOGS set, keep every container's log there first."""
        folder = os.environ.get("HA_BENCH_LOGS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            for service, container in self.containers.items():
                with contextlib.suppress(Exception):
                    (Path(folder) / f"{self.run_id}-{service}.log").write_bytes(container.logs())
        cleanup.remove_run(self.run_id)

    # --- asking the nodes ---------------------------------------------------------------------
    def container(self, service: str) -> Any:
        container = self.containers[service]
        container.reload()
        return container

    def state(self, node: str) -> ha.NodeState:
        """GET /patroni through the node's published port (fast; the bench's timing probe)."""
        try:
            url = f"http://{LOOPBACK}:{self.ports[(node, ha.PATRONI_API_PORT)]}/patroni"
            with urllib.request.urlopen(url, timeout=1) as response:
                return ha.parse_node_state(response.read().decode())
        except Exception as exc:  # 503 still carries the JSON
            body = getattr(exc, "read", None)
            return ha.parse_node_state(body().decode()) if callable(body) else ha.NodeState("down", "", None, "")

    def holds_lock(self, node: str) -> bool:
        """GET /leader answers 200 only on the node holding the leader lock (/patroni's role is PostgreSQL's)."""
        url = f"http://{LOOPBACK}:{self.ports[(node, ha.PATRONI_API_PORT)]}/leader"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except Exception:
            return False

    def state_inside(self, node: str) -> ha.NodeState:
        """The same question asked inside the node's container (works while it is cut off from every network)."""
        result = self.container(node).exec_run(list(ha.ROLE_COMMAND))
        return ha.parse_node_state(result.output.decode(errors="replace"))

    def psql_inside(self, node: str, sql: str) -> str:
        result = self.container(node).exec_run(["psql", "-XAtc", sql], user="postgres")
        return str(result.output.decode(errors="replace")).strip()

    def dsn(self, node: str, port: int | None = None) -> str:
        port = port or self.ports[(node, PG_PORT)]
        return (
            f"host={LOOPBACK} port={port} dbname=postgres user=postgres password={self.credentials.postgres_password} "
            "connect_timeout=1"
        )

    def haproxy_dsn(self) -> str:
        return self.dsn(ha.HAPROXY, self.ports[(ha.HAPROXY, ha.HAPROXY_PRIMARY_PORT)])

    def write(self, dsn: str, timeout_ms: int = 2000) -> bool:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"SET statement_timeout = {timeout_ms}")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS ha_bench "
                "(id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())"
            )
            conn.execute("INSERT INTO ha_bench DEFAULT VALUES")
        return True

    def writable(self, node: str) -> bool:
        return self.write(self.dsn(node))

    def streaming(self, leader: str, follower: str) -> bool:
        with psycopg.connect(self.dsn(leader), autocommit=True) as conn:
            row = conn.execute(
                "SELECT state FROM pg_stat_replication WHERE application_name = %s", (follower,)
            ).fetchone()
        return row is not None and row[0] == "streaming"

    def leader(self) -> str | None:
        found = [n for n in ha.PATRONI_NODES if self.state(n).role == "primary"]
        return found[0] if len(found) == 1 else None

    def wait_healthy(self, timeout: float = 120.0) -> tuple[str, str]:
        """Until one node is a writable leader and the other streams from it; (leader, replica)."""
        wait_for("a single leader", self.leader, timeout)
        leader = self.leader()
        assert leader is not None
        replica = other(leader)
        wait_for(f"{leader} writable", lambda: self.writable(leader), timeout)
        wait_for(f"{replica} streaming from {leader}", lambda: self.streaming(leader, replica), timeout)
        return leader, replica

    def etcd_healthy(self) -> bool:
        result = self.containers[ha.ETCD_C].exec_run(list(ha.ETCD_HEALTH_COMMAND))
        return bool(result.exit_code == 0)

    def logs(self, service: str, since: float) -> str:
        return str(self.container(service).logs(since=int(since)).decode(errors="replace"))


def other(node: str) -> str:
    return PG_STANDBY if node == PG_PRIMARY else PG_PRIMARY


@contextlib.contextmanager
def cluster(settings: ha.HaSettings) -> Iterator[tuple[HaCluster, dict[str, float]]]:
    """A started cluster and its start-up timings (seconds after the first docker start)."""
    with HaCluster(settings) as c:
        c.create()
        t0 = c.start()
        timings = {
            "etcd quorum": c.etcd_ready,
            "leader writable": c.leader_ready,  # measured inside start(): pg-standby starts only after it
            "replica streaming": wait_for("pg-standby streaming", lambda: c.streaming(PG_PRIMARY, PG_STANDBY), 120, t0),
            "haproxy routes writes": wait_for("write through HAProxy", lambda: c.write(c.haproxy_dsn()), 60, t0),
        }
        say(f"run {c.run_id} up: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
        yield c, timings


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- measurements ------------------------------------------------------------------------------


def bench_up(preset: str, runs: int) -> None:
    results: dict[str, list[float]] = {}
    for _ in range(runs):
        with cluster(PRESETS[preset]) as (_c, timings):
            for key, value in timings.items():
                results.setdefault(key, []).append(value)
    for key, values in results.items():
        say(f"up ({preset}): {key}: median {median(values):.1f} s ({', '.join(f'{v:.1f}' for v in values)})")


def bench_failover(preset: str, runs: int) -> None:
    settings = PRESETS[preset]
    leader_s: list[float] = []
    writable_s: list[float] = []
    haproxy_s: list[float] = []
    rejoin_s: list[float] = []
    with cluster(settings) as (c, _):
        for run in range(1, runs + 1):
            leader, replica = c.wait_healthy()
            since_wall = time.time()
            c.container(leader).kill()
            killed = time.monotonic()
            leader_s.append(wait_for(f"{replica} leader", lambda r=replica: c.state(r).role == "primary", 120, killed))
            writable_s.append(wait_for(f"{replica} writable", lambda r=replica: c.writable(r), 60, killed))
            haproxy_s.append(wait_for("HAProxy write", lambda: c.write(c.haproxy_dsn()), 60, killed))
            time.sleep(1)
            c.container(leader).start()
            restarted = time.monotonic()
            rejoin_s.append(
                wait_for(
                    f"{leader} streaming from {replica}", lambda r=replica, o=leader: c.streaming(r, o), 180, restarted
                )
            )
            log = c.logs(leader, since_wall)
            method = "pg_rewind" if "pg_rewind" in log else "no rewind logged"
            say(
                f"failover {preset} #{run}: {leader} killed -> {replica} leader after {leader_s[-1]:.1f} s, writable "
                f"{writable_s[-1]:.1f} s, via HAProxy {haproxy_s[-1]:.1f} s; {leader} restarted -> streaming after "
                f"{rejoin_s[-1]:.1f} s ({method})"
            )
    say(
        f"failover {preset} (ttl {settings.ttl}/loop_wait {settings.loop_wait}/"
        f"retry_timeout {settings.retry_timeout}), "
        f"median of {runs}: new leader {median(leader_s):.1f} s, writable {median(writable_s):.1f} s, "
        f"HAProxy {median(haproxy_s):.1f} s, old leader streaming {median(rejoin_s):.1f} s after its restart"
    )


def bench_etcd_quorum(failsafe: bool, preset: str, observe: float) -> None:
    base = PRESETS[preset]
    settings = ha.HaSettings(base.ttl, base.loop_wait, base.retry_timeout, failsafe_mode=failsafe)
    with cluster(settings) as (c, _):
        leader, _ = c.wait_healthy()
        time.sleep(settings.loop_wait + 1)  # the leader writes the /failsafe key on its next loop
        victims = [m for m in ha.ETCD_MEMBERS if ha.ha_service(m).zone != ha.ha_service(leader).zone][:2]
        for member in victims:
            c.container(member).kill()
        killed = time.monotonic()
        first_failure: float | None = None
        demoted: float | None = None
        while time.monotonic() - killed < observe:
            try:
                c.writable(leader)
            except Exception:
                first_failure = first_failure or time.monotonic() - killed
            if demoted is None and c.state(leader).role != "primary":
                demoted = time.monotonic() - killed
            time.sleep(0.2)
        states = {n: c.state_inside(n) for n in ha.PATRONI_NODES}
        say(
            f"etcd quorum lost ({', '.join(victims)} killed; failsafe_mode {failsafe}, {preset}): "
            + (
                f"{leader} demoted after {demoted:.1f} s"
                if demoted is not None
                else f"{leader} still primary after {observe:.0f} s"
            )
            + (
                f", first failed write {first_failure:.1f} s"
                if first_failure is not None
                else ", every write succeeded"
            )
            + f"; roles inside: {', '.join(f'{n}={s.role}' for n, s in states.items())}"
        )
        for member in victims:
            c.container(member).start()
        back = time.monotonic()
        healed = wait_for(
            "a writable leader after etcd is back",
            lambda: any(_safe(c.writable, n) for n in ha.PATRONI_NODES if c.state(n).role == "primary"),
            180,
            back,
        )
        leader2, replica2 = c.wait_healthy()
        say(
            f"  etcd back: writable leader {healed:.1f} s after the restart ({leader2}), "
            f"{replica2} streaming {time.monotonic() - back:.1f} s"
        )


def _safe(fn: Callable[[str], bool], node: str) -> bool:
    try:
        return fn(node)
    except Exception:
        return False


def bench_switchover(preset: str, runs: int) -> None:
    command_s: list[float] = []
    writable_s: list[float] = []
    streaming_s: list[float] = []
    with cluster(PRESETS[preset]) as (c, _):
        for run in range(1, runs + 1):
            leader, replica = c.wait_healthy()
            started = time.monotonic()
            result = c.container(leader).exec_run(
                ["patronictl", "switchover", "--leader", leader, "--candidate", replica, "--force"], user="postgres"
            )
            command_s.append(time.monotonic() - started)
            assert result.exit_code == 0, result.output.decode()
            writable_s.append(
                wait_for(
                    f"{replica} writable", lambda r=replica: c.state(r).role == "primary" and c.writable(r), 60, started
                )
            )
            streaming_s.append(
                wait_for(f"{leader} streaming", lambda r=replica, o=leader: c.streaming(r, o), 120, started)
            )
            say(
                f"switchover #{run} {leader} -> {replica}: patronictl returned after {command_s[-1]:.1f} s, new leader "
                f"writable {writable_s[-1]:.1f} s, {leader} streaming {streaming_s[-1]:.1f} s"
            )
    say(
        f"switchover ({preset}), median of {runs}: patronictl {median(command_s):.1f} s, new leader writable "
        f"{median(writable_s):.1f} s, old leader streaming {median(streaming_s):.1f} s"
    )


def bench_sync(mode: str, freeze: float) -> None:
    settings = ha.HaSettings(ha.TUNED.ttl, ha.TUNED.loop_wait, ha.TUNED.retry_timeout, synchronous_mode=mode)  # type: ignore[arg-type]
    with cluster(settings) as (c, _):
        leader, replica = c.wait_healthy()
        wait_for(
            "a synchronous standby",
            lambda: c.psql_inside(leader, "SELECT sync_state FROM pg_stat_replication") == "sync",
            60,
        )
        names = c.psql_inside(leader, "SHOW synchronous_standby_names")
        say(f"sync {mode}: synchronous_standby_names on {leader} = {names}; {replica} sync")
        c.container(replica).pause()
        paused = time.monotonic()
        done: dict[str, float] = {}

        errors: list[str] = []

        def writer() -> None:
            try:
                with psycopg.connect(c.dsn(leader), autocommit=True) as conn:
                    started = time.monotonic()
                    conn.execute("INSERT INTO ha_bench DEFAULT VALUES")
                    done["insert"] = time.monotonic() - started
                    done["at"] = time.monotonic()
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}".strip())
                done["failed_at"] = time.monotonic()

        time.sleep(1)
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        thread.join(freeze)
        if "insert" in done:
            say(
                f"  {replica} frozen: a write issued 1 s later committed after {done['insert']:.1f} s "
                f"({done['at'] - paused:.1f} s after the pause)"
            )
        else:
            say(f"  {replica} frozen: a write issued 1 s after the pause was still waiting after {freeze:.0f} s")
        names = c.psql_inside(leader, "SHOW synchronous_standby_names")
        unpausing = time.monotonic()  # before the call: the commit may land before it returns
        c.container(replica).unpause()
        thread.join(60)
        if "at" in done and done["at"] > unpausing:
            unpaused = unpausing
            say(
                f"  {replica} unfrozen: the waiting write committed {done['at'] - unpaused:.2f} s later; "
                f"synchronous_standby_names while frozen = {names}"
            )
        else:
            say(f"  synchronous_standby_names while frozen = {names}; the write: {errors or done}")


def bench_partition(preset: str, runs: int, observe: float = 90.0) -> None:
    """Cut the leader's zone (its etcd member and its node) off interzone, then heal; `runs` times on one cluster."""
    settings = PRESETS[preset]
    demoted_s: list[float] = []
    promoted_s: list[float] = []
    rejoined_s: list[float] = []
    with cluster(settings) as (c, _):
        for run in range(1, runs + 1):
            leader, replica = c.wait_healthy()
            zone = ha.ha_service(leader).zone
            cut_off = [s.name for s in ha.HA_SERVICES if s.zone == zone]
            for service in cut_off:
                c.networks["interzone"].disconnect(c.container(service), force=True)
            cut = time.monotonic()
            seen: dict[str, float] = {}
            while time.monotonic() - cut < 120 and len(seen) < 2:
                if "demoted" not in seen and c.state_inside(leader).role != "primary":
                    seen["demoted"] = time.monotonic() - cut
                if "promoted" not in seen and c.holds_lock(replica) and _safe(c.writable, replica):
                    seen["promoted"] = time.monotonic() - cut
                time.sleep(POLL)
            demoted_s.append(seen.get("demoted", float("nan")))
            promoted_s.append(seen.get("promoted", float("nan")))
            inside = {n: c.state_inside(n) for n in ha.PATRONI_NODES}
            say(
                f"partition #{run} ({', '.join(cut_off)} off interzone, {preset}): {leader} stopped being primary "
                f"after {demoted_s[-1]:.1f} s (asked inside), {replica} leader and writable after "
                f"{promoted_s[-1]:.1f} s; inside: " + ", ".join(f"{n}={s.role}/{s.state}" for n, s in inside.items())
            )
            for service in cut_off:
                c.networks["interzone"].connect(c.container(service), aliases=[service])
            healed = time.monotonic()
            try:
                back = wait_for(
                    f"{leader} streaming from {replica}", lambda r=replica, o=leader: c.streaming(r, o), observe, healed
                )
                rejoined_s.append(back)
                say(f"  healed: {replica} still leader, {leader} streaming from it {back:.1f} s after reconnecting")
            except TimeoutError:
                listing = c.container(replica).exec_run(list(ha.CLUSTER_COMMAND)).output.decode(errors="replace")
                say(
                    f"  healed: {leader} not streaming from {replica} within {observe:.0f} s; "
                    f"patronictl list: {listing}"
                )
                return
    say(
        f"partition ({preset}), median of {runs}: old leader stopped {median(demoted_s):.1f} s, new leader writable "
        f"{median(promoted_s):.1f} s, old leader streaming {median(rejoined_s):.1f} s after the heal"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["up", "failover", "etcd-quorum", "switchover", "sync", "partition", "all"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default")
    parser.add_argument("--failsafe", choices=["false", "true"], default="false")
    parser.add_argument("--observe", type=float, default=60.0)
    parser.add_argument("--mode", choices=["strict", "on"], default="strict")
    parser.add_argument("--freeze", type=float, default=20.0)
    args = parser.parse_args()
    if args.what == "up":
        bench_up(args.preset, args.runs)
    if args.what == "all":
        bench_up("default", args.runs)
        bench_up("tuned", args.runs)
    if args.what == "failover":
        bench_failover(args.preset, args.runs)
    if args.what == "all":
        bench_failover("default", args.runs)
        bench_failover("tuned", args.runs)
    if args.what == "etcd-quorum":
        bench_etcd_quorum(args.failsafe == "true", args.preset, args.observe)
    if args.what == "all":
        bench_etcd_quorum(False, "default", args.observe)
        bench_etcd_quorum(True, "default", args.observe)
    if args.what == "switchover":
        bench_switchover(args.preset, args.runs)
    if args.what == "all":
        bench_switchover("default", args.runs)
        bench_switchover("tuned", args.runs)
    if args.what == "sync":
        bench_sync(args.mode, args.freeze)
    if args.what == "all":
        bench_sync("strict", args.freeze)
        bench_sync("on", args.freeze)
    if args.what in ("partition", "all"):
        bench_partition("tuned" if args.what == "all" else args.preset, args.runs)


if __name__ == "__main__":
    main()
