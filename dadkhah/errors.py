"""One family of errors, each knowing how to read as a line and which HTTP status it is.

Library code raises these; ``dadkhah.cli`` turns them into one readable line and an exit
code, and the server's single error handler turns them into a response. Anything else that
escapes is a bug of ours and is reported as such (500, exit 2), never as the client's fault.
"""

from __future__ import annotations

from dataclasses import dataclass


class DadkhahError(Exception):
    """Base class: ``str(err)`` is the line shown to a person."""

    status = 500
    exit_code = 2


class ConfigError(DadkhahError):
    """A setting is missing or malformed."""

    status = 500
    exit_code = 2


class LoadError(DadkhahError):
    """An input file cannot be read as what it claims to be.

    ``where`` names the place (``line 3, column 7``, ``byte 120``, ``claims[2].quote``) and
    ``expected`` says what should have been there.
    """

    status = 400
    exit_code = 1

    def __init__(self, path: str, where: str | None, expected: str, found: str | None = None):
        self.path = path
        self.where = where
        self.expected = expected
        self.found = found
        place = f"{path}: {where}" if where else path
        text = f"{place}: expected {expected}"
        if found is not None:
            text += f", found {found}"
        super().__init__(text)

    def __reduce__(self) -> tuple[type, tuple[str, str | None, str, str | None]]:
        return (type(self), (self.path, self.where, self.expected, self.found))


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, reduced to what a reader needs."""

    focus: str
    path: str | None
    message: str
    shape: str
    component: str
    value: str | None = None

    def line(self, source: str) -> str:
        path = f" {self.path}" if self.path else ""
        value = f" (value {self.value})" if self.value is not None else ""
        return f"{source}: <{self.focus}>{path}: {self.message}{value} [{self.component}]"


class ShapeViolation(DadkhahError):
    """A graph does not conform to the shapes: the whole unit is rejected."""

    status = 422
    exit_code = 1

    def __init__(self, source: str, violations: list[Violation]):
        self.source = source
        self.violations = violations
        super().__init__("\n".join(v.line(source) for v in violations))

    def __reduce__(self) -> tuple[type, tuple[str, list[Violation]]]:
        return (type(self), (self.source, self.violations))


class StoreInUse(DadkhahError):
    """Another process holds the on-disk store's lock."""

    status = 503
    exit_code = 2

    def __init__(self, path: str):
        self.path = path
        super().__init__(
            f"{path}: the store is in use by another process (a running `dadkhah serve`?). "
            "Stop it, or send data through its Graph Store endpoint."
        )

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return (type(self), (self.path,))


class QueryError(DadkhahError):
    """A malformed query or update, or one the endpoint refuses."""

    status = 400
    exit_code = 1


class QueryTimeout(DadkhahError):
    """The time limit stopped a query before it finished."""

    status = 503
    exit_code = 1


class NotExpressible(DadkhahError):
    """The data cannot be written in the format asked for (RDF/XML has no element for a
    predicate that no XML name ends)."""

    status = 406
    exit_code = 1


class NotFound(DadkhahError):
    """No such resource, document or graph."""

    status = 404
    exit_code = 1
