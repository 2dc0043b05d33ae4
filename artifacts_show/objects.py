"""What local and remote repositories share: the interface, git's listings parsed, files read.

Everything above this module is shared by every kind of repository, so a rule
fixed once is fixed for every transport. The output of ``for-each-ref`` and
``ls-remote`` is parsed here and nowhere else (split on ``\\n`` only, lines that
do not parse skipped). The local side lives in :mod:`.local`, the remote side in
:mod:`.remote`.
"""

from __future__ import annotations

from . import git
from ._speed import TYPE_CHECKING, NamedTuple
from .errors import GitError, GitTimeoutError, UnsupportedContentError
from .registry import NO_TAGGER_DATE

if TYPE_CHECKING:
    import contextlib
    from typing import Callable, Dict, List, Optional, Protocol, Sequence, Tuple

    from .names import ArtifactName

MAX_FILE_BYTES = 4 << 20
"""Files read from the registry (dvc.yaml, params) are capped at 4 MiB."""


class TagRecord(NamedTuple):
    """One annotated tag of a commit: its name, the commit, its tagger date (every listing
    reads the tag objects)."""

    name: str
    commit: str
    date: int
    """Unix time of the tagger line, ``NO_TAGGER_DATE`` if the tag has none."""


class TagName(NamedTuple):
    """A tag's name, for messages about what exists, and whether it is annotated (the registry
    counts annotated tags only)."""

    name: str
    annotated: bool


if TYPE_CHECKING:  # types for the api; nothing at run time

    class Files(Protocol):
        """Files at some commits, read through one ``cat-file`` process."""

        def want(self, wanted: Sequence[Tuple[str, str]]) -> None:
            """Say which files (commit, path) will be read, so that a remote fetches them together."""

        def reader(self, commit: str) -> Callable[[str], Optional[bytes]]:
            """A reader of regular files (paths relative to the git root); None if absent."""

        def listing(self, commit: str) -> List[str]:
            """Every file path at ``commit`` (relative to the git root)."""

    class Repository(Protocol):
        subproject: str
        """The DVC sub-project (relative to the git root) that paths are reported from."""
        worktree: Optional[str]
        """The top folder of a local work tree; None for a bare or a remote repository."""
        is_remote: bool
        """Whether the repository is reached through git's transports (never cloned)."""
        @property
        def listing_age(self) -> Optional[float]:
            """Seconds since the cached listing of its tags was made; None if listed now."""

        def list_anew(self) -> None:
            """Make the next :meth:`tags` ask the server where a cached listing served."""

        def tags(self) -> List[TagRecord]:
            """Annotated tags of commits (through tags of tags too), of the artifacts the
            repository was opened for, dated."""

        def tag_names(self) -> List[TagName]:
            """All tags, for messages about what exists."""

        def files(self, commits: Sequence[str]) -> contextlib.AbstractContextManager[Files]:
            """Files at ``commits`` (their trees are fetched together where they must be)."""

        def tag_details(self, names: Sequence[str]) -> Dict[str, TagDetails]:
            """Tagger and message of the annotated tags ``names`` that the listing found: read
            where their tag objects are, with no request."""

        def close(self) -> None:
            """Stop what still runs; release what the repository holds."""


def tag_patterns(artifacts: Optional[Sequence[ArtifactName]]) -> List[str]:
    """``for-each-ref`` patterns of the tags of ``artifacts`` (every tag for None).

    The artifact part of a tag name ends at its first ``@`` or ``#``, which
    names never hold, so these match no other artifact's tags. A ``*`` there
    stops at a ``/``, which a stage name may hold: ``#*/**`` takes those.
    """
    if artifacts is None:
        return ["refs/tags/"]
    suffixes = ("@*", "#*", "#*/**")
    return [f"refs/tags/{artifact.in_tag}{suffix}" for artifact in artifacts if artifact.can_be_tagged
            for suffix in suffixes]


EVERY_TAG_REFSPEC = "refs/tags/*"


def tag_refspecs(artifacts: Optional[Sequence[ArtifactName]]) -> List[str]:
    """Fetch refspec patterns of the same tags (a refspec's ``*`` also matches ``/``); none for
    an artifact no tag can name (git would refuse the refspec)."""
    if artifacts is None:
        return [EVERY_TAG_REFSPEC]
    return [f"refs/tags/{artifact.in_tag}{mark}*" for artifact in artifacts if artifact.can_be_tagged
            for mark in "@#"]


def artifact_refspec(ref: str) -> Optional[str]:
    """The refspec pattern of :func:`tag_refspecs` of one artifact that matches tag ``ref``, if
    one can: the artifact part of a tag name ends at its first ``@`` or ``#``, and is an
    artifact's name (anyone who can push writes tag names: ``pkg@1.0``, bytes not UTF-8)."""
    from .names import parse_name_in_tag

    prefix = "refs/tags/"
    name = ref[len(prefix):] if ref.startswith(prefix) else ""
    end = min((at for at in (name.find("@"), name.find("#")) if at > 0), default=0)
    if not end or parse_name_in_tag(name[:end]) is None:
        return None
    return f"{prefix}{name[:end + 1]}*"


TAG_FORMAT = "%(refname)%00%(objecttype)%00%(type)%00%(object)%00%(taggerdate:unix)"
"""What ``for-each-ref`` prints of a tag. ``%(type)`` and ``%(object)`` come from the tag
object itself, so the tagged object need not be there (a partial repository)."""


def parse_for_each_ref(output: bytes) -> Tuple[List[TagRecord], List[TagRecord]]:
    """Annotated tags whose target is a commit, and tags of tags still to peel.

    Lightweight tags (object type commit) are ignored, as the registry tools do;
    so are tags of trees and blobs. Tags of tags come back with the inner tag as commit.
    """
    tags: List[TagRecord] = []
    nested: List[TagRecord] = []
    for line in output.decode("utf-8", "surrogateescape").split("\n"):
        fields = line.split("\0")
        if len(fields) != 5:
            continue
        refname, object_type, target_type, target, date = fields
        if object_type != "tag" or not refname.startswith("refs/tags/"):
            continue
        try:
            when = int(date) if date else NO_TAGGER_DATE
        except ValueError:
            continue
        record = TagRecord(refname[len("refs/tags/"):], target, when)
        if target_type == "commit":
            tags.append(record)
        elif target_type == "tag":
            nested.append(record)
    return tags, nested


def parse_ls_remote(output: bytes, peeled: bool = True) -> List[TagName]:
    """The tags of ``ls-remote --tags`` output: a server lists an annotated tag twice, the
    second time peeled (``<name>^{}``). A listing without peeled lines (a bundle's,
    ``peeled=False``) cannot tell: every tag is taken for annotated, so that none is
    called lightweight wrongly."""
    names, annotated = [], set()
    for line in output.decode("utf-8", "surrogateescape").split("\n"):
        _, _, refname = line.partition("\t")
        if not refname.startswith("refs/tags/"):
            continue
        if refname.endswith("^{}"):
            annotated.add(refname[len("refs/tags/"):-len("^{}")])
        else:
            names.append(refname[len("refs/tags/"):])
    return [TagName(name, not peeled or name in annotated) for name in names]


def list_tags(cwd: str, patterns: Sequence[str], env: Optional[Dict[str, str]] = None) -> List[TagRecord]:
    """Annotated tags of a repository on disk, tags of tags peeled: one or two git processes."""
    output = git.run(["for-each-ref", f"--format={TAG_FORMAT}", *patterns], cwd=cwd, env=env)
    tags, nested = parse_for_each_ref(output)
    if nested:
        request = "".join(f"refs/tags/{tag.name}^{{}}\n" for tag in nested)
        peeled = git.run(
            ["cat-file", "--batch-check=%(objecttype) %(objectname)"],
            cwd=cwd, env=env, stdin=request.encode("utf-8", "surrogateescape"),
        ).decode("utf-8", "surrogateescape").split("\n")
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
    """Regular files at commits, read through one ``cat-file --batch`` process.

    The tree entries are read first, so that a submodule or a symbolic link is
    reported as such instead of being followed or fetched. Each tree and each
    blob is read once. ``fetch_missing`` (remote repositories) brings objects
    the repository does not hold yet, several in one go; without it a missing
    object is an error, which ``why_missing`` explains: it is given the commit when
    the commit itself is missing, None for any other object.
    """

    def __init__(
        self, batch: git.CatFileBatch, cwd: str, env: Optional[Dict[str, str]] = None,
        fetch_missing: Optional[Callable[[Sequence[str]], None]] = None,
        why_missing: Callable[[Optional[str]], str] = lambda commit: "",
    ) -> None:
        self.batch, self._cwd, self._env, self._fetch_missing = batch, cwd, env, fetch_missing
        self._why_missing = why_missing  # asked only when an object is missing
        self._objects: Dict[str, Optional[Tuple[str, bytes]]] = {}

    def _read(self, spec: str) -> Optional[Tuple[str, bytes]]:
        if spec not in self._objects:
            try:
                self._objects[spec] = self.batch.read(spec)
            except (git.ObjectTooLarge, GitTimeoutError):
                raise
            except GitError as failure:  # git stops at an object it may not fetch
                raise GitError(f"{failure}{self._why_missing(None)}") from None
        return self._objects[spec]

    def _tree(self, commit: str, folder: str) -> Optional[bytes]:
        """The tree of ``folder`` at ``commit``; None if there is no such folder. A tree the
        repository lacks (a partial clone's) is an error, not a folder that is not there."""
        found = self._read(f"{commit}:{folder}")
        if found is not None:
            return found[1] if found[0] == "tree" else None
        if not folder:
            if self._read(commit) is None:  # a tag fetched without its commit
                raise GitError(f"commit {commit} is missing from the repository{self._why_missing(commit)}")
            raise GitError(f"the tree of commit {commit} is missing from the "
                           f"repository{self._why_missing(None)}")
        parent, _, name = folder.rpartition("/")
        above = self._tree(commit, parent)
        entry = tree_entry(above, name, len(commit) // 2) if above is not None else None
        if entry is not None and entry[0] == b"40000" and self._read(entry[1]) is None:
            raise GitError(f"folder {folder} at commit {commit}: tree {entry[1]} is missing from the "
                           f"repository{self._why_missing(None)}")
        return None  # git found no such folder (in a tree out of order, neither would DVC)

    def _entry(self, commit: str, path: str) -> Optional[str]:
        """The blob id of the regular file ``path`` at ``commit``; None if there is none."""
        if "\n" in path or "\r" in path:
            raise UnsupportedContentError(
                f"{path!r} at commit {commit}: a name with a line break is not read")
        parent, _, name = path.rpartition("/")
        tree = self._tree(commit, parent)
        entry = tree_entry(tree, name, len(commit) // 2) if tree is not None else None
        if entry is None or entry[0] == b"40000":
            return None
        mode, object_id = entry
        where = f"{path} at commit {commit}"
        if mode == b"160000":
            raise UnsupportedContentError(f"{where} is a submodule, not a file")
        if mode == b"120000":
            raise UnsupportedContentError(f"{where} is a symbolic link; only files are read")
        return object_id

    def _blob(self, path: str, commit: str, object_id: str) -> Optional[Tuple[str, bytes]]:
        try:
            return self._read(object_id)
        except git.ObjectTooLarge as large:
            raise UnsupportedContentError(
                f"{path} at commit {commit} is {large.size} bytes, more than the "
                f"{large.limit} bytes artifacts-show reads"
            ) from None

    def want(self, wanted: Sequence[Tuple[str, str]]) -> None:
        """Fetch, in one go, the blobs of the files (commit, path) that are not here yet.

        A file that cannot be read (a symbolic link, too large, an odd name) is left
        for :meth:`read` to report, to the one answer that reads it.
        """
        if self._fetch_missing is None:
            return
        missing = []
        for commit, path in wanted:
            try:
                object_id = self._entry(commit, path)
                if object_id is not None and self._blob(path, commit, object_id) is None:
                    missing.append(object_id)
            except UnsupportedContentError:
                continue
        if missing:
            self._fetch_missing(sorted(set(missing)))
            for object_id in missing:
                self._objects.pop(object_id, None)

    def reader(self, commit: str) -> Callable[[str], Optional[bytes]]:
        return lambda path: self.read(commit, path)

    def listing(self, commit: str) -> List[str]:
        """Every file path at ``commit``: its trees only, no blob is read."""
        arguments = ["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit]
        output = git.run(arguments, cwd=self._cwd, env=self._env)
        return [path for path in output.decode("utf-8", "surrogateescape").split("\0") if path]

    def read(self, commit: str, path: str) -> Optional[bytes]:
        """The bytes of the regular file ``path`` at ``commit``; None if there is none."""
        object_id = self._entry(commit, path)
        if object_id is None:
            return None
        found = self._blob(path, commit, object_id)
        if found is None and self._fetch_missing is not None:
            self.want([(commit, path)])
            found = self._blob(path, commit, object_id)
        if found is None or found[0] != "blob":
            raise GitError(f"{path} at commit {commit}: object {object_id} is missing from the repository"
                           f"{self._why_missing(None)}")
        return found[1]


class TagDetails(NamedTuple):
    """What an annotated tag says of itself, as ``gto check-ref`` shows it (None where the tag
    object has no tagger line)."""

    author: Optional[str]
    author_email: Optional[str]
    created_at: Optional[str]
    """ISO 8601 with the tagger's own offset: ``2023-11-14T22:13:20+00:00``."""
    message: str
    """Stripped of surrounding white space, as gto strips it."""


DETAILS_FORMAT = ("%(refname)%00%(objecttype)%00%(taggername)%00%(taggeremail)%00%(taggerdate:raw)%00"
                  "%(contents)%00")
"""What ``for-each-ref`` prints of a tag object's own fields (the message last, then a NUL that
ends the record: a message may hold line breaks)."""
DETAILS_BATCH = 200
"""Tags read by one ``for-each-ref``, so that a command line stays short."""


def parse_tag_details(output: bytes, names: Sequence[str]) -> Dict[str, TagDetails]:
    """The details of each of ``names`` in ``for-each-ref --format=DETAILS_FORMAT`` output (a
    pattern also matches refs below it, which are left out, as are lightweight tags)."""
    wanted = {f"refs/tags/{name}" for name in names}
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    found = {}
    for start in range(0, len(fields) - 6, 6):
        refname, object_type, name, email, date, message = fields[start:start + 6]
        refname = refname.lstrip("\n")
        if refname in wanted and object_type == "tag":
            found[refname[len("refs/tags/"):]] = TagDetails(
                name or None, email[1:-1] if email.startswith("<") and email.endswith(">") else email or None,
                iso_date(date), message.strip())
    return found


def iso_date(raw: str) -> Optional[str]:
    """``1700000000 +0530`` as ``2023-11-15T03:43:20+05:30``; None if it is not such a date."""
    import datetime

    seconds, _, zone = raw.partition(" ")
    try:
        minutes = (int(zone[1:3]) * 60 + int(zone[3:5])) * (-1 if zone[:1] == "-" else 1)
        offset = datetime.timezone(datetime.timedelta(minutes=minutes))
        return datetime.datetime.fromtimestamp(int(seconds), offset).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


def read_tag_details(
    cwd: str, names: Sequence[str], env: Optional[Dict[str, str]] = None
) -> Dict[str, TagDetails]:
    """The details of the tags ``names`` of a repository on disk: one ``for-each-ref`` per batch."""
    found: Dict[str, TagDetails] = {}
    for start in range(0, len(names), DETAILS_BATCH):
        batch = names[start:start + DETAILS_BATCH]
        patterns = [f"refs/tags/{name}" for name in batch]
        output = git.run(["for-each-ref", f"--format={DETAILS_FORMAT}", *patterns], cwd=cwd, env=env)
        found.update(parse_tag_details(output, batch))
    return found
