"""Where an artifact's data lives: the storage URL ``dvc.api.get_url`` gives, without DVC.

Pure: the files of the commit come through ``read_file`` and ``listing``, the
user's own DVC config files as arguments; nothing here runs git, opens a file or
reaches a network. The fetch layer asks :func:`files_to_read` which blobs to
fetch (one round, all of them together), then calls :func:`data_url`.

What DVC does, and what is done here (each checked against dvc 3.67.1):

- The output is found in ``<path>.dvc`` (or ``<folder>.dvc`` of a folder
  holding the path, which makes the path a file inside a tracked directory),
  or in a ``dvc.lock`` beside a ``dvc.yaml`` that still declares the stage,
  anywhere in the DVC project; paths are relative to the file (or the stage's
  ``wdir``). Outputs with ``cache: false`` have no storage URL.
- The DVC project of a path is the innermost folder holding a ``.dvc``
  directory at that commit (the git root if none does); only its DVC files and
  its ``.dvc/config`` count, as DVC opens sub-projects.
- The config (its levels, which remote is used, ``remote://`` references)
  is read as :mod:`artifacts_show.dvcconfig` describes.
- DVC 3 hashes (``hash: md5``) live under ``files/md5/ab/cdef...``, DVC 2
  hashes (no ``hash`` field) under ``ab/cdef...``; a directory is its ``.dir``
  object. Version-aware (and ``worktree``) remotes keep files by path:
  ``s3://b/p/<path>?versionId=V``, ``gs://b/p/<path>#V``,
  ``azure://c/p/<path>?versionid=V``, a directory as ``<remote>/<path>``.
- Each kind of URL is rebuilt as DVC's file system prints it: ``webdav(s)://``
  as ``http(s)://``; ``ssh://`` and ``hdfs://`` without the user; s3 and gs
  without user, port and query; a relative local path against the folder of
  the config file that names it (for the commit's own config: the work tree's
  ``.dvc`` folder of a local repository, else ``/<project>/.dvc`` as DVC does
  for a clone).

Deliberate differences, named as in the README's "Storage URL" and counted by
parity/test_url_parity.py: a local work tree answers from the commit's config
(DVC takes the default remote from the work tree's, or answers its local
cache: local-worktree-config, local-cache); ``remote=`` names a remote of the
path's sub-project (subproject-remote); a file inside a tracked directory is an
error, not read from storage (inside-directory); only ``<path>.dvc`` files are
read, not every ``.dvc`` file (dvc-file-elsewhere); only the files that can
record the path, and only the config options that shape a URL, are checked
(whole-project-checks); a URL path is its own URL (url-path); an output of
``dvc import`` is an error (repo-import).
"""

from __future__ import annotations

import posixpath

from . import dvcconfig
from ._speed import TYPE_CHECKING, NamedTuple
from .dvcyaml import is_url
from .errors import ArtifactNotFoundError, MalformedFileError, UnsupportedContentError
from .yaml12 import Where, load_yaml

if TYPE_CHECKING:
    from typing import Any, Callable, Collection, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

    from .dvcconfig import ConfigFile, LocalCheckout, Options
    from .yaml12 import FileReader

_VERSION_SUFFIX = {"s3": "?versionId=", "gs": "#", "azure": "?versionid="}


class _Output(NamedTuple):
    path: str  # relative to the git root
    source: str  # the DVC file that records it
    entry: Dict[str, Any]  # its record: md5, hash, cloud (empty: declared, never run)
    cache: bool
    remote: Optional[str]
    imported_from: Optional[str]  # the repository of a ``dvc import``


# -- the commit's layout: DVC projects and their DVC files, from the listing alone --

class _Layout:
    """Which DVC project holds a path, and which DVC files belong to it.

    ``listing`` holds every file path of the commit (a blobless fetch has the
    trees, so it costs no blob). A project root is a folder with a ``.dvc``
    directory; git keeps no empty folders, so a file in it shows the directory.
    """

    def __init__(self, listing: Collection[str]) -> None:
        self.files = listing if isinstance(listing, (set, frozenset)) else set(listing)
        self.roots = {""}
        for path in self.files:
            parts = path.split("/")
            for index, part in enumerate(parts[:-1]):
                if part == ".dvc":
                    self.roots.add("/".join(parts[:index]))

    def project_of(self, path: str) -> str:
        return max((root for root in self.roots if _inside(path, root)), key=len)

    def pipelines(self, project: str) -> List[Tuple[str, str]]:
        """(dvc.yaml, dvc.lock) of every folder of ``project`` that holds either."""
        folders = sorted({posixpath.dirname(path) for path in self.files
                          if posixpath.basename(path) in ("dvc.yaml", "dvc.lock")
                          and self._dvc_file_of(path, project)})
        return [(posixpath.join(folder, "dvc.yaml"), posixpath.join(folder, "dvc.lock"))
                for folder in folders]

    def _dvc_file_of(self, path: str, project: str) -> bool:
        return ".dvc" not in path.split("/")[:-1] and self.project_of(path) == project

    def tracking_files(self, path: str, project: str) -> List[str]:
        """``<path>.dvc``, then ``<folder>.dvc`` of each folder holding ``path`` within the project."""
        found = []
        candidate = path
        while candidate and candidate != project:
            if f"{candidate}.dvc" in self.files:
                found.append(f"{candidate}.dvc")
            candidate = posixpath.dirname(candidate)
        return found

    def config(self, project: str) -> str:
        return posixpath.join(project, ".dvc", "config")


def _normalized(path: str) -> str:
    """The path as DVC takes it: ``./a``, ``a//b``, ``/a`` are ``a``, ``a/b``, ``a``."""
    return posixpath.normpath(path).lstrip("/")


def _inside(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


def files_to_read(path: str, listing: Collection[str]) -> List[str]:
    """Every file :func:`data_url` may read for ``path``, so that they are fetched in one go.

    The project's ``.dvc/config``; ``<path>.dvc`` and ``<folder>.dvc`` of the
    folders holding it; each ``dvc.yaml`` and ``dvc.lock`` of the project.
    Only files present in ``listing`` are named.
    """
    if is_url(path):
        return []
    path = _normalized(path)
    layout = _Layout(listing)
    project = layout.project_of(path)
    wanted = [layout.config(project), *layout.tracking_files(path, project)]
    for pair in layout.pipelines(project):
        wanted.extend(pair)
    return [name for name in wanted if name in layout.files]


def data_url(
    path: str,
    *,
    commit: str,
    listing: Collection[str],
    read_file: FileReader,
    remote: Optional[str] = None,
    user_config: Sequence[ConfigFile] = (),
    checkout: Optional[LocalCheckout] = None,
) -> str:
    """The URL of ``path``'s data in DVC remote storage, as recorded at ``commit``.

    Args:
        path: relative to the git root, with '/' (as ``dvcyaml.Declarations.path``
            gives it); a path that is already a URL comes back unchanged.
        listing: every file path at the commit (``git ls-tree -r --name-only``).
        read_file: the bytes of a regular file at the commit, None if absent.
            Only files named by :func:`files_to_read` are read.
        remote: a remote's name instead of the default remote (``core.remote``).
        user_config: the contents of the system then the global DVC config
            files that exist (:func:`.dvcconfig.user_config_paths` says where they are).
        checkout: the work tree of a local repository, for ``.dvc/config.local``
            and relative remote paths; None for a remote or a bare repository.

    Raises:
        ArtifactNotFoundError: no DVC output records the path (a file in git, a
            file inside a tracked directory, a stage never run, ``cache: false``),
            no default remote, no remote of that name; the message says what exists.
        MalformedFileError: a malformed config, ``.dvc``, ``dvc.yaml`` or
            ``dvc.lock`` file, naming the file and the commit.
    """
    if is_url(path):
        return path
    path = _normalized(path)
    layout = _Layout(listing)
    project = layout.project_of(path)
    output = _find_output(path, commit, layout, project, read_file)
    config = dvcconfig.load_config(commit, layout.config(project), project, layout.files, read_file,
                                   user_config, checkout)
    if remote is not None:  # a name that does not exist is an error even where the output has its own
        dvcconfig.remote_settings(config, remote, commit, ())
    name = output.remote or remote or config.get("core", {}).get("remote")
    if not name:
        raise ArtifactNotFoundError(
            f"no default remote for {path} at commit {commit}: core.remote is not set in "
            f"{layout.config(project)} nor in the user's DVC config; {dvcconfig.describe_remotes(config)}"
        )
    url, options = dvcconfig.remote_settings(config, name, commit, ())
    return _storage_url(url, options, output, project, name, commit)


# -- finding the output --

def _find_output(path: str, commit: str, layout: _Layout, project: str, read_file: FileReader) -> _Output:
    outputs: List[_Output] = []
    for name in layout.tracking_files(path, project):
        outputs.extend(_tracked_outputs(name, _read(read_file, name, commit), commit))
    for dvcyaml_path, lock_path in layout.pipelines(project):
        if dvcyaml_path in layout.files:  # a dvc.lock without its dvc.yaml declares nothing
            lock = _read(read_file, lock_path, commit) if lock_path in layout.files else None
            content = _read(read_file, dvcyaml_path, commit)
            outputs.extend(_pipeline_outputs(dvcyaml_path, content, lock_path, lock, commit))
    exact = [output for output in outputs if output.path == path]
    if not exact:
        holder = next((output for output in outputs if path.startswith(output.path + "/")), None)
        if holder is not None:
            raise ArtifactNotFoundError(
                f"{path} lies inside {holder.path}, a directory DVC tracks as one output "
                f"({holder.source} at commit {commit}): only the directory has a storage URL; "
                f"ask for {holder.path}"
            )
        if path in layout.files:
            raise ArtifactNotFoundError(
                f"{path} at commit {commit} is a file kept in git, not a DVC output: it has no storage URL"
            )
        nearby = sorted({output.path for output in outputs
                         if output.entry and output.cache and output.imported_from is None})
        raise ArtifactNotFoundError(
            f"no DVC output records {path} at commit {commit} (looked for {path}.dvc and in the "
            f"dvc.lock files of the DVC project{' ' + project if project else ''}); "
            f"outputs recorded there: {', '.join(nearby[:10]) or 'none'}"
            + (f" and {len(nearby) - 10} more" if len(nearby) > 10 else "")
        )
    output = exact[0]
    where = f"{output.source} at commit {commit}"
    if output.imported_from is not None:
        raise ArtifactNotFoundError(
            f"{where} imports {path} from {output.imported_from} (dvc import): "
            "its data lives in that repository's storage; ask that repository"
        )
    if not output.cache:
        raise ArtifactNotFoundError(f"{where} declares {path} with cache: false: DVC keeps it in no remote")
    if not output.entry.get("md5"):
        raise ArtifactNotFoundError(
            f"{where} records no hash for {path}: the stage that produces it has not been run "
            "and committed, so it is in no remote"
        )
    return output


def _read(read_file: FileReader, name: str, commit: str) -> bytes:
    content = read_file(name)
    if content is None:  # listed, yet not a regular file
        raise UnsupportedContentError(f"{name} at commit {commit} is listed but is not a file")
    return content


def _tracked_outputs(name: str, content: bytes, commit: str) -> Iterator[_Output]:
    """Outputs of a ``.dvc`` file: paths relative to its folder, or to its ``wdir``."""
    where = Where(name, commit)
    data = _mapping(load_yaml(content, where), where, "the file")
    base = _folder(posixpath.dirname(name), data.get("wdir"), where)
    deps = _list(data.get("deps"), where, "deps")
    repos = [dep["repo"].get("url") for dep in deps
             if isinstance(dep, dict) and isinstance(dep.get("repo"), dict)]
    for out in _list(data.get("outs"), where, "outs"):
        yield _output(out, base, name, where, out if isinstance(out, dict) else {},
                      str(repos[0]) if repos else None)


def _pipeline_outputs(
    dvcyaml_path: str, dvcyaml: bytes, lock_path: str, lock: Optional[bytes], commit: str
) -> Iterator[_Output]:
    """Outputs of the stages a ``dvc.yaml`` declares, with their hashes from the ``dvc.lock`` beside it.

    A lock entry of a stage no longer declared is not an output, as in DVC.
    """
    where = Where(dvcyaml_path, commit)
    stages = _mapping(_mapping(load_yaml(dvcyaml, where), where, "the file").get("stages"), where, "stages")
    lock_where = Where(lock_path, commit)
    locked: Dict[str, Any] = {}
    if lock is not None:
        lock_data = _mapping(load_yaml(lock, lock_where), lock_where, "the file")
        if str(lock_data.get("schema")) != "2.0":
            raise lock_where.error("not a DVC 2 or 3 lock file (schema: '2.0'), which DVC 3 refuses")
        locked = _mapping(lock_data.get("stages"), lock_where, "stages")
    folder = posixpath.dirname(dvcyaml_path)
    for stage_name, declared in stages.items():
        declared = _mapping(declared, where, f"stage {stage_name}")
        grouped = "foreach" in declared or "matrix" in declared  # locked as name@key, one per item
        stage = _mapping(declared.get("do", declared), where, f"stage {stage_name}")
        base = _folder(folder, stage.get("wdir"), where)
        flags, templated = _declared_outputs(stage, where, stage_name)
        names = [name for name in locked
                 if (str(name).startswith(f"{stage_name}@") if grouped else name == stage_name)]
        for name in names:
            entry = _mapping(locked[name], lock_where, f"stage {name}")
            for out in _list(entry.get("outs"), lock_where, f"stage {name} outs"):
                written = out.get("path") if isinstance(out, dict) else None
                if isinstance(out, dict) and not isinstance(written, str):
                    raise lock_where.error(f"stage {name}: an output path must be a string, not {written!r}")
                relative = posixpath.normpath(written) if isinstance(written, str) else ""
                if relative in flags or templated:
                    cache, remote = flags.get(relative, (True, None))
                    yield _output(out, base, lock_path, lock_where, {"cache": cache, "remote": remote}, None)
        if not names:  # declared, never run: no hash, but worth saying so
            for relative, (cache, remote) in flags.items():
                yield _output({"path": relative}, base, dvcyaml_path, where,
                              {"cache": cache, "remote": remote}, None, entry={})


def _declared_outputs(
    stage: Dict[str, Any], where: Where, stage_name: str
) -> Tuple[Dict[str, Tuple[bool, Optional[str]]], bool]:
    """Declared outputs (relative to the stage's wdir) -> (cache, remote); whether any path is templated."""
    flags: Dict[str, Tuple[bool, Optional[str]]] = {}
    templated = False
    for section in ("outs", "metrics", "plots"):
        for item in _list(stage.get(section), where, f"stage {stage_name} {section}"):
            options: Dict[str, Any] = {}
            if isinstance(item, str):
                path = item
            elif isinstance(item, dict) and len(item) == 1:
                path, given = next(iter(item.items()))
                options = given if isinstance(given, dict) else {}
            else:
                raise where.error(
                    f"stage {stage_name}: each of {section} must be a path or a mapping of one path")
            if "${" in str(path):
                templated = True
                continue
            flags[posixpath.normpath(str(path))] = (options.get("cache", True) is not False,
                                                   _remote_field(options.get("remote"), where))
    return flags, templated


def _output(
    out: Any, base: str, source: str, where: Where, flags: Dict[str, Any],
    imported_from: Optional[str], entry: Optional[Dict[str, Any]] = None,
) -> _Output:
    if not isinstance(out, dict) or not isinstance(out.get("path"), str):
        raise where.error("each output must be a mapping with a 'path'")
    md5 = out.get("md5")
    if md5 is not None and not isinstance(md5, str):
        raise where.error(f"the md5 of {out['path']} must be a string, found {type(md5).__name__}")
    return _Output(
        posixpath.normpath(posixpath.join(base, out["path"])), source,
        out if entry is None else entry, flags.get("cache", True) is not False,
        _remote_field(flags.get("remote"), where), imported_from,
    )


def _remote_field(value: Any, where: Where) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        raise where.error(f"an output's remote must be a name, found {type(value).__name__}")
    return value


def _folder(folder: str, wdir: Any, where: Where) -> str:
    if wdir is None:
        return folder
    if not isinstance(wdir, str):
        raise where.error("wdir must be a path")
    return posixpath.normpath(posixpath.join(folder, wdir))


def _mapping(value: Any, where: Where, what: str) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise where.error(f"{what} must be a mapping")
    return value


def _list(value: Any, where: Where, what: str) -> List[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.error(f"{what} must be a list")
    return value



# -- the URL --

def _storage_url(url: str, options: Options, output: _Output, project: str, name: str, commit: str) -> str:
    where = f"remote '{name}' ({url}) at commit {commit}"
    scheme = dvcconfig.scheme_of(url)
    if scheme in dvcconfig.PLUGIN_SCHEMES:
        raise UnsupportedContentError(
            f"{where}: {scheme}:// remotes need DVC's {dvcconfig.PLUGIN_SCHEMES[scheme]} plugin, "
            "whose URLs artifacts-show does not form"
        )
    root, printed = _file_system(url, scheme, options)
    md5 = output.entry["md5"]
    if _version_aware(url, scheme, options, where):
        relative = posixpath.relpath(output.path, project) if project else output.path
        located = posixpath.join(root, relative)
        if md5.endswith(".dir"):
            return printed(located)
        version = _version_id(output.entry)
        if version is None:
            raise ArtifactNotFoundError(
                f"{where} is version-aware (cloud versioning), and {output.source} records no version "
                f"of {output.path} in it: it was not pushed there"
            )
        if scheme not in _VERSION_SUFFIX:
            raise MalformedFileError(f"{where}: DVC keeps no versions on {scheme or 'local'} remotes")
        return printed(located + _VERSION_SUFFIX[scheme] + version)
    hash_name = output.entry.get("hash")
    if hash_name not in (None, "md5", "md5-dos2unix"):
        raise MalformedFileError(f"{output.source} at commit {commit}: unknown hash '{hash_name}' "
                                 f"for {output.path}")
    prefix = ("files", "md5") if hash_name == "md5" else ()
    if not scheme:  # DVC's local object store appends the parts to its folder as they are: a/ + /ab
        return printed(f"{posixpath.join(root, *prefix) if prefix else root}/{md5[:2]}/{md5[2:]}")
    return printed(posixpath.join(root, *prefix, md5[:2], md5[2:]))


def _version_aware(url: str, scheme: str, options: Options, where: str) -> bool:
    version_aware = dvcconfig.flag(options, "version_aware")
    if dvcconfig.flag(options, "worktree"):
        if version_aware is False:
            raise MalformedFileError(f"{where}: worktree remotes require version_aware cloud")
        return True
    if version_aware is None and scheme == "azure":
        from urllib.parse import parse_qs

        return "versionid" in parse_qs(dvcconfig.split_url(url).query)
    return bool(version_aware)


def _version_id(entry: Mapping[str, Any]) -> Optional[str]:
    """The version DVC recorded in the output's ``cloud`` entry (DVC reads the first one)."""
    cloud = entry.get("cloud")
    if isinstance(cloud, dict) and cloud:
        first = next(iter(cloud.values()))
        if isinstance(first, dict) and first.get("version_id") is not None:
            return str(first["version_id"])
    return None


def _file_system(url: str, scheme: str, options: Options) -> Tuple[str, Callable[[str], str]]:
    """(the path DVC's file system works with, how that file system prints a path as a URL)."""
    if not scheme or scheme in ("http", "https"):
        return url, lambda path: path
    parts = dvcconfig.split_url(url)
    host = parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[0]
    path = parts.path + (f"#{parts.fragment}" if parts.fragment else "")
    if scheme in ("s3", "gs"):
        return host + path, lambda located: f"{scheme}://" + located.lstrip("/")
    if scheme == "azure":
        query = f"?{parts.query}" if parts.query else ""
        return host + path + query, lambda located: "azure://" + located.lstrip("/")
    if scheme in ("webdav", "webdavs"):
        from urllib.parse import urlparse

        base = f"{scheme.replace('webdav', 'http')}://{parts.netloc}{urlparse(url).path.rstrip('/')}"
        return "", lambda located: f"{base}/{located}"
    try:
        port = dvcconfig.port(options["port"]) if scheme == "ssh" and "port" in options else parts.port
    except ValueError as problem:
        raise MalformedFileError(f"remote {url}: {problem}") from None
    netloc = host + (f":{port}" if port else "")
    return path, lambda located: f"{scheme}://{netloc}/" + located.lstrip("/")
