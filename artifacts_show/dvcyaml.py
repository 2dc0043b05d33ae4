"""dvc.yaml bytes -> the artifact's path, with DVC's ``${...}`` interpolation.

Pure: the other files interpolation needs (``params.yaml``, ``vars`` files)
come through a callable, never through git. Only ``artifacts.<name>.path`` is
read and checked; ``type``, ``desc``, ``labels`` and ``meta`` are not needed.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Mapping

from .errors import ArtifactNotFoundError, ArtifactsShowError

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Set

    FileReader = Callable[[str], Optional[bytes]]

DEFAULT_PARAMS_FILE = "params.yaml"
_URL_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
_WINDOWS_ABSOLUTE_RE = re.compile(r"[a-zA-Z]:[\\/]")
_INTERPOLATION_RE = re.compile(r"(?P<escape>\\)?\$\{(?P<key>[^{}]*)\}")
_KEY_RE = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+|\[[0-9]+\])*")
_KEY_PART_RE = re.compile(r"[A-Za-z0-9_-]+|\[[0-9]+\]")


class _Where:
    """Names the file and commit in every message, so the user can find the problem."""

    def __init__(self, path: str, commit: str) -> None:
        self.path, self.commit = path, commit

    def error(self, problem: str, path: Optional[str] = None) -> ArtifactsShowError:
        return ArtifactsShowError(f"{path or self.path} at commit {self.commit}: {problem}")


def preload() -> None:
    """Start importing PyYAML (25 ms) in a thread, while git fetches what will be parsed.

    The import lock makes the first real use wait for it; the thread is not a
    daemon, so an early exit waits for the import to end instead of cutting it.
    """
    if "yaml" not in sys.modules:
        import threading

        threading.Thread(target=_import_yaml, name="preload-yaml").start()


def _import_yaml() -> None:
    import yaml  # noqa: F401 - a statement, so that a vendoring tool rewrites it


def _yaml_loader() -> Any:
    """A safe YAML loader that refuses duplicate keys instead of keeping the last."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> Dict[Any, Any]:
            seen: Set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"unhashable key {key!r}", key_node.start_mark
                    ) from None
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    StrictLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, StrictLoader.construct_mapping
    )
    return StrictLoader


def load_yaml(content: bytes, where: _Where, path: Optional[str] = None) -> Any:
    import yaml

    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise where.error(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None
    try:
        return yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise where.error(f"invalid YAML: {problem}", path) from None


def artifact_path(
    content: bytes, *, dvcyaml_path: str, name: str, commit: str, read_file: FileReader
) -> str:
    """Return the path of artifact ``name`` declared in ``content``, relative to the git root.

    ``dvcyaml_path`` is where the file lives (relative to the git root);
    ``read_file`` reads other files at the same commit. URLs come back unchanged.
    """
    where = _Where(dvcyaml_path, commit)
    data = load_yaml(content, where)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise where.error(f"expected a mapping at the top, found {_kind(data)}")
    artifacts = data.get("artifacts")
    if artifacts is None:
        raise ArtifactNotFoundError(
            f"{dvcyaml_path} at commit {commit} declares no artifacts (looked for '{name}')"
        )
    if not isinstance(artifacts, dict):
        raise where.error(f"'artifacts' must be a mapping, found {_kind(artifacts)}")
    if name not in artifacts:
        declared = ", ".join(sorted(str(key) for key in artifacts)) or "none"
        raise ArtifactNotFoundError(
            f"{dvcyaml_path} at commit {commit} does not declare artifact '{name}'; "
            f"it declares: {declared}"
        )
    entry = artifacts[name]
    if not isinstance(entry, dict):
        raise where.error(f"artifacts.{name} must be a mapping, found {_kind(entry)}")
    path = entry.get("path")
    if not isinstance(path, str):
        raise where.error(f"artifacts.{name}.path must be a string, found {_kind(path)}")
    dirname = posixpath.dirname(dvcyaml_path)
    if _INTERPOLATION_RE.search(path):
        context = _load_context(data, dirname, read_file, where)
        path = _interpolate(path, context, where, f"artifacts.{name}.path")
    return _repository_path(dirname, path, where, f"artifacts.{name}.path")


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def is_url(path: str) -> bool:
    """Paths with a scheme (``s3://``, ``remote://``, ...) name remote storage, not files here."""
    return _URL_RE.match(path) is not None


def _repository_path(dirname: str, path: str, where: _Where, field: str) -> str:
    """``normpath(join(dirname, path))``, refusing what is absolute or leaves the repository."""
    if is_url(path):
        return path
    if not path:
        raise where.error(f"{field} is empty")
    if path.startswith(("/", "\\")) or _WINDOWS_ABSOLUTE_RE.match(path):
        raise where.error(f"{field} {path!r} is absolute; it must be relative to the dvc.yaml")
    normalized = posixpath.normpath(posixpath.join(dirname, path))
    if normalized == ".." or normalized.startswith("../") or normalized == ".":
        raise where.error(f"{field} {path!r} leaves the repository")
    return normalized


def _load_context(
    data: Mapping[str, Any], dirname: str, read_file: FileReader, where: _Where
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
    for entry in entries:
        if isinstance(entry, dict):
            _merge(context, entry, where, "vars")
        elif isinstance(entry, str):
            spec, _, keys_text = entry.partition(":")
            keys = [key for key in keys_text.split(",") if key]
            path = _repository_path(dirname, spec, where, f"vars entry {entry!r}")
            if path in loaded and loaded[path] is None and not keys:
                continue  # the whole file again: DVC allows it
            content = read_file(path)
            if content is None:
                raise where.error(f"vars file {path} does not exist")
            values = _params_file(path, content, where)
            if keys:  # top-level keys only, as DVC selects them
                absent = [key for key in keys if key not in values]
                if absent:
                    raise where.error(f"could not find '{absent[0]}' in {path}")
                values = {key: values[key] for key in keys}
            _merge(context, values, where, entry)
            loaded[path] = keys or None
        else:
            raise where.error(f"'vars' entries must be mappings or file names, found {_kind(entry)}")
    return context


def _params_file(path: str, content: bytes, where: _Where) -> Dict[str, Any]:
    if path.endswith(".json"):
        import json

        try:
            values = json.loads(content)
        except ValueError as exc:
            raise where.error(f"invalid JSON: {exc}", path) from None
    elif path.endswith((".yaml", ".yml")):
        values = load_yaml(content, where, path)
    else:
        raise where.error("unsupported parameters file: only .yaml, .yml and .json are read", path)
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise where.error(f"expected a mapping at the top, found {_kind(values)}", path)
    return values


def _merge(into: Dict[str, Any], new: Mapping[str, Any], where: _Where, source: str) -> None:
    """Merge nested mappings; redefining a value is an error, as in DVC."""
    for key, value in new.items():
        if key in into and isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, where, source)
        elif key in into:
            raise where.error(f"cannot redefine '{key}' from {source!r}: it is already defined")
        else:
            into[key] = value


def _lookup(context: Mapping[str, Any], key: str, where: _Where) -> Any:
    """``a.b``, ``a[0]`` and ``a.0`` select into nested mappings and lists."""
    if not _KEY_RE.fullmatch(key):
        raise where.error(f"cannot interpolate '${{{key}}}': not a variable name")
    value: Any = context
    for part in _KEY_PART_RE.findall(key):
        index = part.strip("[]")
        if isinstance(value, dict) and index in value and not part.startswith("["):
            value = value[index]
        elif isinstance(value, list) and index.isdigit() and int(index) < len(value):
            value = value[int(index)]
        else:
            raise where.error(f"could not find '{key}'")
    return value


def _interpolate(text: str, context: Mapping[str, Any], where: _Where, field: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group("escape"):
            return match.group(0)[1:]
        key = match.group("key").strip()
        value = _lookup(context, key, where)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise where.error(f"{field}: cannot interpolate '{key}', which is {_kind(value)}")

    return _INTERPOLATION_RE.sub(substitute, text)
