"""DVC's ``${...}`` interpolation and the context it reads (``params.yaml``, ``vars``).

Pure: files come through a callable, never through git.

Everything follows what dvc 3.67.1 does, found by running it:

- Interpolated values are written as DVC's ``to_str`` writes them (``_written``), lists
  and mappings included; ``${...}`` selects as DVC's parser does (``_key_parts``).
- Artifact names are interpolated too; ``${...}`` anywhere in ``vars`` is an error.
- A parameter file that is empty, ``false``, ``0``, ``[]`` or ``''`` counts as ``{}``
  (DVC's ``load(...) or {}``), as dvc.yaml does.
- A backslash in a ``vars`` file name is a character, as in DVC (``_vars_location``).
- Parameter files are read only when the path interpolates; DVC reads them
  always, so a broken ``params.yaml`` (or one holding a date) fails DVC even
  for a plain path.
- A list or mapping of more than MAX_INTERPOLATED values is not written into a path.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from ._speed import TYPE_CHECKING
from .yaml12 import kind_of, load_yaml, utf8_text

if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Set, Tuple

    from .yaml12 import FileReader, Where

DEFAULT_PARAMS_FILE = "params.yaml"
_WORD = r"[^.\[\]]+"
_KEY_RE = re.compile(rf"{_WORD}(?:\.{_WORD}|\[{_WORD}\][ \r]*)*")  # DVC's get_parser(); one way to match
_FIRST_KEY_PART_RE = re.compile(_WORD)
_NEXT_KEY_PART_RE = re.compile(rf"\.({_WORD})|\[({_WORD})\]")
MAX_INTERPOLATED = 10_000
"""Values written into a path hold at most this many items: a YAML alias can make a small file
hold a mapping of billions, which DVC would write out for ever."""
_CONTEXT_TYPES = (type(None), bool, int, float, str, bytes, list, dict)
"""What DVC's interpolation context accepts (its PRIMITIVES, None, lists, mappings)."""


def load_context(
    data: Mapping[str, Any], dirname: str, read_file: FileReader, where: Where
) -> Dict[str, Any]:
    """Variables as DVC builds them: ``params.yaml`` beside dvc.yaml, then ``vars`` in order."""
    context: Dict[str, Any] = {}
    loaded: Dict[str, Optional[List[str]]] = {}
    default = posixpath.join(dirname, DEFAULT_PARAMS_FILE)
    content = read_file(default)
    if content is not None:
        _merge_refusing_redefinition(context, _params_file(default, content, where), where, default)
        loaded[default] = None
    entries = data.get("vars", [])
    if not isinstance(entries, list):
        raise where.error(f"'vars' must be a list, found {kind_of(entries)}")
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            _check_values(entry, f"vars[{index}]", where)
            _merge_refusing_redefinition(context, entry, where, "vars")
        elif isinstance(entry, str):
            spec, _, keys_text = entry.partition(":")
            keys = [key for key in keys_text.split(",") if key]
            path = _vars_location(dirname, spec, where, f"vars entry {entry!r}")
            if path in loaded and loaded[path] is None and not keys:
                continue  # the whole file again: DVC allows it
            content = read_file(path)
            if content is None:
                raise where.error(f"vars file {path} does not exist")
            values = _params_file(path, content, where, check=not keys)
            if keys:  # top-level keys only, as DVC selects them
                absent = [key for key in keys if key not in values]
                if absent:
                    raise where.error(f"could not find '{absent[0]}' in {path}")
                values = {key: values[key] for key in keys}
                _check_values(values, path, where)
            _merge_refusing_redefinition(context, values, where, entry)
            loaded[path] = keys or None
        else:
            raise where.error(f"'vars' entries must be mappings or file names, found {kind_of(entry)}")
    return context


def _params_file(path: str, content: bytes, where: Where, check: bool = True) -> Dict[str, Any]:
    """A parameter file's mapping; ``check`` refuses values DVC's context cannot hold."""
    if path.endswith(".json"):
        import json

        try:
            values = json.loads(utf8_text(content, where, path))
        except ValueError as exc:
            raise where.error(f"invalid JSON: {exc}", path) from None
        except RecursionError:
            raise where.error("invalid JSON: nested deeper than Python can follow", path) from None
    elif path.endswith((".yaml", ".yml")):
        values = load_yaml(content, where, path)
    else:
        raise where.error("unsupported parameters file: only .yaml, .yml and .json are read", path)
    values = values or {}
    if not isinstance(values, dict):
        raise where.error(f"expected a mapping at the top, found {kind_of(values)}", path)
    if check:
        _check_values(values, path, where)
    return values


def _check_values(
    value: Any, source: str, where: Where, key: str = "", seen: Optional[Set[int]] = None
) -> None:
    """DVC refuses a whole parameter file holding a date or a set, even one never used.

    Each mapping and list is looked at once (``seen``): YAML aliases share them, and
    an alias bomb would otherwise be walked a billion times.
    """
    seen = set() if seen is None else seen
    if isinstance(value, (dict, list)):
        if id(value) in seen:
            return
        seen.add(id(value))
    if isinstance(value, dict):
        for name, item in value.items():
            _check_values(item, source, where, f"{key}.{name}" if key else str(name), seen)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, source, where, f"{key}.{index}", seen)
    elif not isinstance(value, _CONTEXT_TYPES):
        raise where.error(f"unsupported value of type '{type(value).__name__}' in '{source}:{key}'")


def _merge_refusing_redefinition(
    into: Dict[str, Any], new: Mapping[str, Any], where: Where, source: str
) -> None:
    """Merge nested mappings, refusing a redefinition: redefining a value is an error, as in DVC."""
    for key, value in new.items():
        if key in into and isinstance(into[key], dict) and isinstance(value, dict):
            into[key] = dict(into[key])  # a YAML alias may share it: change a copy, as DVC does
            _merge_refusing_redefinition(into[key], value, where, source)
        elif key in into:
            raise where.error(f"cannot redefine '{key}' from {source!r}: it is already defined")
        else:
            into[key] = value


def _vars_location(dirname: str, path: str, where: Where, field: str) -> str:
    """A ``vars`` file name joined as DVC joins it: a backslash is part of a name there."""
    if not path:
        raise where.error(f"{field} is empty")
    if path.startswith("/"):
        raise where.error(f"{field} {path!r} is absolute; it must be relative to the dvc.yaml")
    return inside_repository(posixpath.normpath(posixpath.join(dirname, path)), path, where, field)


def inside_repository(normalized: str, path: str, where: Where, field: str) -> str:
    if normalized == ".." or normalized.startswith("../") or normalized == ".":
        raise where.error(f"{field} {path!r} leaves the repository")
    return normalized


def _key_parts(key_text: str) -> Optional[List[str]]:
    """The names in ``${...}`` as DVC's parser reads them, or None where it refuses the text.

    Names are anything but ``.``, ``[`` and ``]``, spaces included; ``a.b`` and
    ``a[b]`` select alike. Tabs are spaces first (pyparsing expands them), and
    after a ``]`` spaces may come before the next ``.`` or ``[`` and at the end.
    """
    text = key_text.expandtabs()
    if not _KEY_RE.fullmatch(text):
        return None
    first = _FIRST_KEY_PART_RE.match(text)
    assert first is not None
    return [first.group(), *(attribute or index for attribute, index
                             in _NEXT_KEY_PART_RE.findall(text, first.end()))]


def _lookup(context: Mapping[str, Any], key_text: str, where: Where) -> Any:
    """``a.b``, ``a[b]``, ``a[0]``, ``a.-1`` select into nested mappings and lists, as DVC's
    context does: each name stripped; in a list, what ``int()`` reads, from the end if negative."""
    parts = _key_parts(key_text)
    if parts is None:
        raise where.error(f"cannot interpolate '${{{key_text.strip()}}}': not a variable name")
    value: Any = context
    for part in parts:
        name = part.strip()
        if isinstance(value, dict) and name in value:
            value = value[name]
            continue
        if isinstance(value, list):
            try:
                value = value[int(name)]
                continue
            except (ValueError, IndexError):
                pass
        raise where.error(f"could not find '{key_text.strip()}'")
    return value


def interpolations(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, key) of each ``${key}``, as DVC's ``KEYCRE`` finds them (a ``${`` not
    after a backslash, to the first ``}`` on its line), in one pass: the regular
    expression takes quadratic time on a line of ``${`` without a ``}``."""
    found: List[Tuple[int, int, str]] = []
    position = 0
    while True:
        start = text.find("${", position)
        if start < 0:
            return found
        if start and text[start - 1] == "\\":
            position = start + 1
            continue
        end = text.find("}", start + 2)
        line_end = text.find("\n", start + 2)
        if end < 0:
            return found
        if 0 <= line_end < end:  # no "}" on this line: the next line may have one
            position = line_end + 1
            continue
        found.append((start, end + 1, text[start + 2:end]))
        position = end + 1


def interpolate(text: str, context: Callable[[], Mapping[str, Any]], where: Where, field: str) -> Any:
    """``${...}`` replaced as DVC's ``resolve_str`` does; ``context`` (which reads parameter
    files) is asked for only when there is one.

    A text that is one ``${key}`` and nothing else is the value itself, of any
    type (the caller then needs a string). Otherwise each value is written as
    DVC's ``to_str`` writes it (``_written``). Last, every ``\\${`` left in the
    result, even one that came from a value, becomes ``${``.
    """
    matches = interpolations(text)
    if len(matches) == 1 and matches[0][:2] == (0, len(text)):
        return _lookup(context(), matches[0][2], where)
    pieces, position = [], 0
    for start, end, key in matches:
        problem = f"{field}: cannot interpolate '{key.strip()}'"
        pieces += [text[position:start], _written(_lookup(context(), key, where), where, problem)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces).replace("\\${", "${")


def refuse_interpolated_vars(entries: Any, where: Where) -> None:
    """``${...}`` anywhere in ``vars`` (names of files, keys, values) is an error in DVC,
    for every lookup in the file, whether or not the path interpolates."""
    pending, seen = [entries], set()
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if interpolations(item):
                raise where.error(f"'vars' cannot interpolate: {item!r}")
        elif isinstance(item, (dict, list, tuple)) and id(item) not in seen:  # a list as a key: a tuple
            seen.add(id(item))
            pending.extend([*item.keys(), *item.values()] if isinstance(item, dict) else item)


def _written(value: Any, where: Where, problem: str) -> str:
    """A value inside a longer text, as DVC's ``to_str`` writes it: ``true``/``false``,
    ``None``, ``str()`` of the rest (``1e-05``, ``inf``, ``b'...'`` for ``!!binary``);
    a list as Python writes it, a mapping as command-line options (``_as_options``).
    Keys that are not strings are left out of both, as DVC's context leaves them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        if isinstance(value, (dict, list)):
            if not _bounded(value):
                raise where.error(f"{problem}: it holds more than {MAX_INTERPOLATED:,} values")
            value = _context_value(value)
            if isinstance(value, dict):
                return _as_options(value, where, problem)
        return str(value)
    except ValueError as exc:  # an integer of thousands of digits
        raise where.error(f"{problem}: {exc}") from None


def _bounded(value: Any) -> bool:
    """Whether ``value`` holds at most MAX_INTERPOLATED values, counting an alias each time it
    is used (a mapping that holds itself never ends)."""
    count, pending = 0, [value]
    while pending:
        item = pending.pop()
        count += 1
        if count > MAX_INTERPOLATED:
            return False
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _context_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _context_value(item) for key, item in value.items() if isinstance(key, str)}
    if isinstance(value, list):
        return [_context_value(item) for item in value]
    return value


def _as_options(mapping: Dict[str, Any], where: Where, problem: str) -> str:
    """A mapping as DVC's ``to_str`` writes it: nested keys joined with ``.``, each one
    ``--key value`` (strings shell-quoted), ``--key`` alone for true, nothing for false,
    ``--key a b`` for a list."""
    import shlex

    flat: Dict[str, Any] = {}
    _flatten(mapping, "", flat, where, problem)
    words = []
    for key, value in flat.items():
        if isinstance(value, bool):
            words += [f"--{key}"] if value else []
        elif isinstance(value, str):
            words += [f"--{key}", shlex.quote(value)]
        elif isinstance(value, (list, bytes)):
            for position, item in enumerate(value):
                if isinstance(item, (list, dict, bytes)):
                    raise where.error(f"{problem}: a list inside '{key}' holds a list or a mapping")
                written = shlex.quote(item) if isinstance(item, str) else str(item)
                words += [f"--{key}", written] if position == 0 else [written]
        else:
            words += [f"--{key}", str(value)]
    return " ".join(words)


def _flatten(mapping: Dict[str, Any], prefix: str, into: Dict[str, Any], where: Where, problem: str) -> None:
    for key, value in mapping.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(value, name, into, where, problem)
        elif name in into:
            raise where.error(f"{problem}: '{name}' names two values")
        else:
            into[name] = value
