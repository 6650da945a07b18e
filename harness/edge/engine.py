"""The Docker engine, typed: every call the harness makes to the Docker SDK goes through this module.

The SDK (`docker`, untyped) is the one place where `Any` is unavoidable; it stays in here. The
rest of the harness sees `Container`, `Network`, `Volume` and `Image` with typed operations, and
creates containers from a `ContainerSpec`. Why the SDK and not Testcontainers' `DockerContainer`
for the stack's services: a service must sit on two or three networks *before* it starts (its
zone, the inter-zone link, the edge), publish its ports on 127.0.0.1 only, carry the run's labels
and a fast-failing resolver, and be cleaned up by label (Testcontainers' reaper is an image from a
registry), and its `DockerContainer` pulls a missing image from a registry and joins the host's
network on machines with `/.dockerenv`: none of that fits a machine without a registry. So the
harness drives the Docker SDK itself, through this one typed module.

Every object the harness creates carries `odoo-chaos.run=<run id>`; `containers(label=...)`,
`networks(...)` and `volumes(...)` list by label only.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import os
import subprocess
import tarfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

import docker
from docker.errors import APIError, BuildError, DockerException, ImageNotFound, NotFound

from harness.core.commands import Exec
from harness.core.errors import DockerUnavailable, HarnessError, ImageBuildFailed, PortInUse

LOOPBACK = "127.0.0.1"
FAST_RESOLVER = ("timeout:1", "attempts:1", "ndots:0")  # a dead service's name fails in 1 s, not 10

__all__ = [
    "LOOPBACK",
    "Container",
    "ContainerSpec",
    "Engine",
    "Gone",
    "Image",
    "Network",
    "Volume",
    "build_image",
    "client",
    "connect",
    "container",
    "containers",
    "create_container",
    "create_network",
    "create_volume",
    "image",
    "image_size",
    "images_tagged",
    "import_image",
    "load_images",
    "network",
    "networks",
    "save_images",
    "volume",
    "volumes",
]


class Gone(HarnessError):
    """The object is not (or no longer) on the engine."""


@cache
def client() -> Any:
    """A connected SDK client, or DockerUnavailable naming the fix."""
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except DockerException as exc:
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise DockerUnavailable(
            f"no Docker engine answers at {host} ({_short(exc)}); start one "
            "(`bash .ci/bootstrap` installs docker.io and starts dockerd) or set DOCKER_HOST"
        ) from None
    return client


class Engine:
    """Another Docker engine than this process's default: a target's, reached as its file says."""

    def __init__(self, raw: Any, host: str) -> None:
        self._raw = raw
        self.host = host

    def listed(self) -> list[tuple[str, str, dict[str, str], str, str]]:
        """Every container on it: (name, id, labels, status, image tag or id)."""
        rows = []
        for raw in self._raw.containers.list(all=True):
            tags = raw.attrs.get("Config", {}).get("Image") or raw.attrs.get("Image", "")
            rows.append((str(raw.name), str(raw.id), {str(k): str(v) for k, v in (raw.labels or {}).items()},
                         str(raw.status), str(tags)))  # fmt: skip
        return rows

    def container(self, name: str) -> Container:
        try:
            return Container(self._raw.containers.get(name))
        except NotFound:
            raise Gone(f"container {name} is not on the engine at {self.host}") from None

    def version(self) -> str:
        return str(self._raw.version().get("Version", "?"))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()


def connect(host: str, tls: tuple[str, str, str] | None = None, what: str = "the target's engine") -> Engine:
    """A pinged client of the engine at `host` (unix://, tcp:// with TLS client certificates (ca, cert, key),
    or ssh:// through the system's ssh), or DockerUnavailable naming the address and the cause."""
    from docker.tls import TLSConfig

    try:
        config = TLSConfig(client_cert=(tls[1], tls[2]), ca_cert=tls[0], verify=True) if tls else None
        # the API version is asked after the session is set up (the SDK's "auto" asks inside its constructor)
        raw = docker.DockerClient(
            base_url=host, tls=config, timeout=60, version="1.24", use_ssh_client=host.startswith("ssh://")
        )
        if config is not None:
            # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override the session's CA (psf/requests#3829):
            # with either set (Debian images often do), the target's own CA would be ignored and its engine
            # refused as "self-signed certificate in certificate chain"
            raw.api.trust_env = False
        raw.api._version = raw.api._retrieve_server_version()
        raw.ping()
    except DockerException as exc:
        raise DockerUnavailable(f"no Docker engine answers at {host}, {what} ({_short(exc)})") from None
    except Exception as exc:  # TLS and socket errors surface raw from requests/urllib3
        raise DockerUnavailable(f"no Docker engine answers at {host}, {what} ({_short(exc)})") from None
    return Engine(raw, host)


def _short(exc: Exception) -> str:
    """The cause in a few words, not the SDK's nested repr."""
    text = str(exc)
    for needle, reason in (
        ("FileNotFoundError", "socket not found"),
        ("Connection refused", "connection refused"),
        ("Permission denied", "permission denied"),
        ("timed out", "timed out"),
        ("CERTIFICATE_VERIFY_FAILED", "its TLS certificate is not signed by the given ca"),
        ("SSLError", "TLS handshake failed"),
    ):
        if needle in text:
            return reason
    return " ".join(text.split())[:120] or type(exc).__name__


class Container:
    """One container on the engine, with the operations the harness performs on it."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    @property
    def name(self) -> str:
        return str(self._raw.name)

    @property
    def id(self) -> str:
        return str(self._raw.id)

    @property
    def short_id(self) -> str:
        return str(self._raw.short_id)

    @property
    def labels(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self._raw.labels or {}).items()}

    @property
    def status(self) -> str:
        """The state right now (`running`, `paused`, `exited`, ...), read from the engine."""
        self.refresh()
        return str(self._raw.status)

    def refresh(self) -> None:
        try:
            self._raw.reload()
        except NotFound:
            raise Gone(f"container {self._raw.name} is gone") from None

    def _attrs(self) -> dict[str, Any]:
        attrs: dict[str, Any] = self._raw.attrs
        return attrs

    @property
    def pid(self) -> int:
        self.refresh()
        return int(self._attrs()["State"]["Pid"])

    @property
    def exit_code(self) -> int | None:
        code = self._attrs().get("State", {}).get("ExitCode")
        return None if code is None else int(code)

    def addresses(self) -> dict[str, str]:
        """Docker network name -> this container's IPv4 address on it."""
        self.refresh()
        return {
            str(name): str(net.get("IPAddress", ""))
            for name, net in self._attrs()["NetworkSettings"]["Networks"].items()
        }

    def volume_at(self, path: str) -> str | None:
        """The named volume mounted at `path`, if any."""
        for mount in self._attrs().get("Mounts", []):
            if mount.get("Destination") == path and mount.get("Name"):
                return str(mount["Name"])
        return None

    def env(self) -> dict[str, str]:
        pairs = self._attrs().get("Config", {}).get("Env") or []
        return dict(str(item).split("=", 1) for item in pairs if "=" in str(item))

    def image(self) -> Image:
        raw = self._raw.image
        return Image(str(raw.id), tuple(str(t) for t in raw.tags), {})

    def exec(
        self, command: Sequence[str], user: str | None = None, environment: Mapping[str, str] | None = None
    ) -> Exec:
        result = self._raw.exec_run(list(command), user=user or "", environment=dict(environment or {}) or None)
        code = int(result.exit_code if result.exit_code is not None else -1)
        return Exec(code, result.output.decode(errors="replace"))

    def netns_exec(self, command: Sequence[str]) -> Exec:
        pid = self.pid
        if pid == 0:
            raise HarnessError(f"{self.name} is not running: its network namespace is gone")
        try:
            done = subprocess.run(
                ["nsenter", "-t", str(pid), "-n", *command], capture_output=True, text=True, timeout=10, check=False
            )
        except FileNotFoundError as exc:
            hint = "install util-linux and iproute2 (`.ci/bootstrap` does)"
            raise HarnessError(f"{exc.filename} not found: {hint}") from None
        return Exec(done.returncode, done.stdout + done.stderr)

    def pause(self) -> None:
        self._raw.pause()

    def unpause(self) -> None:
        self._raw.unpause()

    def kill(self, signal: str | None = None) -> None:
        if signal is None:
            self._raw.kill()
        else:
            self._raw.kill(signal=signal)

    def stop(self, timeout: float) -> None:
        self._raw.stop(timeout=int(timeout))

    def start(self) -> None:
        self._raw.start()

    def restart(self, timeout: float) -> None:
        self._raw.restart(timeout=int(timeout))

    def wait(self, timeout: float) -> int:
        """Block until the container stops (at most `timeout` s); its exit code. Raises on timeout."""
        status = self._raw.wait(timeout=timeout)
        return int(status.get("StatusCode", -1))

    def logs(self, tail: int = 50, timestamps: bool = False) -> bytes:
        data: bytes = self._raw.logs(tail=tail, timestamps=timestamps)
        return data

    def last_lines(self, count: int = 5) -> list[str]:
        return self.logs(tail=count).decode(errors="replace").strip().splitlines()

    def put_files(self, files: Mapping[str, tuple[bytes, int]]) -> None:
        self._raw.put_archive("/", _tar(files))

    def get_archive(self, path: str) -> bytes:
        stream, _ = self._raw.get_archive(path)
        return b"".join(stream)

    def remove(self, volumes: bool = True) -> bool:
        """Remove it (forced); False when it was gone already or another removal was under way."""
        try:
            self._raw.remove(force=True, v=volumes)
        except NotFound:
            return False
        except APIError as exc:
            if exc.status_code == 409:  # another teardown of the same run got there first
                return False
            raise
        return True


@dataclass(frozen=True, slots=True)
class Image:
    id: str
    tags: tuple[str, ...]
    labels: dict[str, str]


class Network:
    def __init__(self, raw: Any) -> None:
        self._raw = raw

    @property
    def name(self) -> str:
        return str(self._raw.name)

    @property
    def labels(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self._raw.attrs.get("Labels") or {}).items()}

    def connect(self, container: Container, aliases: Sequence[str] = (), address: str | None = None) -> None:
        """Attach `container`; `address`: the IPv4 address it had here before (only on a network with its
        own subnet; an address taken meanwhile falls back to a new one)."""
        try:
            self._raw.connect(container.id, aliases=list(aliases) or None, ipv4_address=address)
        except APIError:
            if address is None:
                raise
            self._raw.connect(container.id, aliases=list(aliases) or None)

    @property
    def subnet(self) -> str | None:
        configs = (self._raw.attrs.get("IPAM") or {}).get("Config") or []
        return str(configs[0]["Subnet"]) if configs and configs[0].get("Subnet") else None

    def disconnect(self, container: Container) -> None:
        self._raw.disconnect(container.id, force=True)

    def remove(self) -> bool:
        try:
            self._raw.remove()
        except (NotFound, APIError):
            return False
        return True


class Volume:
    def __init__(self, raw: Any) -> None:
        self._raw = raw

    @property
    def name(self) -> str:
        return str(self._raw.name)

    @property
    def labels(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self._raw.attrs.get("Labels") or {}).items()}

    def remove(self) -> bool:
        try:
            self._raw.remove(force=True)
        except (NotFound, APIError):  # in use by a container another teardown is removing: its turn next
            return False
        return True


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    """Everything a container is created with; published ports always bind 127.0.0.1."""

    image: str
    name: str
    labels: dict[str, str]
    # (network, aliases, fixed IPv4 or None); the first is joined at creation
    networks: tuple[tuple[Network, tuple[str, ...], str | None], ...] = ()
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    ports: Mapping[int, int | None] = field(default_factory=dict)  # container port -> 127.0.0.1 port (None: any)
    volumes: dict[str, tuple[str, str]] = field(default_factory=dict)  # volume or host path -> (bind, mode)
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # copied in before the start
    user: str | None = None
    network_disabled: bool = False
    fast_resolver: bool = True


def create_container(spec: ContainerSpec, *, start: bool = True) -> Container:
    """Create (and start) a container: every network joined and every file in place before it runs."""
    sdk = client()
    options: dict[str, Any] = {
        "name": spec.name,
        "labels": spec.labels,
        "environment": spec.environment,
        "ports": {f"{port}/tcp": (LOOPBACK, host) for port, host in spec.ports.items()},
        "volumes": {source: {"bind": bind, "mode": mode} for source, (bind, mode) in spec.volumes.items()},
        "detach": True,
    }
    if spec.command is not None:
        options["command"] = list(spec.command)
    if spec.entrypoint is not None:
        options["entrypoint"] = list(spec.entrypoint)
    if spec.user:
        options["user"] = spec.user
    if spec.fast_resolver:
        options["dns_opt"] = list(FAST_RESOLVER)
    if spec.network_disabled:
        options["network_disabled"] = True
    elif spec.networks:
        first, aliases, address = spec.networks[0]
        options["network"] = first.name
        endpoint = sdk.api.create_endpoint_config(aliases=list(aliases) or None, ipv4_address=address)
        options["networking_config"] = {first.name: endpoint}
    try:
        made = Container(sdk.containers.create(spec.image, **options))
    except ImageNotFound:
        raise ImageBuildFailed(
            f"image {spec.image} is not in the local Docker engine; run `odoo-chaos images build`"
        ) from None
    for net, aliases, address in spec.networks[1:]:
        net.connect(made, aliases, address)
    if spec.files:
        made.put_files(spec.files)
    if start:
        try:
            made.start()
        except APIError as exc:
            text = str(exc.explanation or exc)
            if "port is already allocated" in text or "address already in use" in text:
                ports = ", ".join(str(p) for p in spec.ports.values() if p)
                raise PortInUse(
                    f"port {ports or '?'} on 127.0.0.1 is already in use; pick another with the port "
                    "options (see --help) or stop what is listening there"
                ) from None
            raise
        made.refresh()
    return made


def container(name: str) -> Container:
    try:
        return Container(client().containers.get(name))
    except NotFound:
        raise Gone(f"no container {name}") from None


def containers(label: str) -> list[Container]:
    """Every container (running or not) carrying `label` (`key` or `key=value`)."""
    return [Container(raw) for raw in client().containers.list(all=True, filters={"label": label})]


SUBNET_POOL = ipaddress.ip_network("192.168.0.0/16")  # the /24s a stack's networks are cut from


def _taken_subnets() -> list[ipaddress.IPv4Network]:
    """Subnets in use: every Docker network's, and the host's own routes (never shadow a real network)."""
    taken: list[ipaddress.IPv4Network] = []
    for net in client().networks.list():
        for config in (net.attrs.get("IPAM") or {}).get("Config") or []:
            with contextlib.suppress(KeyError, ValueError, TypeError):
                found = ipaddress.ip_network(config["Subnet"], strict=False)
                if isinstance(found, ipaddress.IPv4Network):
                    taken.append(found)
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/route").read_text().splitlines()[1:]:
            fields = line.split()
            if len(fields) > 7 and fields[1] != "00000000":
                destination = ipaddress.IPv4Address(int(fields[1], 16).to_bytes(4, "little"))
                mask = ipaddress.IPv4Address(int(fields[7], 16).to_bytes(4, "little"))
                taken.append(ipaddress.IPv4Network(f"{destination}/{mask}", strict=False))
    return taken


def create_network(name: str, *, internal: bool, labels: dict[str, str]) -> Network:
    """A bridge network with a subnet of its own (a free /24 of 192.168.0.0/16), so a container cut off
    and reconnected by a partition gets its old address back (`Network.connect(address=...)`): a node
    that heals from a partition keeps its IP, as a real one does, and peers that cached it (Patroni
    caches DNS answers) reach it again. Falls back to Docker's own choice when no /24 is free."""
    sdk = client()
    for _ in range(3):  # another run may take the same /24 between the listing and the creation
        taken = _taken_subnets()
        free = next((c for c in SUBNET_POOL.subnets(new_prefix=24) if not any(c.overlaps(t) for t in taken)), None)
        if free is None:
            break
        # Docker hands out addresses from the upper half only; the stack's fixed ones live in the lower
        # half, so a one-off task container can never take the address of a node that is stopped
        dynamic = list(free.subnets(new_prefix=25))[1]
        pool = docker.types.IPAMPool(subnet=str(free), iprange=str(dynamic))
        try:
            ipam = docker.types.IPAMConfig(pool_configs=[pool])
            return Network(sdk.networks.create(name, driver="bridge", internal=internal, labels=labels, ipam=ipam))
        except APIError as exc:
            if "overlap" not in str(exc).lower():
                raise
    return Network(sdk.networks.create(name, driver="bridge", internal=internal, labels=labels))


def network(name: str) -> Network:
    try:
        return Network(client().networks.get(name))
    except NotFound:
        raise Gone(f"no network {name}") from None


def networks(label: str) -> list[Network]:
    return [Network(raw) for raw in client().networks.list(filters={"label": label})]


def create_volume(name: str, *, labels: dict[str, str]) -> Volume:
    return Volume(client().volumes.create(name, labels=labels))


def volume(name: str) -> Volume:
    try:
        return Volume(client().volumes.get(name))
    except NotFound:
        raise Gone(f"no volume {name}") from None


def volumes(label: str) -> list[Volume]:
    return [Volume(raw) for raw in client().volumes.list(filters={"label": label})]


def image(tag: str) -> Image | None:
    try:
        raw = client().images.get(tag)
    except ImageNotFound:
        return None
    return Image(str(raw.id), tuple(str(t) for t in raw.tags), {str(k): str(v) for k, v in (raw.labels or {}).items()})


def build_image(
    path: str,
    tag: str,
    *,
    buildargs: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
    what: str | None = None,
) -> str:
    """`docker build` of a directory; the image id. ImageBuildFailed `building <what> failed: ...` (what:
    the tag by default) with the last lines of output."""
    what = what or tag
    try:
        built, logs = client().images.build(
            path=path, tag=tag, rm=True, forcerm=True, buildargs=buildargs or {}, labels=labels or {}
        )
        for chunk in logs:
            line = str(chunk.get("stream", "")).strip()
            if line and on_line is not None:
                on_line(line)
    except BuildError as exc:
        tail = [str(c.get("stream", c.get("error", ""))).strip() for c in exc.build_log][-3:]
        raise ImageBuildFailed(
            f"building {what} failed: {exc.msg}; last output: {' | '.join(t for t in tail if t)[:300]}"
        ) from None
    except APIError as exc:
        raise ImageBuildFailed(f"building {what} failed: {exc.explanation}") from None
    return str(built.id)


def images_tagged(prefix: str) -> list[Image]:
    """Every local image with a tag starting with `prefix` (`odoo-chaos/`), with only those tags."""
    found = []
    for raw in client().images.list():
        tags = tuple(sorted(str(t) for t in raw.tags if str(t).startswith(prefix)))
        if tags:
            found.append(Image(str(raw.id), tags, {str(k): str(v) for k, v in (raw.labels or {}).items()}))
    return sorted(found, key=lambda found_image: found_image.tags)


def image_size(tag: str) -> int:
    """Bytes of an image's layers as the engine reports them (shared layers counted in each image)."""
    return int(client().images.get(tag).attrs.get("Size") or 0)


def _long_client() -> Any:
    """A client for transfers of gigabytes: no read timeout (the engine may think for minutes between chunks)."""
    client()  # a missing engine is reported in client()'s words
    return docker.from_env(timeout=None)


def save_images(tags: Sequence[str], sink: IO[bytes], on_bytes: Callable[[int], None] | None = None) -> int:
    """`docker save` of several images into one archive (the layers they share are written once); bytes written.

    The SDK saves one image per call (`Image.save`); the engine's own endpoint takes several names,
    so this calls it through the SDK's low-level client.
    """
    api = _long_client().api
    written = 0
    try:
        response = api._get(api._url("/images/get"), params={"names": list(tags)}, stream=True)
        api._raise_for_status(response)
        for chunk in response.iter_content(chunk_size=1 << 20):
            sink.write(chunk)
            written += len(chunk)
            if on_bytes is not None:
                on_bytes(written)
    except APIError as exc:
        raise HarnessError(f"the Docker engine could not save {', '.join(tags)}: {_explain(exc)}") from None
    except DockerException as exc:
        raise HarnessError(f"saving images failed: {_short(exc)}") from None
    return written


def load_images(chunks: Iterator[bytes]) -> list[str]:
    """`docker load` of an archive read from `chunks`; the tags (or ids) the engine says it loaded."""
    loaded: list[str] = []
    try:
        for message in _long_client().api.load_image(chunks):
            if message.get("error") or message.get("errorDetail"):
                detail = message.get("error") or message["errorDetail"].get("message", "")
                raise HarnessError(f"the Docker engine refused the archive: {' '.join(str(detail).split())[:200]}")
            text = str(message.get("stream", "")).strip()
            for prefix in ("Loaded image: ", "Loaded image ID: "):
                if text.startswith(prefix):
                    loaded.append(text[len(prefix) :])
    except APIError as exc:
        raise HarnessError(f"the Docker engine refused the archive: {_explain(exc)}") from None
    except DockerException as exc:
        raise HarnessError(f"loading images failed: {_short(exc)}") from None
    return loaded


def _explain(exc: APIError) -> str:
    return " ".join(str(exc.explanation or exc).split())[:200]


def import_image(stream: IO[bytes], repository: str, tag: str, changes: Sequence[str]) -> None:
    """`docker import` of a root file system tarball (own client: may run in a thread)."""
    docker.from_env(timeout=600).api.import_image_from_stream(
        stream, repository=repository, tag=tag, changes=list(changes)
    )


def _tar(files: Mapping[str, tuple[bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, (content, mode) in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(content)
            info.mode = mode
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Ignore the engine's errors (best-effort cleanup of objects that may be gone already)."""
    with contextlib.suppress(DockerException, HarnessError):
        yield
