"""Repositories behind one small interface: list the tags, date them, read files at a commit.

Everything above this module is shared by every kind of repository, so a rule
fixed once is fixed for every transport. The output of ``for-each-ref`` and
``ls-remote`` is parsed here and nowhere else.
"""

from __future__ import annotations

import contextlib
import os

from . import git
from ._records import NamedTuple
from .cache import CacheFolder
from .errors import ArtifactsShowError, GitError, GitTimeoutError
from .urls import LocalPath, RemoteUrl, classify

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import Callable, Dict, Iterator, List, Optional, Protocol, Tuple, TypeVar, Union

    from .dvcyaml import FileReader

    T = TypeVar("T")
    TagFacts = Dict[str, Tuple[str, Optional[int]]]
    """Tag object id -> (the commit it peels to, or '' if none; its tagger date if known)."""

MAX_FILE_BYTES = 4 << 20
"""Files read from the registry (dvc.yaml, params) are capped at 4 MiB."""


class NotACommitError(Exception):
    """A tag seemed to point at a commit, but the object is a tree or a blob.

    ``ls-remote`` cannot tell; the lookup drops such tags and decides again.
    """

    def __init__(self, object_id: str) -> None:
        super().__init__(object_id)
        self.object_id = object_id


class TagRecord(NamedTuple):
    """One annotated tag: its name, the commit it peels to, its tagger date if known."""

    name: str
    commit: str
    date: Optional[int] = None
    object_id: str = ""


if TYPE_CHECKING:  # a type for the api; nothing at run time

    class Repository(Protocol):
        subproject: str
        """The DVC sub-project (relative to the git root) that paths are reported from."""

        def annotated_tags(self) -> List[TagRecord]:
            """Annotated tags that point (perhaps through other tags) at commits."""

        def with_dates(self, tags: List[TagRecord]) -> List[TagRecord]:
            """The same tags with their tagger dates filled in."""

        def files_at(self, commit: str) -> contextlib.AbstractContextManager[FileReader]:
            """A reader of files (paths relative to the git root) at ``commit``; None if absent."""

        def close(self) -> None:
            """Release what the repository holds (a temporary cache folder)."""


@contextlib.contextmanager
def open_repository(repo: Union[str, "os.PathLike[str]", None]) -> Iterator[Repository]:
    """The repository ``repo`` names; refused values never reach git (see ``urls``)."""
    where = classify(repo)
    repository: Repository
    if isinstance(where, LocalPath):
        repository = LocalRepository(where.path)
    else:
        repository = RemoteRepository(where)
    try:
        yield repository
    finally:
        repository.close()


_TAG_FORMAT = (
    "%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00%(taggerdate:unix)"
)


def parse_for_each_ref(output: bytes) -> Tuple[List[TagRecord], List[TagRecord]]:
    """Annotated tags whose target is a commit, and tags of tags still to peel.

    Lightweight tags (object type commit) are ignored, as the registry tools do;
    so are tags of trees and blobs. Tags of tags come back with the inner tag as commit.
    """
    tags: List[TagRecord] = []
    nested: List[TagRecord] = []
    for line in output.decode("utf-8", "surrogateescape").splitlines():
        refname, object_type, object_id, target_type, target, date = line.split("\0")
        if object_type != "tag" or not refname.startswith("refs/tags/"):
            continue
        record = TagRecord(refname[len("refs/tags/"):], target, int(date) if date else None, object_id)
        if target_type == "commit":
            tags.append(record)
        elif target_type == "tag":
            nested.append(record)
    return tags, nested


def parse_ls_remote(output: bytes) -> Dict[str, Tuple[str, Optional[str]]]:
    """``refs/tags/<name>`` lines -> {name: (object id, peeled object id or None)}.

    A peeled ``^{}`` line marks an annotated tag; bundles list refs unpeeled.
    """
    listing: Dict[str, Tuple[str, Optional[str]]] = {}
    peeled: Dict[str, str] = {}
    for line in output.decode("utf-8", "surrogateescape").splitlines():
        object_id, _, refname = line.partition("\t")
        if not refname.startswith("refs/tags/"):
            continue
        name = refname[len("refs/tags/"):]
        if name.endswith("^{}"):
            peeled[name[:-3]] = object_id
        else:
            listing[name] = (object_id, None)
    for name, target in peeled.items():
        if name in listing:
            listing[name] = (listing[name][0], target)
    return listing


def _list_tags(cwd: str, env: Optional[Dict[str, str]] = None) -> List[TagRecord]:
    """Annotated tags of a repository on disk, tags of tags peeled: one or two git processes."""
    output = git.run(["for-each-ref", f"--format={_TAG_FORMAT}", "refs/tags/"], cwd=cwd, env=env)
    tags, nested = parse_for_each_ref(output)
    if nested:
        request = "".join(f"refs/tags/{tag.name}^{{}}\n" for tag in nested)
        peeled = git.run(
            ["cat-file", "--batch-check=%(objecttype) %(objectname)"],
            cwd=cwd, env=env, stdin=request.encode("utf-8", "surrogateescape"),
        ).decode().splitlines()
        tags.extend(
            tag._replace(commit=line.split()[1])
            for tag, line in zip(nested, peeled) if line.startswith("commit ")
        )
    return tags


def tree_entry(tree: bytes, name: str, id_bytes: int) -> Optional[Tuple[bytes, str]]:
    """(mode, object id) of ``name`` in a raw tree object, None if absent."""
    wanted = name.encode("utf-8", "surrogateescape")
    position = 0
    while position < len(tree):
        space = tree.index(b" ", position)
        nul = tree.index(b"\0", space)
        if tree[space + 1:nul] == wanted:
            return tree[position:space], tree[nul + 1:nul + 1 + id_bytes].hex()
        position = nul + 1 + id_bytes
    return None


class CommitFiles:
    """Regular files at one commit, read through one ``cat-file --batch`` process.

    The tree entry is looked at first, so that a submodule or a symbolic link
    is reported as such instead of being followed or fetched; each folder's
    tree is read once (``dvc.yaml`` and ``params.yaml`` share one).
    """

    def __init__(self, batch: git.CatFileBatch, commit: str) -> None:
        self.batch, self.commit = batch, commit
        self._trees: Dict[str, Optional[bytes]] = {}

    def _tree(self, folder: str) -> Optional[bytes]:
        if folder not in self._trees:
            found = self.batch.read(f"{self.commit}:{folder}")
            self._trees[folder] = found[1] if found is not None and found[0] == "tree" else None
        return self._trees[folder]

    def __call__(self, path: str) -> Optional[bytes]:
        """The bytes of the regular file ``path``; None if there is none."""
        parent, _, name = path.rpartition("/")
        tree = self._tree(parent)
        entry = tree_entry(tree, name, len(self.commit) // 2) if tree is not None else None
        if entry is None or entry[0] == b"40000":
            return None
        mode, object_id = entry
        where = f"{path} at commit {self.commit}"
        if mode == b"160000":
            raise ArtifactsShowError(f"{where} is a submodule, not a file")
        if mode == b"120000":
            raise ArtifactsShowError(f"{where} is a symbolic link; only files are read")
        try:
            found = self.batch.read(object_id)
        except git.ObjectTooLarge as large:
            raise ArtifactsShowError(
                f"{where} is {large.size} bytes, more than the {large.limit} bytes artifacts-show reads"
            ) from None
        return found[1] if found is not None and found[0] == "blob" else None


class LocalRepository:
    """A repository on this machine: work tree, any folder in it, or a bare repository."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        if not os.path.isdir(self.path):
            raise GitError(f"not a git repository: {self.path} is not a folder")
        output = git.run(["rev-parse", "--is-bare-repository", "--show-prefix"], cwd=self.path)
        lines = output.decode("utf-8", "surrogateescape").splitlines()
        if len(lines) < 2:
            raise GitError(f"not a git repository: {self.path}")
        bare, prefix = lines[0] == "true", lines[1].strip("/")
        self.subproject = "" if bare else _dvc_subproject(self.path, prefix)

    def annotated_tags(self) -> List[TagRecord]:
        return _list_tags(self.path)

    def with_dates(self, tags: List[TagRecord]) -> List[TagRecord]:
        return tags  # for-each-ref already gave them

    @contextlib.contextmanager
    def files_at(self, commit: str) -> Iterator[FileReader]:
        with git.CatFileBatch(cwd=self.path, max_size=MAX_FILE_BYTES) as batch:
            yield CommitFiles(batch, commit)

    def close(self) -> None:
        pass


def _dvc_subproject(path: str, prefix: str) -> str:
    """The innermost folder between ``path`` and the git root that holds a ``.dvc`` directory.

    DVC reports paths relative to such a sub-project when opened inside it.
    """
    parts = prefix.split("/") if prefix else []
    folder = path
    while parts:
        if os.path.isdir(os.path.join(folder, ".dvc")):
            return "/".join(parts)
        parts.pop()
        folder = os.path.dirname(folder)
    return ""


def _is_repository(path: str, object_format: Optional[str]) -> bool:
    """Whether ``path`` holds a bare repository (of ``object_format``, if given).

    git writes ``objectformat = sha256`` into the config of a SHA-256 repository.
    """
    if not os.path.isfile(os.path.join(path, "HEAD")):
        return False
    if object_format is None:
        return True
    try:
        with open(os.path.join(path, "config"), "rb") as config:
            sha256 = b"objectformat = sha256" in config.read()
    except OSError:
        return False
    return sha256 == (object_format == "sha256")


_CREDENTIAL_HELPER = (
    '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" '
    '"$ARTIFACTS_SHOW_USERNAME" "$ARTIFACTS_SHOW_PASSWORD"; }; f'
)
"""Answers git's credential requests from the git process's own environment: the
token never appears on a command line, in a file, or in the cache's config."""


class RemoteRepository:
    """A remote registry, never cloned: ``ls-remote`` for the tags, then only what answers need.

    Objects land in a per-URL bare partial repository in the cache; what was
    learned from tag objects (the commit, the tagger date) is kept as facts,
    and the api remembers answers per commit, so a warm lookup is one
    ``git ls-remote`` and nothing else.
    """

    subproject = ""

    def __init__(self, remote: RemoteUrl) -> None:
        self.remote = remote
        self._env = self._environment()
        # Listed while the rest of the lookup gets ready: a warm lookup is this process alone.
        self._listing_run: Optional[git.RunningGit] = git.start(
            ["ls-remote", "--tags", "--", remote.url], env=self._env
        )
        self._listing: Dict[str, Tuple[str, Optional[str]]] = {}
        self._known: Optional[TagFacts] = None
        self._tag_of: Dict[str, str] = {}  # commit -> a tag to fetch it by
        self._files: Optional[CommitFiles] = None
        self._fetching: Optional[git.RunningGit] = None  # the fetch of the commit being read
        self._session: Optional[contextlib.ExitStack] = None  # the lock, the fetch, cat-file
        try:
            self.cache = CacheFolder.open(remote.url)
            if not _is_repository(self.cache.repo, None):
                self._make_repo_while_listing()
        except BaseException:
            self._listing_run.abandon()
            raise

    def _environment(self) -> Dict[str, str]:
        pairs = [
            ("remote.origin.url", self.remote.url),
            ("remote.origin.promisor", "true"),  # missing blobs come from origin on demand
            ("remote.origin.partialclonefilter", "blob:none"),
            ("gc.auto", "0"),
            ("maintenance.auto", "false"),
            ("fetch.recurseSubmodules", "false"),
        ]
        secrets = {}
        if self.remote.username is not None:
            pairs += [
                ("credential.helper", ""),  # no stored credential can win over the URL's
                (f"credential.{self.remote.credential_scope}.helper", _CREDENTIAL_HELPER),
            ]
            secrets = {
                "ARTIFACTS_SHOW_USERNAME": self.remote.username,
                "ARTIFACTS_SHOW_PASSWORD": self.remote.password or "",
            }
        return {**git.config_env(pairs), **secrets}

    def annotated_tags(self) -> List[TagRecord]:
        assert self._listing_run is not None, "the tags of a remote repository are listed once"
        running, self._listing_run = self._listing_run, None
        self._listing = parse_ls_remote(running.output())
        known = self._tag_facts()
        if self.remote.bundle:
            unknown = [name for name, (oid, _) in self._listing.items() if oid not in known]
            if unknown:
                known = self._learn_tags(unknown)
        records = []
        for name, (object_id, peeled) in sorted(self._listing.items()):
            commit, date = known.get(object_id, (peeled or "", None))
            if commit and (peeled or self.remote.bundle):  # not a lightweight tag, not a tag of a tree
                records.append(TagRecord(name, commit, date, object_id))
                self._tag_of.setdefault(commit, name)
        return records

    def with_dates(self, tags: List[TagRecord]) -> List[TagRecord]:
        undated = [tag.name for tag in tags if tag.date is None]
        known = self._learn_tags(undated) if undated else self._tag_facts()
        return [tag._replace(date=known.get(tag.object_id, ("", tag.date))[1]) for tag in tags]

    def _tag_facts(self, fresh: bool = False) -> TagFacts:
        """What each tag object is known to peel to ('' if not a commit), and its tagger date.

        One file for all tags of the URL, read once per lookup (again, ``fresh``,
        before adding to it, so that what other lookups learned is kept).
        """
        if self._known is None or fresh:
            self._known = {}
            for line in (self.cache.facts.get("tags") or b"").decode().splitlines():
                object_id, commit, date = line.split(" ")
                self._known[object_id] = (commit if commit != "-" else "",
                                          int(date) if date != "-" else None)
        return self._known

    def _remember_tags(self, learned: TagFacts) -> TagFacts:
        facts = self._tag_facts(fresh=True)
        facts.update(learned)
        self.cache.facts.put("tags", "".join(
            f"{object_id} {commit or '-'} {'-' if date is None else date}\n"
            for object_id, (commit, date) in sorted(facts.items())
        ).encode())
        return facts

    def _learn_tags(self, names: List[str]) -> TagFacts:
        """Fetch tag objects (and their commits, no trees) and remember what they say."""
        refspecs = "".join(f"+refs/tags/{name}:refs/tags/{name}\n" for name in names)

        def fetch_and_list() -> Dict[str, TagRecord]:
            with self._locked_repo():
                self._start_fetch(["--depth=1", "--filter=tree:0"], refspecs).output()
                return {tag.object_id: tag for tag in _list_tags(self.cache.repo, self._env)}

        found = self._despite_the_cache(fetch_and_list)
        learned = {}
        for name in names:
            tag = found.get(self._listing[name][0])
            learned[self._listing[name][0]] = (tag.commit, tag.date) if tag else ("", None)
        return self._remember_tags(learned)

    def _start_fetch(self, options: List[str], refspecs: str) -> git.RunningGit:
        return git.start(
            ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", *options, "--stdin", "origin"],
            cwd=self.cache.repo, env=self._env, stdin=refspecs.encode("utf-8", "surrogateescape"),
        )

    def _object_format(self) -> Optional[str]:
        """The remote's object format, once the listing has told it."""
        some_id = next(iter(self._listing.values()), ("",))[0]
        return ("sha256" if len(some_id) == 64 else "sha1") if some_id else None

    @contextlib.contextmanager
    def _locked_repo(self, wait: Optional[float] = None) -> Iterator[None]:
        """The cache repository, created if needed, under the URL's lock."""
        with self.cache.locked(git.timeout_seconds() if wait is None else wait):
            self.cache.remove_stale_locks()
            object_format = self._object_format()
            if not _is_repository(self.cache.repo, object_format):
                self.cache.reset_repo()
                git.run(["init", "--quiet", "--bare", f"--object-format={object_format or 'sha1'}",
                         self.cache.repo])
            yield

    def _make_repo_while_listing(self) -> None:
        """Create the repository of a cold cache now, while git lists the tags.

        SHA-1 is a guess until the listing tells (a SHA-256 remote gets its
        repository made again). If another lookup holds the lock, it is making
        it; if this fails, the first read meets the failure again, and retries.
        """
        with contextlib.suppress(GitError):
            with self._locked_repo(wait=0):
                pass

    @contextlib.contextmanager
    def files_at(self, commit: str) -> Iterator[FileReader]:
        """Files at ``commit``. Its fetch has started when this returns, so that
        the caller can get ready to read (load YAML) while it runs."""
        try:
            self._despite_the_cache(lambda: self._start_session(commit))
            yield lambda path: self._read(commit, path)
        finally:
            self._end_session()

    def _read(self, commit: str, path: str) -> Optional[bytes]:
        return self._despite_the_cache(lambda: self._read_with_git(commit, path))

    def _despite_the_cache(self, work: Callable[[], T]) -> T:
        """Do ``work``; if git fails, try again in a rebuilt cache, then in a temporary one.

        A fetch killed halfway, a damaged pack or a full disk must not break
        lookups; a failure of the server itself fails all three tries the same
        way, and the first error is the one reported. Timeouts are not retried.
        """
        try:
            return work()
        except GitTimeoutError:
            raise
        except GitError as first:
            for rebuild in (self._rebuild_cache, self._use_temporary_cache):
                self._end_session()
                try:
                    rebuild()
                    return work()
                except GitTimeoutError:
                    raise
                except GitError:
                    pass
            raise first from None

    def _rebuild_cache(self) -> None:
        with self._locked_repo():
            self.cache.reset_repo()

    def _use_temporary_cache(self) -> None:
        self.cache.close()
        self.cache = CacheFolder.temporary()

    def _start_session(self, commit: str) -> None:
        """Take the URL's lock, held until the files are read, and start fetching
        ``commit`` unless it is here already: all of it or none of it."""
        with contextlib.ExitStack() as session:
            session.enter_context(self._locked_repo())
            if not os.path.exists(self._fetched_marker(commit)):
                tag = self._tag_of[commit]
                running = self._start_fetch(["--depth=1", "--filter=blob:none"],
                                            f"+refs/tags/{tag}:refs/tags/{tag}\n")
                session.callback(running.abandon)
                self._fetching = running
            self._session = session.pop_all()

    def _fetched_marker(self, commit: str) -> str:
        return os.path.join(self.cache.repo, "artifacts-show-commits", commit)

    def _read_with_git(self, commit: str, path: str) -> Optional[bytes]:
        if self._files is None:
            if self._session is None:
                self._start_session(commit)
            assert self._session is not None
            if self._fetching is not None:
                running, self._fetching = self._fetching, None
                running.output()
                marker = self._fetched_marker(commit)
                os.makedirs(os.path.dirname(marker), exist_ok=True)
                open(marker, "wb").close()
            batch = self._session.enter_context(
                git.CatFileBatch(cwd=self.cache.repo, env=self._env, max_size=MAX_FILE_BYTES)
            )
            found = batch.read(commit)
            if found is None or found[0] != "commit":
                self._remember_tags({object_id: ("", None) for object_id, peeled
                                     in self._listing.values() if peeled == commit})
                raise NotACommitError(commit)
            self._files = CommitFiles(batch, commit)
        return self._files(path)

    def _end_session(self) -> None:
        """Release the lock; stop a fetch or a ``cat-file`` still running."""
        self._files = self._fetching = None
        if self._session is not None:
            session, self._session = self._session, None
            session.close()

    def close(self) -> None:
        if self._listing_run is not None:  # the lookup failed before it read the listing
            self._listing_run.abandon()
        self._end_session()
        self.cache.close()
