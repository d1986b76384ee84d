"""Reading input bytes: strict UTF-8, digests, and YAML with errors that name file and place."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from dadkhah.errors import LoadError
from dadkhah.iris import ID_FORM, is_valid_id


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def batch_id(path: Path | str) -> str:
    """The name before the extension, which names the graph of a registry or annotation
    file (and its annotations' IRIs), or a ``LoadError`` naming the file and what a name
    may hold. Rejected rather than rewritten: a rewritten name could take the graph of
    another file."""
    stem = Path(path).stem
    if not is_valid_id(stem):
        raise LoadError(
            str(path),
            "file name",
            f"a name of {ID_FORM}, before its extension (it names the file's graph)",
            repr(stem),
        )
    return stem


def decode_utf8(data: bytes, path: str) -> str:
    """Strict UTF-8, or a ``LoadError`` naming the byte and line where decoding failed."""
    if not data:
        raise LoadError(path, None, "a non-empty UTF-8 text document", "an empty file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise LoadError(
            path,
            f"byte {err.start} (line {line})",
            "UTF-8 text",
            f"byte 0x{data[err.start]:02x} ({err.reason})",
        ) from None


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that dates stay strings: a curator's ``1988-13-45`` reaches
    the shapes (and their message) instead of failing inside the YAML library."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


if hasattr(yaml, "CSafeLoader"):

    class _FastLoader(yaml.CSafeLoader):
        """libyaml's parser with the same resolvers and constructors: about ten times faster
        on an annotation file. Errors are reported by the pure-Python parser (below), whose
        messages and positions the tests and users know."""

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FAST: type[yaml.CSafeLoader] | None = _FastLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _FAST = None


def read_mapping(data: bytes, path: str) -> dict[str, Any]:
    """Parse ``data`` as a YAML mapping, or raise ``LoadError`` with line and column."""
    text = decode_utf8(data, path)
    if _FAST is not None:
        try:
            fast = yaml.load(text, Loader=_FAST)  # noqa: S506 (safe loader)
        except yaml.YAMLError:
            pass  # the pure-Python parser below says where and what, as it always did
        else:
            if isinstance(fast, dict):
                return fast
    try:
        parsed = yaml.load(text, Loader=_Loader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise LoadError(path, where, "valid YAML", problem) from None
    if not isinstance(parsed, dict):
        raise LoadError(path, None, "a YAML mapping", type(parsed).__name__)
    return parsed
