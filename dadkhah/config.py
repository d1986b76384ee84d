"""Settings, resolved in one direction: defaults, then ``DADKHAH_*`` environment variables,
then explicit overrides (CLI flags or a test's mapping).

Nothing reads the environment after start-up: the server copies these into ``app.config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_BASE_IRI = "https://dadkhah.example/id/"


def default_store_path() -> str:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(data_home) / "dadkhah" / "store")


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with its default."""

    store: str = field(default_factory=default_store_path)
    """Directory of the embedded Oxigraph store (created on first use)."""
    base_iri: str = DEFAULT_BASE_IRI
    """Base of every IRI Dadkhah mints; independent of the host the server runs on."""
    query_timeout: float = 30.0
    """Seconds a SPARQL query may run before it is stopped (503)."""
    update_token: str | None = None
    """Bearer token that enables SPARQL Update and Graph Store writes; none disables them."""
    union_default_graph: bool = True
    """Queries see the union of all named graphs as their default graph."""
    max_query_bytes: int = 128 * 1024
    """Longest query or update text the endpoint accepts (413 beyond)."""
    max_body_bytes: int = 16 * 1024 * 1024
    """Largest request body (Graph Store uploads, form posts) the server reads (413 beyond)."""
    max_concurrent: int = 6
    """SPARQL and Graph Store requests one server process runs at once (503 beyond)."""
    allow_service: bool = False
    """Let queries use SERVICE (federation) and updates use LOAD: the server then fetches
    from hosts a client names. Off by default."""
    max_update_quads: int = 1_000_000
    """SPARQL Update is validated on a private copy of the dataset; beyond this many quads
    it is refused (413) and writes go through the Graph Store Protocol instead."""
    engine_max_threads: int = 0
    """Threads the private query engine of ``dadkhah serve`` may hold before queries wait
    and then get 503 (it keeps one per query until the time limit has passed); 0: half of
    what the system allows a process."""

    def __post_init__(self) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ConfigError(f"base IRI {self.base_iri!r}: expected it to end with '/' or '#'")
        if self.query_timeout <= 0:
            raise ConfigError(f"query timeout {self.query_timeout}: expected a positive number")
        for name in ("max_query_bytes", "max_body_bytes", "max_concurrent", "max_update_quads"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} {getattr(self, name)}: expected a positive number")
        if self.engine_max_threads < 0:
            raise ConfigError(
                f"engine_max_threads {self.engine_max_threads}: expected 0 (automatic) or more"
            )

    @property
    def remote(self) -> bool:
        """True when ``store`` names a SPARQL server (http:// or https://), not a directory."""
        return self.store.startswith(("http://", "https://"))


_ENV = {f.name: "DADKHAH_" + f.name.upper() for f in fields(Settings)}
_INTS = (
    "max_query_bytes", "max_body_bytes", "max_concurrent", "max_update_quads",
    "engine_max_threads",
)  # fmt: skip


def _coerce(name: str, raw: str) -> Any:
    if name == "query_timeout":
        try:
            return float(raw)
        except ValueError as err:
            raise ConfigError(f"{_ENV[name]}={raw!r}: expected a number of seconds") from err
    if name in _INTS:
        try:
            return int(raw)
        except ValueError as err:
            raise ConfigError(f"{_ENV[name]}={raw!r}: expected a whole number") from err
    if name in ("union_default_graph", "allow_service"):
        if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
            raise ConfigError(f"{_ENV[name]}={raw!r}: expected true or false")
        return raw.lower() in {"1", "true", "yes"}
    return raw


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, overlaid by the environment, overlaid by ``overrides`` (``None`` values skip)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, var in _ENV.items():
        if env.get(var):
            values[name] = _coerce(name, env[var])
    for name, value in (overrides or {}).items():
        if value is not None:
            if name not in _ENV:
                raise ConfigError(f"unknown setting {name!r}")
            values[name] = value
    return replace(Settings(), **values)
