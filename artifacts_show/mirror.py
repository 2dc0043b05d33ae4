"""The per-URL cache repository, shared by every lookup of the URL, and each lookup's workspace.

The shared repository (``repo.git`` in the URL's cache folder) keeps what lookups fetched:
the listed tags' objects and commits, the trees of answered commits, the few blobs read,
and the refs of every listed pattern, packed in one file, with when each pattern was
listed. A lookup never works in it: it works in a workspace of its own, a bare repository
that borrows the shared objects (``objects/info/alternates``) and starts from a copy of the
shared refs, so that git asks the server only for what changed, and no lock is held while
git talks to a server. Refs come from the lookup's own listing; the shared repository gives
objects. What a workspace fetched is published when the lookup ends, under the URL's lock
and briefly: its packs moved in, the listed refs merged into ``packed-refs``, the packs
repacked into one when they pile up (and the workspace itself, when there was no shared
repository yet). It is a cache: a lookup that cannot read it goes on in a workspace that
borrows nothing, and if that works, the shared repository is set aside (renamed, for the
lookups still reading it) and the workspace takes its place. No registry semantics here.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import time

from . import git
from ._speed import TYPE_CHECKING, debug, remove_tree
from .cache import CacheBusy, CacheFolder, FactStore, read_whole, write_whole
from .errors import GitError, GitTimeoutError
from .objects import EVERY_TAG_REFSPEC, artifact_refspec

if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

    from .urls import RemoteUrl

    T = TypeVar("T")

_CREDENTIAL_HELPER = (
    '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" '
    '"$ARTIFACTS_SHOW_USERNAME" "$ARTIFACTS_SHOW_PASSWORD"; }; f'
)
"""Answers git's credential requests from the git process's own environment: the
token never appears on a command line, in a file, or in the cache's config."""

MAX_PACKS = 16
"""More packs than this in the shared repository are repacked into one when a lookup publishes."""
STALE_SECONDS = 6 * 3600
"""Workspaces (of killed lookups) and set-aside repositories older than this are removed."""
PUBLISH_WAIT = 1.0
"""Longest wait for the URL's lock to publish (others hold it for a few file moves, or a repack);
a lookup that cannot publish has its answer anyway, and the next one publishes."""


def remote_environment(
    remote: RemoteUrl, promisor: bool, credentials: Sequence[Tuple[str, str]] = ()
) -> Dict[str, str]:
    """git's environment for the repositories of ``remote``: their configuration, and credentials.

    ``promisor`` lets git fetch with filters and repack what it fetched so; processes that
    only read leave it out, so that a missing object is reported instead of fetched behind
    our back. No hook of the user's (``core.hooksPath``) runs here. ``credentials`` (settings
    such as ``http.<url>.extraheader``) come first, so that a password in the URL still wins;
    like it, they reach git through the environment only.
    """
    pairs = [
        *credentials,
        ("remote.origin.url", remote.url),
        ("core.hooksPath", os.devnull),
        ("gc.auto", "0"),
        ("maintenance.auto", "false"),
        ("fetch.recurseSubmodules", "false"),
        ("fetch.unpackLimit", "1"),  # what is fetched stays a pack, to be published whole
        ("advice.fetchShowForcedUpdates", "false"),  # we ask for --no-show-forced-updates
    ]
    if promisor:
        pairs += [("remote.origin.promisor", "true"), ("remote.origin.partialclonefilter", "blob:none")]
    secrets = {}
    if remote.username is not None and remote.password is None:  # the user's helpers give the password
        pairs.append((f"credential.{remote.credential_scope}.username", remote.username))
    if remote.password is not None:
        pairs += [
            ("credential.helper", ""),  # no stored credential can win over the URL's
            (f"credential.{remote.credential_scope}.helper", _CREDENTIAL_HELPER),
        ]
        secrets = {
            "ARTIFACTS_SHOW_USERNAME": remote.username or "",
            "ARTIFACTS_SHOW_PASSWORD": remote.password,
        }
    # A stalled transfer ends on its own after the timeout, even in a git whose lookup was
    # killed: ARTIFACTS_SHOW_TIMEOUT then bounds it with no Python.
    seconds = str(math.ceil(git.timeout_seconds()))
    limits = {"GIT_HTTP_LOW_SPEED_LIMIT": "1", "GIT_HTTP_LOW_SPEED_TIME": seconds}
    stalled = {name: value for name, value in limits.items() if name not in os.environ}  # the user's own win
    return {**git.config_env(pairs), **secrets, **stalled}


class Mirror:
    """The cache repository of one URL, and this lookup's workspace beside it."""

    def __init__(
        self, remote: RemoteUrl, patterns: Sequence[str] = (), credentials: Sequence[Tuple[str, str]] = (),
        offline: bool = False,
    ) -> None:
        """``patterns``: the refspec patterns (``refs/tags/m@*``) this lookup lists."""
        self.remote, self.patterns, self.offline = remote, list(patterns), offline
        self.fetch_env = remote_environment(remote, promisor=not remote.bundle, credentials=credentials)
        self.read_env = remote_environment(remote, promisor=False)
        self.cache = CacheFolder.open(remote.url)
        self.object_format = "sha1"
        """The format the shared repository has, or the one ``git clone`` found."""
        self.path = ""
        """The workspace, where every git of this lookup runs; made by :meth:`start_workspace`."""
        self.borrowing = False
        """Whether the workspace borrows the shared repository's objects and refs."""
        self.snapshot: Dict[str, str] = {}
        """The shared refs the workspace started from (name -> object id)."""
        self.listed_before: Dict[str, float] = {}
        """When the shared refs of each pattern were listed, read before they were copied (the
        copy is at least as new as that)."""
        self.listed_at: Optional[float] = None
        """When this lookup's own listing began, once it is done; None if it made none."""
        self._borrowed: Optional[Tuple[int, int]] = None  # the shared repository borrowed from
        self._damaged: Optional[Tuple[int, int]] = None  # a shared repository found damaged
        self._scratch: Optional[CacheFolder] = None
        """A temporary folder for a workspace that works apart from the cache."""

    @property
    def apart(self) -> bool:
        """Whether the workspace is in a temporary folder of the lookup's own, not in the cache."""
        return self._scratch is not None and self.path.startswith(self._scratch.path)

    @property
    def shared(self) -> str:
        return self.cache.repo

    @property
    def listed(self) -> FactStore:
        """When the refs of each tag pattern were listed (in the shared repository: gone with it)."""
        return _facts(self.shared)

    def shared_exists(self) -> bool:
        """Whether the shared repository is there; reads its object format if so."""
        return os.path.isfile(os.path.join(self.shared, "HEAD")) and self.learn_object_format(self.shared)

    def learn_object_format(self, repo: str) -> bool:
        """Read the object format of ``repo`` (a clone learns the server's); False if it has no config."""
        config = read_whole(os.path.join(repo, "config"))
        if config is None:
            return False
        self.object_format = "sha256" if b"objectformat = sha256" in config else "sha1"
        return True

    def listing_age(self) -> Optional[float]:
        """Seconds since the oldest listing of the patterns the workspace started from; None if
        one of them was never listed."""
        if not self.patterns or any(pattern not in self.listed_before for pattern in self.patterns):
            return None
        return max(0.0, time.time() - min(self.listed_before[pattern] for pattern in self.patterns))

    def start_workspace(self, borrow: bool = True) -> bool:
        """Make a new, empty workspace; return whether it borrows the shared repository.

        The copies need no lock: publishing replaces each file whole, ``shallow`` before
        ``packed-refs`` (copied in the other order), and the listing times before both. A
        workspace that borrows nothing (there is no shared repository, it is damaged, or it
        failed) starts empty: its first listing clones. Where the cache folder cannot be
        written (full, read-only), or for a retry apart, it is made in a temporary folder.
        """
        self.drop_workspace()
        if borrow:
            try:
                return self._make_workspace(self.cache, borrow)
            except OSError as failure:
                debug("no workspace in the cache of %s: %s", self.remote.url, failure)
                self.drop_workspace()
        try:
            self._scratch = self._scratch or CacheFolder.temporary()
            return self._make_workspace(self._scratch, False)
        except OSError as failure:
            raise GitError(f"no writable folder for the lookup's repository: "
                           f"{failure.strerror or failure}") from None

    def _make_workspace(self, folder: CacheFolder, borrow: bool) -> bool:
        self.path = folder.new_workspace()
        self.borrowing = borrow and self.shared_exists()
        self.snapshot, self.listed_before, self._borrowed = {}, {}, None
        if self.borrowing and not _sound(self.shared):
            debug("the cache of %s is damaged; it is set aside", self.remote.url)
            self.borrowing, self._damaged = False, _identity(self.shared)
        make_repository(self.path, self.object_format)
        if self.borrowing:
            self._borrowed = _identity(self.shared)
            for pattern in self.patterns:
                when = _time(self.listed.get(pattern))
                if when is not None:
                    self.listed_before[pattern] = when
            _write_new(os.path.join(self.path, "objects", "info", "alternates"),
                       os.fsencode(os.path.join(self.shared, "objects")) + b"\n")
            for name in ("packed-refs", "shallow"):
                content = read_whole(os.path.join(self.shared, name))
                if content is not None:
                    _write_new(os.path.join(self.path, name), content)
            self.snapshot = read_refs(self.path)
        return self.borrowing

    def start_clone(self, options: Sequence[str], refspecs: Sequence[str]) -> git.RunningGit:
        """Start making the workspace by ``git clone`` of ``refspecs``.

        A clone learns the server's object format and writes the refs it gets into
        one ``packed-refs`` file, where a fetch writes a file per ref (thousands of
        tags: most of a cold lookup's time on some file systems). It also takes
        the branches' heads, as a bare clone always does (``--no-single-branch``
        lets it take the refspecs at all).
        """
        remove_tree(self.path)  # git clone makes it
        self.borrowing, self.snapshot, self.listed_before = False, {}, {}
        return git.start(
            ["clone", "--quiet", "--bare", "--template=", "--no-tags", "--no-single-branch", *options,
             *(argument for refspec in refspecs for argument in ("-c", f"remote.origin.fetch={refspec}")),
             "--", self.remote.url, self.path],
            env=self.fetch_env,
        )

    def start_fetch(
        self, options: Sequence[str], wants: Sequence[str], negotiate: bool = False
    ) -> git.RunningGit:
        """Start ``git fetch`` of refspecs or object ids from the URL into the workspace.

        Without ``negotiate`` git tells the server nothing of what it has (as its
        own lazy fetches do): what is asked for comes, even an object inside a
        commit that is here. With it, the server leaves out what is reachable
        from commits here (listings, which then bring only what is new).
        """
        algorithm = "skipping" if negotiate else "noop"
        return git.start(
            ["-c", f"fetch.negotiationAlgorithm={algorithm}", "fetch", "--quiet", "--no-tags",
             "--no-write-fetch-head", "--no-show-forced-updates", *options, "--stdin", "origin"],
            cwd=self.path, env=self.fetch_env,
            stdin="".join(f"{want}\n" for want in wants).encode("utf-8", "surrogateescape"),
        )

    def publish(self) -> None:
        """Give the shared repository what the workspace fetched and listed, under the URL's
        lock: the workspace whole if there is no shared repository (or the one found damaged
        is still there), else its packs and, per pattern listed, its refs and when they were
        listed, unless a newer listing of that pattern was published meanwhile. A workspace
        that borrowed from a shared repository that is gone or was replaced gives nothing:
        its objects are not all its own. Nothing to give, no lock taken."""
        if not self.path or not os.path.isdir(self.path):
            return
        packs = _packs(self.path)
        if self.borrowing and not packs and self.listed_at is None:
            return
        try:
            with self.cache.locked(PUBLISH_WAIT) as descriptor:
                self.cache.remove_stale(STALE_SECONDS)
                exists = self.shared_exists()
                if self.borrowing and (not exists or _identity(self.shared) != self._borrowed):
                    return
                if not exists or (self._damaged is not None and _identity(self.shared) == self._damaged):
                    self._become_shared()
                    return
                for pack in packs:  # the index last: git finds a pack by it
                    for suffix in (".pack", ".rev", ".promisor", ".idx"):
                        source = os.path.join(self.path, "objects", "pack", pack + suffix)
                        if os.path.exists(source):
                            os.replace(source, os.path.join(self.shared, "objects", "pack", pack + suffix))
                if self.listed_at is not None:
                    self._merge_listing()
                if len(_packs(self.shared)) > MAX_PACKS:
                    self.repack(descriptor)
        except CacheBusy as busy:
            debug("%s; not published", busy)

    def _become_shared(self) -> None:
        """The workspace (which borrows nothing) in the shared repository's place: its refs
        packed into one file, its listing times beside them; a damaged one set aside first."""
        _pack_refs(self.path, read_refs(self.path))
        if self.listed_at is not None:
            for pattern in self.patterns:
                _facts(self.path).put(pattern, repr(self.listed_at).encode())
        self.cache.set_aside_repo()
        _move_repository(self.path, self.shared)  # from a temporary folder, across file systems
        self.path = ""

    def _merge_listing(self) -> None:
        """The shared refs of this listing's patterns replaced by the workspace's, each where no
        newer listing covers it, then the times; ``shallow`` joined first (copied last).

        A tag is covered by its artifact's pattern and by the listing of every tag (``--list``):
        the newer of the two decides, so that a ``--list`` begun before a lookup of one artifact
        and published after it puts back none of that artifact's older refs, nor the reverse."""
        at = self.listed_at or 0
        times: Dict[str, float] = {}

        def listed_time(pattern: Optional[str]) -> float:
            if pattern is None:
                return float("-inf")
            if pattern not in times:
                times[pattern] = _time(self.listed.get(pattern)) or float("-inf")
            return times[pattern]

        def newer_here(ref: str) -> bool:
            for pattern in self.patterns:
                if matches(ref, [pattern]):  # of one artifact, or of every tag: then its artifact's
                    own = artifact_refspec(ref) if pattern == EVERY_TAG_REFSPEC else pattern
                    return max(listed_time(EVERY_TAG_REFSPEC), listed_time(own)) < at
            return False

        old_shallow = read_whole(os.path.join(self.shared, "shallow")) or b""
        shallow = set(filter(None, old_shallow.split(b"\n")))
        shallow.update(filter(None, (read_whole(os.path.join(self.path, "shallow")) or b"").split(b"\n")))
        new_shallow = b"".join(sorted(line + b"\n" for line in shallow))
        if new_shallow != old_shallow:
            write_whole(os.path.join(self.shared, "shallow"), new_shallow)
        shared = read_refs(self.shared)
        refs = {name: value for name, value in shared.items() if not newer_here(name)}
        refs.update((name, value) for name, value in read_refs(self.path).items() if newer_here(name))
        if refs != shared:  # a warm lookup that found nothing new changes no ref
            _pack_refs(self.shared, refs)
        for pattern in self.patterns:
            if listed_time(pattern) < at:
                self.listed.put(pattern, repr(self.listed_at).encode())

    def repack(self, lock: Optional[int]) -> None:
        """All packs of the shared repository into one; the caller holds the lock, whose
        descriptor git holds too (were this process killed, the lock lasts as long as git).
        Objects no shared ref reaches are kept: a workspace that started from older refs may
        still read them. (A partial repository: objects it lacks are promised, not missing.)"""
        promisor = git.config_env([("remote.origin.promisor", "true"),
                                   ("remote.origin.partialclonefilter", "blob:none"), ("gc.auto", "0")])
        git.run(["repack", "-a", "-d", "-q", "--keep-unreachable"], cwd=self.shared, env=promisor,
                pass_fds=() if lock is None else (lock,))

    def judge_damaged(self) -> None:
        """The shared repository the workspace borrowed from is damaged: it is set aside when
        this lookup publishes, if it is still the one there."""
        self._damaged = self._borrowed

    def drop_workspace(self) -> None:
        if self.path:
            remove_tree(self.path)
            self.path = ""

    def close(self) -> None:
        self.drop_workspace()
        if self._scratch is not None:
            self._scratch.close()
        self.cache.close()


def _identity(path: str) -> Optional[Tuple[int, int]]:
    """Which folder ``path`` is (device, inode): a repository renamed aside and made anew is
    another one at the same path."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _time(stored: Optional[bytes]) -> Optional[float]:
    try:
        return float(stored) if stored else None
    except ValueError:
        return None


def _pack_refs(repo: str, refs: Dict[str, str]) -> None:
    """``refs`` as the repository's one ``packed-refs`` file, and no loose ref left to win over it."""
    lines = b"".join(b"%s %s\n" % (value.encode(), name.encode("utf-8", "surrogateescape"))
                     for name, value in sorted(refs.items(), key=lambda item: item[0].encode(
                         "utf-8", "surrogateescape")))
    write_whole(os.path.join(repo, "packed-refs"), b"# pack-refs with: sorted \n" + lines)
    for folder, _, names in os.walk(os.path.join(repo, "refs")):
        for name in names:
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, name))


def _move_repository(source: str, target: str) -> None:
    """Move a repository folder to ``target``, copied first where it is on another file system."""
    try:
        os.rename(source, target)
    except OSError:
        import shutil

        staging = f"{target}.{os.getpid()}.tmp"
        shutil.copytree(source, staging, symlinks=True)
        os.rename(staging, target)


def _facts(repo: str) -> FactStore:
    return FactStore(os.path.join(repo, "artifacts-show"))


def make_repository(path: str, object_format: str) -> None:
    """An empty bare repository, written by hand: no git process for it."""
    for folder in ("objects/info", "objects/pack", "refs/heads", "refs/tags"):
        os.makedirs(os.path.join(path, folder), exist_ok=True)
    version = 1 if object_format != "sha1" else 0
    extensions = f"[extensions]\n\tobjectformat = {object_format}\n" if version else ""
    _write_new(os.path.join(path, "config"),
               f"[core]\n\trepositoryformatversion = {version}\n\tbare = true\n{extensions}".encode())
    _write_new(os.path.join(path, "HEAD"), b"ref: refs/heads/main\n")


def _write_new(path: str, content: bytes) -> None:
    """A file of a workspace being made, which no other process reads yet: written in place
    (``write_whole``'s temporary file and rename guard files that others read)."""
    with open(path, "xb") as handle:
        handle.write(content)


def read_refs(repo: str) -> Dict[str, str]:
    """The refs of a repository on disk, packed and loose (the loose win), read as git
    writes them: ``packed-refs`` lines, one file per loose ref."""
    refs: Dict[str, str] = {}
    packed = (read_whole(os.path.join(repo, "packed-refs")) or b"").decode("utf-8", "surrogateescape")
    for line in packed.split("\n"):
        value, _, name = line.partition(" ")
        if name.startswith("refs/") and not line.startswith(("#", "^")):
            refs[name] = value
    top = os.path.join(repo, "refs")
    for folder, _, names in os.walk(top):
        for name in names:
            content = (read_whole(os.path.join(folder, name)) or b"").decode("ascii", "replace").strip()
            if content and not content.startswith("ref:") and not name.endswith(".lock"):
                relative = os.path.relpath(os.path.join(folder, name), repo).replace(os.sep, "/")
                refs[relative] = content
    return refs


def matches(ref: str, patterns: Sequence[str]) -> bool:
    """Whether ``ref`` is one of refspec ``patterns`` (a trailing ``*`` matches anything)."""
    return any(ref.startswith(pattern[:-1]) if pattern.endswith("*") else ref == pattern
               for pattern in patterns)


def _sound(repo: str) -> bool:
    """What git checks first of a repository and its packs: a ``HEAD``, and each pack and index
    beginning with their signatures. Damage inside a pack shows when it is read; a file gone
    meanwhile (a repack, the repository set aside) is no damage."""
    head = read_whole(os.path.join(repo, "HEAD"))
    if head is not None and not head.startswith(b"ref: refs/") and len(head.strip()) not in (40, 64):
        return False
    folder = os.path.join(repo, "objects", "pack")
    for pack in _packs(repo):
        for suffix, signature in ((".idx", b"\xfftOc\x00\x00\x00\x02"), (".pack", b"PACK")):
            found = read_start(os.path.join(folder, pack + suffix), len(signature))
            if found is not None and found != signature:
                return False
    return True


def read_start(path: str, size: int) -> Optional[bytes]:
    """The first ``size`` bytes of a file; None if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return None


def _packs(repo: str) -> List[str]:
    try:
        names = os.listdir(os.path.join(repo, "objects", "pack"))
    except OSError:
        return []
    return sorted(name[:-len(".idx")] for name in names if name.startswith("pack-") and name.endswith(".idx"))


def despite_the_cache(mirror: Mirror, work: Callable[[], T], reset: Callable[[], None]) -> T:
    """Do ``work``; if git fails in a workspace in the cache, do it again in one apart, in a
    temporary folder, borrowing nothing. If that works where a workspace that borrowed from the
    shared repository failed, the shared repository was the trouble (a damaged pack, a broken
    ref file): it is set aside when this lookup publishes.

    A failure of the server itself (unreachable, a wrong token) fails both tries the same
    way, the first error is the one reported, and the cache stays as it was; so does one that
    went away by itself (a retry that works after a reset connection says nothing of the
    cache: only git's words for a damaged repository do). Timeouts are not tried again.
    ``reset`` stops what ``work`` left running first.
    """
    try:
        return work()
    except GitTimeoutError:
        raise
    except GitError as first:
        if mirror.offline or mirror.apart:
            raise
        borrowed = mirror.borrowing
        reset()
        mirror.start_workspace(borrow=False)
        try:
            result = work()
        except GitTimeoutError:
            raise
        except GitError:
            raise first from None
        debug("the cache of %s did not serve (%s)", mirror.remote.url, first)
        if borrowed and _LOCAL_DAMAGE.search(str(first)):
            mirror.judge_damaged()
        return result


_LOCAL_DAMAGE = re.compile(
    r"corrupt|bad object|missing object|unable to read|inflate|packfile|index file|invalid object|"
    r"not a git repository|loose object|packed-refs|did not receive expected object|bad tree|bad commit",
    re.IGNORECASE,
)
"""What git says of a damaged repository (not of a server or a network)."""


def fetch_options(*, depth: bool, tree_filter: str, bundle: bool) -> List[str]:
    """Options of a clone or fetch: a bundle is taken whole, a server is asked for what is needed."""
    if bundle:
        return []
    return [*(["--depth=1"] if depth else []), f"--filter={tree_filter}"]
