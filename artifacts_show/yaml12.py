"""YAML as DVC's ruamel.yaml reads it, on PyYAML.

Pure: no git, no files. Bytes in, the document out, or a MalformedFileError that
names the file and the commit (``Where``).

Everything follows what dvc 3.67.1 (ruamel.yaml 0.19) does, found by running it:

- YAML is YAML 1.2 as ruamel.yaml resolves it (see ``load_yaml``): ``on``, ``NO``
  and ``1:30`` are strings, ``010`` is 10, ``1e-5`` a float.
- Left different: libyaml takes a tab after ``key:`` in block context, which
  ruamel refuses; ``!!omap`` is a list of pairs here, a mapping in ruamel;
  ``!!bool maybe`` is invalid YAML here, "not found" in dvc.api (ruamel's
  ``KeyError`` caught by DVC's artifact lookup).
"""

from __future__ import annotations

import functools
import re

from ._speed import TYPE_CHECKING
from .errors import MalformedFileError

if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Pattern, Tuple

    FileReader = Callable[[str], Optional[bytes]]  # a file's bytes at one commit, None where it is absent

_YAML_DIRECTIVE_RE = re.compile(r"^%YAML", re.MULTILINE)

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


def utf8_text(content: bytes, where: Where, path: Optional[str]) -> str:
    """Strict UTF-8, as DVC opens the files (a UTF-16 file is an error there too)."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise where.error(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None


def kind_of(value: Any) -> str:
    """How messages name what was found: "a mapping", "a list", "a string", "nothing", a type's name."""
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


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

    text = utf8_text(content, where, path)
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
