"""Typed access to curated YAML (registry, annotations), with errors that name file and place."""

from __future__ import annotations

from datetime import date
from typing import Any

from dadkhah.errors import LoadError


class Fields:
    """Typed access to one YAML mapping, with error places like ``claims[2].value``."""

    def __init__(self, data: Any, path: str, where: str, allowed: set[str]):
        if not isinstance(data, dict):
            raise LoadError(path, where, "a mapping", type(data).__name__)
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise LoadError(
                path, f"{where}.{unknown[0]}", "one of the keys " + ", ".join(sorted(allowed))
            )
        self.data, self.path, self.where = data, path, where

    def _fail(self, key: str, expected: str) -> LoadError:
        return LoadError(self.path, f"{self.where}.{key}", expected, repr(self.data.get(key)))

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise LoadError(self.path, f"{self.where}.{key}", "a value", "nothing")
            return None
        if isinstance(value, date):
            return value.isoformat()
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self._fail(key, "a string")
        return str(value)

    def number(self, key: str) -> int | float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "a number (no thousands separators)")
        return value

    def int(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "a whole number")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(key, "a list of strings")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.data.get(key) or []
        if not isinstance(value, list):
            raise self._fail(key, "a list")
        return value
