"""dvc.yaml bytes -> the artifact's path, with DVC's ``${...}`` interpolation.

Pure: the other files interpolation needs (``params.yaml``, ``vars`` files)
come through a callable, never through git. Only ``artifacts.<name>.path`` is
read and checked; ``type``, ``desc``, ``labels`` and ``meta`` are not needed.

Everything follows what dvc 3.67.1 (ruamel.yaml 0.19) does, found by running it:

- YAML is YAML 1.2 as ruamel.yaml resolves it (see ``load_yaml``): ``on``, ``NO``
  and ``1:30`` are strings, ``010`` is 10, ``1e-5`` a float; artifact names must
  be strings, so an unquoted ``1:``, ``true:`` or ``null:`` among the artifacts
  makes the file an error, as DVC's schema does.
- A document that is empty, ``false``, ``0``, ``[]`` or ``''`` counts as ``{}``
  (DVC's ``load(...) or {}``), for dvc.yaml and for parameter files alike.
- Interpolated values are written as DVC's ``to_str`` writes them (``_written``), lists
  and mappings included; ``${...}`` selects as DVC's parser does (``_key_parts``).
- Artifact names are interpolated too; ``${...}`` anywhere in ``vars`` is an error.
- A backslash in ``artifacts.<name>.path`` is a separator (``_artifact_location``);
  in a ``vars`` file name it is a character, as in DVC.
- Where DVC answers something for a path that is absolute (``/x``, ``\\x``,
  ``C:\\x``), leaves the repository (``..`` past the root, which DVC clamps
  at the root) or is the root itself, this is an error instead; a URL is
  returned as written where DVC's ``normpath`` folds ``s3://b`` into ``s3:/b``.
- Parameter files are read only when the path interpolates; DVC reads them
  always, so a broken ``params.yaml`` (or one holding a date) fails DVC even
  for a plain path.
- Only every artifact's name and the asked artifact's path are resolved; DVC
  resolves and validates the whole file (every definition, every parameter file).
  A list or mapping of more than MAX_INTERPOLATED values is not written into a path.
- Left different: libyaml takes a tab after ``key:`` in block context, which
  ruamel refuses; ``!!omap`` is a list of pairs here, a mapping in ruamel;
  ``!!bool maybe`` is invalid YAML here, "not found" in dvc.api (ruamel's
  ``KeyError`` caught by DVC's artifact lookup).
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Mapping

from .errors import ArtifactNotFoundError, MalformedFileError

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Pattern, Set, Tuple

    FileReader = Callable[[str], Optional[bytes]]

DEFAULT_PARAMS_FILE = "params.yaml"
_URL_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
_WINDOWS_ABSOLUTE_RE = re.compile(r"[a-zA-Z]:[\\/]")
_WORD = r"[^.\[\]]+"
_KEY_RE = re.compile(rf"{_WORD}(?:\.{_WORD}|\[{_WORD}\][ \r]*)*")  # DVC's get_parser(); one way to match
_FIRST_KEY_PART_RE = re.compile(_WORD)
_NEXT_KEY_PART_RE = re.compile(rf"\.({_WORD})|\[({_WORD})\]")
MAX_INTERPOLATED = 10_000
"""Values written into a path hold at most this many items: a YAML alias can make a small file
hold a mapping of billions, which DVC would write out for ever."""
_YAML_DIRECTIVE_RE = re.compile(r"^%YAML", re.MULTILINE)
_CONTEXT_TYPES = (type(None), bool, int, float, str, bytes, list, dict)
"""What DVC's interpolation context accepts (its PRIMITIVES, None, lists, mappings)."""

_YAML_1_1, _YAML_1_2 = (1, 1), (1, 2)
_SCALAR_RULES = (
    # (type, YAML versions, first characters, pattern): ruamel.yaml's implicit
    # resolvers in its order; 1.2 unless a ``%YAML 1.1`` directive asks for 1.1.
    ("bool", [_YAML_1_2], "tTfF", "true|True|TRUE|false|False|FALSE"),
    ("bool", [_YAML_1_1], "yYnNtTfFoO",
     "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"),
    ("float", [_YAML_1_2], "-+0123456789.",
     r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
     r"|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"),
    ("float", [_YAML_1_1], "-+0123456789.",
     r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
     r"|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"),
    ("int", [_YAML_1_2], "-+0123456789",
     "[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+"),
    ("int", [_YAML_1_1], "-+0123456789",
     "[-+]?0b[0-1_]+|[-+]?0?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
     "|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"),
    ("merge", [_YAML_1_1, _YAML_1_2], "<", "<<"),
    ("null", [_YAML_1_1, _YAML_1_2], ["~", "n", "N", ""], "~|null|Null|NULL|"),
    ("timestamp", [_YAML_1_1, _YAML_1_2], "0123456789",
     r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}"
     r":[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?"),
    ("value", [_YAML_1_1, _YAML_1_2], "=", "="),
)
_BOOLEANS = {"yes": True, "no": False, "y": True, "n": False,
             "true": True, "false": False, "on": True, "off": False}
"""ruamel.yaml's table for ``!!bool``; plain scalars reach it only through the resolvers."""


class Where:
    """Names the file and commit in every message, so the user can find the problem."""

    def __init__(self, path: str, commit: str) -> None:
        self.path, self.commit = path, commit

    def error(self, problem: str, path: Optional[str] = None) -> MalformedFileError:
        return MalformedFileError(f"{path or self.path} at commit {self.commit}: {problem}")


def preload() -> None:
    """Start importing PyYAML in a thread, while git fetches what will be parsed.

    The import lock makes the first real use wait for it; the thread is not a
    daemon, so an early exit waits for the import to end instead of cutting it.
    Once PyYAML is loaded, the thread's import returns at once; it is not looked
    up by name in ``sys.modules``, where a vendored copy has another name.
    """
    import threading

    threading.Thread(target=_import_yaml, name="preload-yaml").start()


def _import_yaml() -> None:
    import yaml  # noqa: F401 - a statement, so that a vendoring tool rewrites it


def _yaml_int(text: str, version: Tuple[int, int]) -> int:
    """ruamel.yaml's int: ``_`` dropped, ``0b``/``0o``/``0x``; in 1.2 ``010`` is ten."""
    digits = text.replace("_", "")
    sign = -1 if digits[:1] == "-" else 1
    if digits[:1] in ("-", "+"):
        digits = digits[1:]
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    if version == _YAML_1_1 and digits[:1] == "0":
        return sign * int(digits, 8)
    if version == _YAML_1_1 and ":" in digits:
        return sign * int(_sexagesimal(digits, int))
    return sign * int(digits)  # ValueError for what only looked like a number ("+_")


def _yaml_float(text: str, version: Tuple[int, int]) -> float:
    """ruamel.yaml's float: ``_`` dropped, ``.inf``/``.nan`` in any case of letters."""
    digits = text.replace("_", "").lower()
    sign = -1 if digits[:1] == "-" else 1
    if digits[:1] in ("-", "+"):
        digits = digits[1:]
    if digits == ".inf":
        return sign * float("inf")
    if digits == ".nan":
        return float("nan")
    if version == _YAML_1_1 and ":" in digits:
        return sign * float(_sexagesimal(digits, float))
    return sign * float(digits)


def _sexagesimal(digits: str, kind: Callable[[str], Any]) -> Any:
    value = kind("0")
    for part in digits.split(":"):
        value = value * 60 + kind(part)
    return value


def _yaml_bool(text: str, version: Tuple[int, int]) -> bool:
    value = _BOOLEANS.get(text.lower())
    if value is None:
        raise ValueError(f"{text!r} is not a boolean")
    return value


@functools.lru_cache(maxsize=None)
def _implicit_resolvers(version: Tuple[int, int]) -> Dict[str, List[Tuple[str, Pattern[str]]]]:
    """First character -> [(tag, pattern)], the shape PyYAML's resolver looks rules up in."""
    table: Dict[str, List[Tuple[str, Pattern[str]]]] = {}
    for kind, versions, first, pattern in _SCALAR_RULES:
        if version in versions:
            rule = (f"tag:yaml.org,2002:{kind}", re.compile(f"(?:{pattern})$"))
            for character in first:
                table.setdefault(character, []).append(rule)
    return table


@functools.lru_cache(maxsize=None)
def _yaml_loader(directives: bool) -> Any:
    """PyYAML's safe loader reading what DVC's ruamel.yaml (``YAML(typ="safe")``) reads.

    Only scalar typing and mappings change: PyYAML's YAML 1.1 resolvers give way
    to ruamel's (``_SCALAR_RULES``) and int, float and bool are built as ruamel
    builds them. Mappings as ruamel builds them: a duplicate key is an error, except
    in a mapping with a merge key (``<<``), where later keys win silently; two
    ``<<`` in one mapping are an error; a list used as a key becomes a tuple.

    libyaml's parser (CSafeLoader) keeps no ``%YAML`` version, so a document
    with a directive goes to the pure-Python parser, which does.
    """
    import yaml
    from yaml.constructor import ConstructorError
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    base = yaml.SafeLoader if directives else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    merge_tag = "tag:yaml.org,2002:merge"

    class DvcLoader(base):  # type: ignore[misc, valid-type]
        yaml_implicit_resolvers: Dict[str, List[Tuple[str, Pattern[str]]]] = {}

        def document_version(self) -> Tuple[int, int]:
            version: Tuple[int, int] = getattr(self, "yaml_version", None) or _YAML_1_2
            if version not in (_YAML_1_1, _YAML_1_2):  # ruamel.yaml refuses them too
                raise yaml.YAMLError(f"YAML {'.'.join(map(str, version))} is not supported")
            return version

        def resolve(self, kind: Any, value: str, implicit: Tuple[bool, bool]) -> Any:
            if kind is ScalarNode and implicit[0]:
                for tag, pattern in _implicit_resolvers(self.document_version()).get(value[:1], []):
                    if pattern.match(value):
                        return tag
            return super().resolve(kind, value, implicit)

        def flatten_mapping(self, node: Any) -> None:
            """Merge keys as ruamel merges them, whatever PyYAML's version does: explicit keys
            win, then the first of several merged mappings (they are laid out last-wins)."""
            merges = [key for key, _ in node.value if key.tag == merge_tag]
            if len(merges) > 1:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found duplicate merge key '<<'", merges[1].start_mark)
            sources: List[Any] = []
            explicit = []
            for key_node, value_node in node.value:
                if key_node.tag != merge_tag:
                    if key_node.tag == "tag:yaml.org,2002:value":
                        key_node.tag = "tag:yaml.org,2002:str"
                    explicit.append((key_node, value_node))
                    continue
                if isinstance(value_node, MappingNode):
                    sources.append(value_node)
                    continue
                if not isinstance(value_node, SequenceNode):
                    raise ConstructorError("while constructing a mapping", node.start_mark,
                                           "expected a mapping or list of mappings for merging, "
                                           f"but found {value_node.id}", value_node.start_mark)
                for source in value_node.value:
                    if not isinstance(source, MappingNode):
                        raise ConstructorError("while constructing a mapping", node.start_mark,
                                               f"expected a mapping for merging, but found {source.id}",
                                               source.start_mark)
                    sources.append(source)
            merged = []
            for source in reversed(sources):
                self.flatten_mapping(source)
                merged.extend(source.value)
            node.value = merged + explicit
            if merged:
                node.merged = True  # as ruamel: an anchor flattened as a merge source
                #                     keeps no '<<' to be seen when built itself

        def construct_mapping(self, node: Any, deep: bool = False) -> Dict[Any, Any]:
            if not isinstance(node, MappingNode):
                raise ConstructorError(None, None, f"expected a mapping node, but found {node.id}",
                                       node.start_mark)
            self.flatten_mapping(node)
            unique = not getattr(node, "merged", False)
            mapping: Dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, list):
                    key = tuple(key)
                try:
                    duplicate = unique and key in mapping
                except TypeError:
                    raise ConstructorError(None, None, f"unhashable key {key!r}",
                                           key_node.start_mark) from None
                if duplicate:
                    raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                mapping[key] = self.construct_object(value_node, deep=deep)
            return mapping

    for kind, convert in (("int", _yaml_int), ("float", _yaml_float), ("bool", _yaml_bool)):
        DvcLoader.add_constructor(f"tag:yaml.org,2002:{kind}", _scalar_constructor(convert))
    return DvcLoader


def _scalar_constructor(convert: Callable[[str, Tuple[int, int]], Any]) -> Any:
    def construct(loader: Any, node: Any) -> Any:
        return convert(loader.construct_scalar(node), loader.document_version())

    return construct


def _text(content: bytes, where: Where, path: Optional[str]) -> str:
    """Strict UTF-8, as DVC opens the files (a UTF-16 file is an error there too)."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise where.error(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None


def load_yaml(content: bytes, where: Where, path: Optional[str] = None) -> Any:
    """The document as DVC's ruamel.yaml reads it: YAML 1.2 (1.1 under ``%YAML 1.1``).

    Scalars: ``true``/``True``/``TRUE`` and ``false`` forms are booleans (``on``,
    ``yes``, ``NO``, ``y`` are strings); ``~``, ``null``, ``Null``, ``NULL`` and
    nothing are None; ints may have ``_``, ``0b``, ``0o``, ``0x`` and leading zeros
    (``010`` is 10; ``0O17``, ``0X1F`` are strings); floats need a ``.`` or an
    exponent (``1e5``, ``.5``, ``1.``; ``.inf``, ``.NaN``); ``1:30`` is a string;
    ``2001-12-14`` is still a date, as ruamel keeps timestamps in 1.2. Returns None
    for an empty document; a value ruamel cannot build (``0x_``, ``!!int 1:30``,
    ``2001-13-45``) is an error, as it is for DVC.
    """
    import yaml

    text = _text(content, where, path)
    loader = _yaml_loader(_YAML_DIRECTIVE_RE.search(text) is not None)
    try:
        _check_nesting(text, loader)
        return yaml.load(text, Loader=loader)
    except (yaml.YAMLError, ValueError) as exc:
        problem = " ".join(str(exc).split())
        raise where.error(f"invalid YAML: {problem}", path) from None
    except RecursionError:
        raise where.error("invalid YAML: nested deeper than Python can follow", path) from None


MAX_NESTING = 200
"""Collections nested deeper are refused: libyaml's composer recurses (50,000 levels
crash the process) and so does the building of values. DVC files nest a few levels."""


def _check_nesting(text: str, loader: Any) -> None:
    """Refuse a document nested deeper than MAX_NESTING, found by the parser's events
    (libyaml's parser keeps its own stack; it does not recurse). Each level takes a
    ``[``, ``{``, ``-``, ``?`` or ``:``, so most documents are known shallow at a glance."""
    if sum(text.count(mark) for mark in "[{-?:") <= MAX_NESTING:
        return
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise ValueError(f"collections nested deeper than {MAX_NESTING} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def artifact_path(
    content: bytes, *, dvcyaml_path: str, name: str, commit: str, read_file: FileReader
) -> str:
    """Return the path of artifact ``name`` declared in ``content``, relative to the git root.

    ``dvcyaml_path`` is where the file lives (relative to the git root);
    ``read_file`` reads other files at the same commit. URLs come back unchanged.
    Artifact names are interpolated too, as DVC does; when two come out the same,
    the later one is the artifact (DVC's ``dict.update``).
    """
    where = Where(dvcyaml_path, commit)
    data = load_yaml(content, where) or {}
    if not isinstance(data, dict):
        raise where.error(f"expected a mapping at the top, found {_kind(data)}")
    _refuse_interpolated_vars(data.get("vars"), where)
    if "artifacts" not in data:
        raise ArtifactNotFoundError(
            f"{dvcyaml_path} at commit {commit} declares no artifacts (looked for '{name}')"
        )
    artifacts = data["artifacts"]
    if not isinstance(artifacts, dict):
        raise where.error(f"'artifacts' must be a mapping, found {_kind(artifacts)}")
    dirname = posixpath.dirname(dvcyaml_path)
    context = functools.lru_cache(maxsize=1)(lambda: _load_context(data, dirname, read_file, where))

    declared = _declared_names(artifacts, context, where)
    if name not in declared:
        raise ArtifactNotFoundError(
            f"{dvcyaml_path} at commit {commit} does not declare artifact '{name}'; "
            f"it declares: {', '.join(sorted(declared)) or 'none'}"
        )
    key = declared[name]
    entry = artifacts[key]
    if not isinstance(entry, dict):
        raise where.error(f"artifacts.{key} must be a mapping, found {_kind(entry)}")
    field = f"artifacts.{key}.path"
    path = entry.get("path")
    if not isinstance(path, str):
        raise where.error(f"{field} must be a string, found {_kind(path)}")
    value = _interpolate(path, context, where, field)
    if not isinstance(value, str):
        raise where.error(f"{field} {path!r} must be a string, found {_kind(value)}")
    return _artifact_location(dirname, value, where, field)


def _declared_names(
    artifacts: Dict[Any, Any], context: Callable[[], Dict[str, Any]], where: Where
) -> Dict[str, str]:
    """Each artifact's name, interpolated as DVC does, -> its key as written."""
    declared: Dict[str, str] = {}
    for key in artifacts:
        if not isinstance(key, str):
            raise where.error(f"artifact name {key!r} is {_kind(key)}, not a string: quote it")
        resolved = _interpolate(key, context, where, f"artifact name {key!r}")
        if not isinstance(resolved, str):
            raise where.error(f"artifact name {key!r} is {_kind(resolved)} once interpolated, not a string")
        declared[resolved] = key
    return declared


def _refuse_interpolated_vars(entries: Any, where: Where) -> None:
    """``${...}`` anywhere in ``vars`` (names of files, keys, values) is an error in DVC,
    for every lookup in the file, whether or not the path interpolates."""
    pending, seen = [entries], set()
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _interpolations(item):
                raise where.error(f"'vars' cannot interpolate: {item!r}")
        elif isinstance(item, (dict, list, tuple)) and id(item) not in seen:  # a list as a key: a tuple
            seen.add(id(item))
            pending.extend([*item.keys(), *item.values()] if isinstance(item, dict) else item)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def is_url(path: str) -> bool:
    """Paths with a scheme (``s3://``, ``remote://``, ...) name remote storage, not files here."""
    return _URL_RE.match(path) is not None


def _artifact_location(dirname: str, path: str, where: Where, field: str) -> str:
    """The path relative to the git root, as DVC makes it on POSIX, with backslashes as ``/``.

    DVC joins and normalises with backslashes still inside names, and only then
    turns them into ``/`` (``as_posix``) and normalises again: ``a\\b/../c`` is
    ``c``, ``..\\shared\\emb.bin`` in ``nlp`` is ``shared/emb.bin``. What is
    absolute as written (``/x``, ``\\x``, ``C:\\x``) or ends outside the
    repository is refused here, where DVC would still answer.
    """
    if is_url(path):
        return path
    if not path:
        raise where.error(f"{field} is empty")
    if path.startswith(("/", "\\")) or _WINDOWS_ABSOLUTE_RE.match(path):
        raise where.error(f"{field} {path!r} is absolute; it must be relative to the dvc.yaml")
    joined = posixpath.normpath(posixpath.join(dirname, path))
    return _inside_repository(posixpath.normpath(joined.replace("\\", "/")), path, where, field)


def _vars_location(dirname: str, path: str, where: Where, field: str) -> str:
    """A ``vars`` file name joined as DVC joins it: a backslash is part of a name there."""
    if not path:
        raise where.error(f"{field} is empty")
    if path.startswith("/"):
        raise where.error(f"{field} {path!r} is absolute; it must be relative to the dvc.yaml")
    return _inside_repository(posixpath.normpath(posixpath.join(dirname, path)), path, where, field)


def _inside_repository(normalized: str, path: str, where: Where, field: str) -> str:
    if normalized == ".." or normalized.startswith("../") or normalized == ".":
        raise where.error(f"{field} {path!r} leaves the repository")
    return normalized


def _load_context(
    data: Mapping[str, Any], dirname: str, read_file: FileReader, where: Where
) -> Dict[str, Any]:
    """Variables as DVC builds them: ``params.yaml`` beside dvc.yaml, then ``vars`` in order."""
    context: Dict[str, Any] = {}
    loaded: Dict[str, Optional[List[str]]] = {}
    default = posixpath.join(dirname, DEFAULT_PARAMS_FILE)
    content = read_file(default)
    if content is not None:
        _merge(context, _params_file(default, content, where), where, default)
        loaded[default] = None
    entries = data.get("vars", [])
    if not isinstance(entries, list):
        raise where.error(f"'vars' must be a list, found {_kind(entries)}")
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            _check_values(entry, f"vars[{index}]", where)
            _merge(context, entry, where, "vars")
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
            _merge(context, values, where, entry)
            loaded[path] = keys or None
        else:
            raise where.error(f"'vars' entries must be mappings or file names, found {_kind(entry)}")
    return context


def _params_file(path: str, content: bytes, where: Where, check: bool = True) -> Dict[str, Any]:
    """A parameter file's mapping; ``check`` refuses values DVC's context cannot hold."""
    if path.endswith(".json"):
        import json

        try:
            values = json.loads(_text(content, where, path))
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
        raise where.error(f"expected a mapping at the top, found {_kind(values)}", path)
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


def _merge(into: Dict[str, Any], new: Mapping[str, Any], where: Where, source: str) -> None:
    """Merge nested mappings; redefining a value is an error, as in DVC."""
    for key, value in new.items():
        if key in into and isinstance(into[key], dict) and isinstance(value, dict):
            into[key] = dict(into[key])  # a YAML alias may share it: change a copy, as DVC does
            _merge(into[key], value, where, source)
        elif key in into:
            raise where.error(f"cannot redefine '{key}' from {source!r}: it is already defined")
        else:
            into[key] = value


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


def _interpolations(text: str) -> List[Tuple[int, int, str]]:
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


def _interpolate(text: str, context: Callable[[], Mapping[str, Any]], where: Where, field: str) -> Any:
    """``${...}`` replaced as DVC's ``resolve_str`` does; ``context`` (which reads parameter
    files) is asked for only when there is one.

    A text that is one ``${key}`` and nothing else is the value itself, of any
    type (the caller then needs a string). Otherwise each value is written as
    DVC's ``to_str`` writes it (``_written``). Last, every ``\\${`` left in the
    result, even one that came from a value, becomes ``${``.
    """
    matches = _interpolations(text)
    if len(matches) == 1 and matches[0][:2] == (0, len(text)):
        return _lookup(context(), matches[0][2], where)
    pieces, position = [], 0
    for start, end, key in matches:
        problem = f"{field}: cannot interpolate '{key.strip()}'"
        pieces += [text[position:start], _written(_lookup(context(), key, where), where, problem)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces).replace("\\${", "${")


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
