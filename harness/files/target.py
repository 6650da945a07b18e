"""A target file: a deployment the harness did not create, described so a drill may act on it (pure).

`odoo-chaos run DRILL.yaml --target staging.yaml`. The file says how to reach the Docker engine
(the local socket, `tcp://host:port` with TLS client certificates, or `ssh://`), which container
plays each of the harness's service names (`traefik` for the front door, `odoo-1`, `pg-primary`, ...,
by container name or by one label), the zones if the deployment has them, how Odoo is reached
(URL, database, login, and the *name* of the environment variable holding the password: a secret
is never written in the file) and how the final read reaches PostgreSQL (a DSN from an environment
variable, or `psql` inside a node's container). Those containers are the allow-list: the harness
acts on nothing else. `allow_destructive: true` is one of the two keys a data-destroying fault
needs (the other is `--confirm NAME` on the command line).

Validated whole with pydantic, like scenarios: one line naming the file and the field. `plan()`
is what `--dry-run` prints: everything the run would touch, before it touches anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator, model_validator

from harness.core.errors import HarnessError, shown
from harness.files.validation import first_problem, load_yaml

# The harness's service names a target maps (the names every scenario already uses).
REQUIRED_SERVICES = ("traefik", "odoo-1", "pg-primary")
OPTIONAL_SERVICES = ("odoo-2", "pg-standby", "redis", "backup")
SERVICES = (*REQUIRED_SERVICES, *OPTIONAL_SERVICES)
REGION = "region"
CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}")  # what Docker accepts as a name
LABEL = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.\-/]{0,127}=[^\s=]{1,128}")
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")
ZONE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
DATABASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
TARGET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
SECRET_WORDS = ("password", "secret", "token", "dsn", "key")  # a field holding one of these must be *_env


class InvalidTarget(HarnessError):
    """A target file that cannot be used; the message names the file and the field."""


def _refuse_secrets(data: Any) -> Any:
    """A literal secret (`password: hunter2`) is refused by name, before pydantic calls it unknown."""
    if isinstance(data, dict):
        for key, value in data.items():
            text = str(key)
            if isinstance(value, str) and text in SECRET_WORDS:
                raise ValueError(
                    f"{text}: a secret written in the file; put it in an environment variable and give that "
                    f"variable's name as {text}_env"
                )
    return data


class _Tls(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ca: Annotated[str, Strict(), Field(min_length=1, max_length=4096)]
    cert: Annotated[str, Strict(), Field(min_length=1, max_length=4096)]
    key: Annotated[str, Strict(), Field(min_length=1, max_length=4096)]


class _Engine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: Annotated[str, Strict(), Field(min_length=1, max_length=512)] = "unix:///var/run/docker.sock"
    tls: _Tls | None = None

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("unix", "tcp", "ssh"):
            raise ValueError(
                f"{shown(value)} is not a Docker engine address: unix:///var/run/docker.sock, tcp://HOST:PORT "
                "or ssh://USER@HOST (what DOCKER_HOST takes)"
            )
        if parts.scheme in ("tcp", "ssh") and not parts.hostname:
            raise ValueError(f"{shown(value)} names no host")
        if parts.scheme == "tcp" and parts.port is None:
            raise ValueError(f"{shown(value)} names no port (the engine's TLS port is usually 2376)")
        if parts.scheme == "unix" and not parts.path:
            raise ValueError(f"{shown(value)} names no socket path")
        return value

    @model_validator(mode="after")
    def _tls_only_on_tcp(self) -> _Engine:
        scheme = urlsplit(self.host).scheme
        if self.tls is not None and scheme != "tcp":
            raise ValueError(f"tls: client certificates are for a tcp:// engine, not {scheme}://")
        if scheme == "tcp" and self.tls is None:
            raise ValueError(
                "tls: a tcp:// engine needs TLS client certificates (ca, cert, key): an engine port without "
                "them lets anyone on the network be root on that host"
            )
        return self


class _Service(BaseModel):
    model_config = ConfigDict(extra="forbid")
    container: Annotated[str, Strict()] | None = None
    label: Annotated[str, Strict()] | None = None
    zone: Annotated[str, Strict()] | None = None

    @field_validator("container")
    @classmethod
    def _container(cls, value: str | None) -> str | None:
        if value is not None and not CONTAINER_NAME.fullmatch(value):
            raise ValueError(f"{shown(value)} is not a container name (letters, digits and _.- only)")
        return value

    @field_validator("label")
    @classmethod
    def _label(cls, value: str | None) -> str | None:
        if value is not None and not LABEL.fullmatch(value):
            raise ValueError(f"{shown(value)} is not a label selector such as com.acme.role=odoo (KEY=VALUE)")
        return value

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and (not ZONE.fullmatch(value) or value == REGION or value in SERVICES):
            raise ValueError(
                f"{shown(value)} is not a zone name (lower-case letters, digits and -, not 'region' "
                "nor a service name)"
            )
        return value

    @model_validator(mode="after")
    def _one_way(self) -> _Service:
        if (self.container is None) == (self.label is None):
            raise ValueError("give the container by name (container:) or by one label (label:), exactly one")
        return self


class _Odoo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[str, Strict(), Field(min_length=1, max_length=2048)]
    database: Annotated[str, Strict()]
    login: Annotated[str, Strict(), Field(min_length=1, max_length=256)]
    password_env: Annotated[str, Strict()]
    ca_file: Annotated[str, Strict(), Field(min_length=1, max_length=4096)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        return _refuse_secrets(data)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{shown(value)} is not an http(s):// URL of Odoo")
        if parts.username or parts.password:
            raise ValueError("a URL with credentials in it; name the password's variable in password_env instead")
        return value.rstrip("/")

    @field_validator("password_env")
    @classmethod
    def _env(cls, value: str) -> str:
        return _env_name(value)

    @field_validator("database")
    @classmethod
    def _database(cls, value: str) -> str:
        if not DATABASE.fullmatch(value):
            raise ValueError(f"{shown(value)} is not a database name (letters, digits and _.- only, at most 63)")
        return value


def _env_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise ValueError(f"{shown(value)} is not an environment variable name (upper-case letters, digits, _)")
    return value


class _FinalRead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dsn_env: Annotated[str, Strict()] | None = None
    psql_in: Annotated[str, Strict()] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        return _refuse_secrets(data)

    @field_validator("dsn_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return None if value is None else _env_name(value)

    @model_validator(mode="after")
    def _one_way(self) -> _FinalRead:
        if (self.dsn_env is None) == (self.psql_in is None):
            raise ValueError(
                "give exactly one way to PostgreSQL: dsn_env (a variable holding a DSN) or psql_in (a service "
                "whose container has psql, e.g. pg-primary)"
            )
        if self.psql_in is not None and self.psql_in not in ("pg-primary", "pg-standby"):
            raise ValueError(f"psql_in: {shown(self.psql_in)} is not pg-primary or pg-standby")
        return self


class _TargetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Strict()]
    description: Annotated[str, Strict(), Field(max_length=500)] = ""
    engine: _Engine = Field(default_factory=_Engine)
    services: dict[Annotated[str, Strict()], _Service]
    odoo: _Odoo
    final_read: _FinalRead
    allow_destructive: Annotated[bool, Strict()] = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not TARGET_NAME.fullmatch(value):
            raise ValueError(f"{shown(value)} is not a target name (lower-case letters, digits and -, at most 40)")
        return value

    @field_validator("services")
    @classmethod
    def _services(cls, value: dict[str, _Service]) -> dict[str, _Service]:
        unknown = [name for name in value if name not in SERVICES]
        if unknown:
            raise ValueError(f"{shown(unknown[0])} is not a service name; services are {', '.join(SERVICES)}")
        missing = [name for name in REQUIRED_SERVICES if name not in value]
        if missing:
            raise ValueError(f"{', '.join(missing)} missing: a target needs at least {', '.join(REQUIRED_SERVICES)}")
        named = [s.container for s in value.values() if s.container]
        twice = sorted({c for c in named if named.count(c) > 1})
        if twice:
            raise ValueError(f"container {twice[0]} is given for two services; each service is its own container")
        return value


@dataclass(frozen=True, slots=True)
class TargetService:
    name: str  # the harness's name for it: traefik, odoo-1, pg-primary, ...
    container: str | None
    label: str | None
    zone: str | None

    @property
    def selector(self) -> str:
        return f"container {self.container}" if self.container else f"the one container labelled {self.label}"


@dataclass(frozen=True, slots=True)
class Target:
    """A validated target file."""

    name: str
    source: str
    description: str
    engine_host: str
    tls: tuple[str, str, str] | None  # (ca, cert, key) paths, resolved against the file's folder
    services: tuple[TargetService, ...]
    odoo_url: str
    odoo_database: str
    odoo_login: str
    odoo_password_env: str
    odoo_ca_file: str | None
    final_read: tuple[Literal["dsn_env", "psql_in"], str]
    allow_destructive: bool

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.services)

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.zone for s in self.services if s.zone))


def parse_target(data: Any, source: str, folder: Path | None = None) -> Target:
    if not isinstance(data, dict):
        raise InvalidTarget(f"{source}: a target file is a mapping with name:, services:, odoo: and final_read:")
    try:
        model = _TargetFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidTarget(first_problem(exc, source)) from None
    read_in = model.final_read.psql_in
    if read_in is not None and read_in not in model.services:
        raise InvalidTarget(
            f"{source}: field final_read.psql_in: {read_in} is not one of this target's services "
            f"({', '.join(name for name in SERVICES if name in model.services)})"
        )
    base = folder or Path(".")
    tls = None
    if model.engine.tls is not None:
        paths = [base / p for p in (model.engine.tls.ca, model.engine.tls.cert, model.engine.tls.key)]
        for field, path in zip(("ca", "cert", "key"), paths, strict=True):
            if not path.is_file():
                raise InvalidTarget(f"{source}: field engine.tls.{field}: no file {shown(str(path))}")
        tls = (str(paths[0]), str(paths[1]), str(paths[2]))
    ca_file = None
    if model.odoo.ca_file is not None:
        ca_path = base / model.odoo.ca_file
        if not ca_path.is_file():
            raise InvalidTarget(f"{source}: field odoo.ca_file: no file {shown(str(ca_path))}")
        ca_file = str(ca_path)
    services = tuple(
        TargetService(name, spec.container, spec.label, spec.zone)
        for name in SERVICES
        if (spec := model.services.get(name)) is not None
    )
    given = model.final_read
    read: tuple[Literal["dsn_env", "psql_in"], str] = (
        ("dsn_env", given.dsn_env) if given.dsn_env else ("psql_in", given.psql_in or "")
    )
    return Target(
        name=model.name,
        source=source,
        description=model.description,
        engine_host=model.engine.host,
        tls=tls,
        services=services,
        odoo_url=model.odoo.url,
        odoo_database=model.odoo.database,
        odoo_login=model.odoo.login,
        odoo_password_env=model.odoo.password_env,
        odoo_ca_file=ca_file,
        final_read=read,
        allow_destructive=model.allow_destructive,
    )


def load_target(path: Path) -> Target:
    """Read and validate a target file (the safe reader first: no FIFO, device, alias bomb or UTF-16)."""
    data = load_yaml(path, "target file", InvalidTarget)
    return parse_target(data, str(path), path.parent)


def plan(target: Target) -> list[str]:
    """What a run on this target would touch, line by line, before it touches anything (`--dry-run`)."""
    engine = target.engine_host + (" (TLS client certificate)" if target.tls else "")
    lines = [
        f"target {target.name} ({target.source})" + (f": {target.description}" if target.description else ""),
        f"Docker engine: {engine}",
        "acts only on these containers (anything else is refused by name):",
    ]
    for service in target.services:
        zone = f", zone {service.zone}" if service.zone else ""
        lines.append(f"  {service.name}: {service.selector}{zone}")
    lines.append(
        f"Odoo: {target.odoo_url}, database {target.odoo_database}, login {target.odoo_login}, "
        f"password from ${target.odoo_password_env}"
    )
    how, value = target.final_read
    lines.append(
        "final read: " + (f"the DSN in ${value}" if how == "dsn_env" else f"psql inside {value}'s container")
    )
    lines.append(
        "data-destroying faults: "
        + (
            f"allowed by the file, and need --confirm {target.name} too"
            if target.allow_destructive
            else "refused (the file does not say allow_destructive: true)"
        )
    )
    return lines
