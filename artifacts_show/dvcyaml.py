"""dvc.yaml bytes -> the artifact's declaration and path.

Pure: the other files interpolation needs (``params.yaml``, ``vars`` files)
come through a callable, never through git. A lookup reads and checks only
``artifacts.<name>.path``; ``type``, ``desc``, ``labels`` and ``meta`` are read
for ``--describe`` alone (:meth:`Declarations.declaration`).
YAML is read as DVC's ruamel.yaml reads it by ``yaml12``; ``${...}`` and the
context it reads are ``interpolation``'s.

Everything follows what dvc 3.67.1 (ruamel.yaml 0.19) does, found by running it:

- Artifact names must be strings (YAML 1.2, see ``yaml12``), so an unquoted ``1:``,
  ``true:`` or ``null:`` among the artifacts makes the file an error, as DVC's
  schema does.
- A document that is empty, ``false``, ``0``, ``[]`` or ``''`` counts as ``{}``
  (DVC's ``load(...) or {}``), for dvc.yaml and for parameter files alike.
- A backslash in ``artifacts.<name>.path`` is a separator (``_artifact_location``);
  in a ``vars`` file name it is a character, as in DVC.
- Where DVC answers something for a path that is absolute (``/x``, ``\\x``,
  ``C:\\x``), leaves the repository (``..`` past the root, which DVC clamps
  at the root) or is the root itself, this is an error instead; a URL is
  returned as written where DVC's ``normpath`` folds ``s3://b`` into ``s3:/b``.
- Only every artifact's name and the asked artifact's path are resolved; DVC
  resolves and validates the whole file (every definition, every parameter file).
"""

from __future__ import annotations

import functools
import posixpath
import re

from ._speed import TYPE_CHECKING, NamedTuple
from .errors import ArtifactNotFoundError
from .interpolation import (
    MAX_INTERPOLATED,
    inside_repository,
    interpolate,
    load_context,
    refuse_interpolated_vars,
)
from .yaml12 import Where, kind_of

if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Optional, Set, Tuple

    from .yaml12 import FileReader

_URL_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
_WINDOWS_ABSOLUTE_RE = re.compile(r"[a-zA-Z]:[\\/]")


class Declarations:
    """The artifacts one ``dvc.yaml`` declares at one commit, from its document read once.

    Artifact names are interpolated too, as DVC does; when two come out the same, the later
    one is the artifact (DVC's ``dict.update``). The parameter files are read when a
    ``${...}`` first needs them, once. ``document`` is what ``load_yaml`` gave: it is not
    changed, so one document may serve every commit where the file is the same.
    """

    def __init__(self, document: Any, where: Where, read_file: FileReader) -> None:
        data = document or {}
        if not isinstance(data, dict):
            raise where.error(f"expected a mapping at the top, found {kind_of(data)}")
        refuse_interpolated_vars(data.get("vars"), where)
        artifacts = data.get("artifacts")
        if "artifacts" in data and not isinstance(artifacts, dict):
            raise where.error(f"'artifacts' must be a mapping, found {kind_of(artifacts)}")
        self._where, self._artifacts = where, artifacts
        self._dirname = posixpath.dirname(where.path)
        self._context = functools.lru_cache(maxsize=1)(
            lambda: load_context(data, self._dirname, read_file, where))
        self._declared: Optional[Dict[str, str]] = None

    def path(self, name: str) -> str:
        """The path of artifact ``name``, relative to the git root (a URL as written)."""
        return self._path(*self._entry(name))

    def _path(self, key: str, entry: Dict[Any, Any]) -> str:
        where = self._where
        field = f"artifacts.{key}.path"
        path = entry.get("path")
        if not isinstance(path, str):
            raise where.error(f"{field} must be a string, found {kind_of(path)}")
        value = interpolate(path, self._context, where, field)
        if not isinstance(value, str):
            raise where.error(f"{field} {path!r} must be a string, found {kind_of(value)}")
        return _artifact_location(self._dirname, value, where, field)

    def declaration(self, name: str) -> Declaration:
        """Artifact ``name``'s path and the annotations that DVC checks (``type`` and ``desc``
        strings, ``labels`` a list of strings, ``meta`` anything), with ``${...}`` interpolated
        in each of them as DVC resolves a whole definition."""
        key, entry = self._entry(name)
        where, path = self._where, self._path(key, entry)
        fields: Dict[str, Any] = {}
        for field in ("type", "desc", "labels", "meta"):
            if entry.get(field) is not None:
                fields[field] = _interpolated(entry[field], self._context, where, f"artifacts.{key}.{field}")
        for field in ("type", "desc"):
            if not isinstance(fields.get(field, ""), str):
                raise where.error(f"artifacts.{key}.{field} must be a string, found {kind_of(fields[field])}")
        labels = fields.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
            raise where.error(f"artifacts.{key}.labels must be a list of strings")
        meta = fields.get("meta", {})
        return Declaration(path, fields.get("type"), fields.get("desc"), tuple(labels), meta)

    def _entry(self, name: str) -> Tuple[str, Dict[Any, Any]]:
        """The key (as written) and the mapping that declare artifact ``name``."""
        where = self._where
        if self._artifacts is None:
            raise ArtifactNotFoundError(f"{where.path} at commit {where.commit} declares no artifacts "
                                        f"(looked for '{name}')")
        if self._declared is None:
            self._declared = _declared_names(self._artifacts, self._context, where)
        if name not in self._declared:
            raise ArtifactNotFoundError(
                f"{where.path} at commit {where.commit} does not declare artifact '{name}'; "
                f"it declares: {', '.join(sorted(self._declared)) or 'none'}"
            )
        key = self._declared[name]
        entry = self._artifacts[key]
        if not isinstance(entry, dict):
            raise where.error(f"artifacts.{key} must be a mapping, found {kind_of(entry)}")
        return key, entry


def _declared_names(
    artifacts: Dict[Any, Any], context: Callable[[], Dict[str, Any]], where: Where
) -> Dict[str, str]:
    """Each artifact's name, interpolated as DVC does, -> its key as written."""
    declared: Dict[str, str] = {}
    for key in artifacts:
        if not isinstance(key, str):
            raise where.error(f"artifact name {key!r} is {kind_of(key)}, not a string: quote it")
        resolved = interpolate(key, context, where, f"artifact name {key!r}")
        if not isinstance(resolved, str):
            raise where.error(f"artifact name {key!r} is {kind_of(resolved)} once interpolated, not a string")
        declared[resolved] = key
    return declared


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
    return inside_repository(posixpath.normpath(joined.replace("\\", "/")), path, where, field)


class Declaration(NamedTuple):
    """An artifact's declaration as DVC models it (``dvc.annotations.Artifact``), interpolated."""

    path: str
    """Relative to the git root, as :meth:`Declarations.path` gives it."""
    type: Optional[str] = None
    desc: Optional[str] = None
    labels: Tuple[str, ...] = ()
    meta: Optional[Dict[str, Any]] = None
    """Any YAML, with every value JSON can hold as it is and the others as text; {} if none."""

    def annotations(self) -> Dict[str, Any]:
        """``type``, ``desc``, ``labels`` and ``meta``, as a JSON answer carries them."""
        return {"type": self.type, "desc": self.desc, "labels": list(self.labels), "meta": self.meta}


def _interpolated(value: Any, context: Callable[[], Dict[str, Any]], where: Where, field: str) -> Any:
    """``value`` with ``${...}`` interpolated in every string of it (keys too), as plain JSON
    values (text for the others); at most MAX_INTERPOLATED of them, counting an alias at each
    use (a small file can hold a mapping of billions), and none holding itself (``&a [*a]``)."""
    budget = [MAX_INTERPOLATED]
    inside: Set[int] = set()  # the collections being walked, by id

    def walk(item: Any, interpolating: bool) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise where.error(f"{field} holds more than {MAX_INTERPOLATED:,} values")
        if isinstance(item, str):
            if not interpolating:
                return item
            resolved = interpolate(item, context, where, field)
            return resolved if isinstance(resolved, str) else walk(resolved, False)  # ``${x}`` alone
        if isinstance(item, (dict, list, tuple)):
            if id(item) in inside:
                raise where.error(f"{field} holds itself (a YAML alias inside what it names)")
            inside.add(id(item))
            try:
                if isinstance(item, dict):
                    return {_json_key(walk(key, interpolating)): walk(inner, interpolating)
                            for key, inner in item.items()}
                return [walk(inner, interpolating) for inner in item]
            finally:
                inside.discard(id(item))
        if item is None or isinstance(item, (bool, int)):
            return item
        if isinstance(item, float) and abs(item) != float("inf") and item == item:
            return item
        return str(item)  # what JSON cannot hold: infinities, bytes of !!binary, ...

    return walk(value, True)


def _json_key(key: Any) -> str:
    """A mapping key as JSON writes one (``null``, ``true``, ``1.5``), where Python's text of it
    differs (``None``, ``True``)."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)
