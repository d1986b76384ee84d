"""Reading input bytes: strict UTF-8, digests, and YAML with errors that name file and place."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from dadkhah.errors import LoadError
from dadkhah.iris import ID_FORM, is_valid_id


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?\Z")


_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")  # as the shapes check documents'


def is_language_tag(value: str) -> bool:
    """``value`` has the form of a BCP 47 language tag as the shapes accept one (``en``,
    ``fa``, ``en-GB``): a language name such as ``English`` does not."""
    return bool(_LANGUAGE_TAG.match(value))


def is_xsd_date(value: str) -> bool:
    """``value`` is a valid xsd:date without a time zone, YYYY-MM-DD (a real day)."""
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_xsd_datetime(value: str) -> bool:
    """``value`` is a valid xsd:dateTime with a four-digit year (a real day and time)."""
    found = _DATETIME.match(value)
    if not found:
        return False
    try:
        datetime.fromisoformat(found[1])
    except ValueError:
        return False
    zone = found[3]
    if zone is None or zone == "Z":
        return True
    hours, minutes = int(zone[1:3]), int(zone[4:])
    return minutes < 60 and hours * 60 + minutes <= 14 * 60


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


class _DuplicateJSONKey(ValueError):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateJSONKey(key)
        found[key] = value
    return found


def read_json(data: bytes, path: str) -> Any:
    """Parse ``data`` as JSON, or raise ``LoadError`` with line and column; a key given twice
    in one object is an error (JSON parsers keep the last one, silently). A leading
    byte-order mark is dropped, as it is from documents and YAML files."""
    text = decode_utf8(data, path).removeprefix("\ufeff")
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as err:
        raise LoadError(path, f"line {err.lineno}, column {err.colno}", "JSON", err.msg) from None
    except _DuplicateJSONKey as err:
        raise LoadError(
            path, None, "each key once in a JSON object", f"{err.args[0]!r} twice"
        ) from None


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


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping (YAML would keep the last one, silently)."""

    def __init__(self, key: Any, first: yaml.Mark, again: yaml.Mark):
        super().__init__(None, None, f"{key!r} again (first on line {first.line + 1})", again)


def _unique_keys(loader: yaml.constructor.BaseConstructor, node: yaml.MappingNode) -> None:
    """Raise ``_DuplicateKey`` at the second of two equal keys of mapping ``node``. Merge
    keys (``<<``) are left to YAML: overriding a merged key is what they are for."""
    seen: dict[Any, yaml.Mark] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)  # cached: built once
        try:
            first = seen.setdefault(key, key_node.start_mark)
        except TypeError:  # an unhashable key: YAML's own error follows
            continue
        if first is not key_node.start_mark:
            raise _DuplicateKey(key, first, key_node.start_mark)


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that dates stay strings and that a key given twice in a
    mapping is an error instead of the last one winning. A curator's ``1988-13-45`` thus
    reaches the check of its field instead of failing inside the YAML library: the loader's
    own (an annotation file's ``created``) or the shapes' (a sidecar's ``date``, whose
    datatype they check)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        _unique_keys(self, node)
        return super().construct_mapping(node, deep)


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


if hasattr(yaml, "CSafeLoader"):

    class _FastLoader(yaml.CSafeLoader):
        """libyaml's parser with the same resolvers and constructors: about ten times faster
        on an annotation file. Errors are reported by the pure-Python parser (below), whose
        messages and positions the tests and users know."""

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            _unique_keys(self, node)
            return super().construct_mapping(node, deep)

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FAST: type[yaml.CSafeLoader] | None = _FastLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _FAST = None


def _where(mark: yaml.Mark | None) -> str | None:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else None


def read_mapping(data: bytes, path: str) -> dict[str, Any]:
    """Parse ``data`` as a YAML mapping, or raise ``LoadError`` with line and column."""
    text = decode_utf8(data, path)
    try:
        if _FAST is not None:
            try:
                fast = yaml.load(text, Loader=_FAST)  # noqa: S506 (safe loader)
            except _DuplicateKey:
                raise
            except yaml.YAMLError:
                pass  # the pure-Python parser below says where and what, as it always did
            else:
                if isinstance(fast, dict):
                    return fast
        parsed = yaml.load(text, Loader=_Loader)  # noqa: S506 (safe loader)
    except _DuplicateKey as err:
        where = _where(err.problem_mark)
        raise LoadError(path, where, "each key once in a mapping", err.problem) from None
    except yaml.YAMLError as err:
        where = _where(getattr(err, "problem_mark", None))
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise LoadError(path, where, "valid YAML", problem) from None
    if not isinstance(parsed, dict):
        raise LoadError(path, None, "a YAML mapping", type(parsed).__name__)
    return parsed
