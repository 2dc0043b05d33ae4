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

import math
import os
import threading
import time

from . import git
from ._speed import TYPE_CHECKING, debug
from .cache import CacheBusy, CacheFolder, FactStore
from .errors import GitError, GitTimeoutError

if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, TypeVar

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
        self, remote: RemoteUrl, credentials: Sequence[Tuple[str, str]] = (), offline: bool = False
    ) -> None:
        self.remote = remote
        self.offline = offline
        """Nothing is fetched: a failure is not tried again (that would clone)."""
        self.fetch_env = remote_environment(remote, promisor=not remote.bundle, credentials=credentials)
        self.read_env = remote_environment(remote, promisor=False)
        self.cache = CacheFolder.open(remote.url)
        self.object_format = "sha1"
        """The format the shared repository has, or the one ``git clone`` found."""
        self.path = ""
        """The workspace, where every git of this lookup runs; made by :meth:`start_workspace`."""
        self.borrowing = False
        """Whether the workspace borrows the shared repository's objects and refs."""
        self.damaged = False
        """Whether a workspace that borrows nothing answered where one that borrows failed."""
        self._snapshot: Dict[str, str] = {}
        self._scratch: Optional[CacheFolder] = None
        """A temporary folder for a workspace that works apart from the cache."""

    @property
    def apart(self) -> bool:
        """Whether the workspace is in a temporary folder of the lookup's own, not in the cache."""
        return self._scratch is not None and self.path.startswith(self._scratch.path)

    @property
    def snapshot(self) -> Dict[str, str]:
        """The shared refs the workspace started from (name -> object id)."""
        return self._snapshot

    @property
    def shared(self) -> str:
        return self.cache.repo

    @property
    def listed(self) -> FactStore:
        """When each tag pattern was last listed (in the shared repository: gone with it)."""
        return _facts(self.shared)

    def shared_exists(self) -> bool:
        """Whether the shared repository is there; reads its object format if so."""
        try:
            with open(os.path.join(self.shared, "config"), "rb") as config:
                self.object_format = "sha256" if b"objectformat = sha256" in config.read() else "sha1"
        except OSError:
            return False
        return os.path.isfile(os.path.join(self.shared, "HEAD"))

    def start_workspace(self, borrow: bool = True) -> bool:
        """Make a new, empty workspace; return whether it borrows the shared repository.

        The copies of ``packed-refs`` and ``shallow`` need no lock: publishing replaces each
        file whole. A workspace that borrows nothing (there is no shared repository, it is
        damaged, or it failed) starts empty: its first listing clones. Where the cache folder
        cannot be written (full, read-only), the workspace is made in a temporary folder.
        """
        self.drop_workspace()
        if borrow:
            try:
                return self._make_workspace(self.cache, borrow)
            except OSError as failure:
                debug("no workspace in the cache of %s: %s", self.remote.url, failure)
                self.drop_workspace()
        self._scratch = self._scratch or CacheFolder.temporary()
        return self._make_workspace(self._scratch, False)

    def _make_workspace(self, folder: CacheFolder, borrow: bool) -> bool:
        self.path = folder.new_workspace()
        self.borrowing = borrow and self.shared_exists()
        if self.borrowing and not _sound(self.shared):
            debug("the cache of %s is damaged; it is set aside", self.remote.url)
            self.borrowing, self.damaged = False, True
        make_repository(self.path, self.object_format)
        self._snapshot = {}
        if self.borrowing:
            _write(os.path.join(self.path, "objects", "info", "alternates"),
                   os.path.join(self.shared, "objects").encode() + b"\n")
            for name in ("packed-refs", "shallow"):
                content = _read(os.path.join(self.shared, name))
                if content is not None:
                    _write(os.path.join(self.path, name), content)
            self._snapshot = read_refs(self.path)
        return self.borrowing

    def record_listing(self, patterns: Sequence[str], when: float) -> None:
        """Remember when ``patterns`` were listed: in the workspace (published with it, if it
        becomes the shared repository) and in the shared repository if there is one (a fact is
        written whole: no lock)."""
        stamp = repr(when).encode()
        shared = [self.listed] if self.shared_exists() and not self.damaged else []
        for store in [*shared, _facts(self.path)]:
            for pattern in patterns:
                store.put(pattern, stamp)

    def start_clone(self, options: Sequence[str], refspecs: Sequence[str]) -> git.RunningGit:
        """Start making the workspace by ``git clone`` of ``refspecs``.

        A clone learns the server's object format and writes the refs it gets into
        one ``packed-refs`` file, where a fetch writes a file per ref (thousands of
        tags: most of a cold lookup's time on some file systems). It also takes
        the branches' heads, as a bare clone always does (``--no-single-branch``
        lets it take the refspecs at all).
        """
        self.cache.remove(self.path)  # git clone makes it
        self.borrowing = False
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

    def publish(self, patterns: Sequence[str]) -> None:
        """Give the shared repository what the workspace fetched, under the URL's lock: the
        workspace whole if there is no shared repository (or it was found damaged), else its
        packs and the refs of ``patterns`` (refspec patterns: ``refs/tags/m@*``). Nothing to
        give, no lock taken."""
        if not self.path or not os.path.isdir(self.path):
            return
        packs = _packs(self.path)
        refs = {name: value for name, value in read_refs(self.path).items() if matches(name, patterns)}
        listed = {name: value for name, value in self._snapshot.items() if matches(name, patterns)}
        if self.borrowing and not self.damaged and not packs and refs == listed:
            return
        try:
            with self.cache.locked(PUBLISH_WAIT):
                self.cache.remove_stale(STALE_SECONDS)
                if self.damaged or not self.shared_exists():
                    self.cache.set_aside_repo()
                    _write(os.path.join(self.path, "objects", "info", "alternates"), b"")
                    os.rename(self.path, self.shared)  # from a temporary folder: may fail, then
                    self.path = ""  # the next lookup makes the shared repository
                    return
                for pack in packs:  # the index last: git finds a pack by it
                    for suffix in (".pack", ".rev", ".promisor", ".idx"):
                        source = os.path.join(self.path, "objects", "pack", pack + suffix)
                        if os.path.exists(source):
                            os.replace(source, os.path.join(self.shared, "objects", "pack", pack + suffix))
                self._merge_refs(refs, patterns)
                if len(_packs(self.shared)) > MAX_PACKS:
                    self.repack()
        except CacheBusy as busy:
            debug("%s; not published", busy)

    def _merge_refs(self, refs: Dict[str, str], patterns: Sequence[str]) -> None:
        """The shared refs of ``patterns`` replaced by the workspace's; ``shallow`` joined."""
        merged = {name.encode("utf-8", "surrogateescape"): value
                  for name, value in read_refs(self.shared).items() if not matches(name, patterns)}
        merged.update((name.encode("utf-8", "surrogateescape"), value) for name, value in refs.items())
        lines = b"".join(b"%s %s\n" % (value.encode(), name) for name, value in sorted(merged.items()))
        _write(os.path.join(self.shared, "packed-refs"), b"# pack-refs with: sorted \n" + lines)
        shallow: Set[bytes] = set()
        for repo in (self.shared, self.path):
            shallow.update(filter(None, (_read(os.path.join(repo, "shallow")) or b"").split(b"\n")))
        if shallow:
            _write(os.path.join(self.shared, "shallow"), b"".join(sorted(line + b"\n" for line in shallow)))

    def repack(self) -> None:
        """All packs of the shared repository into one; the caller holds the lock. Objects no
        shared ref reaches are kept: a workspace that started from older refs may still read
        them. (A partial repository: objects it lacks are promised, not missing.)"""
        promisor = git.config_env([("remote.origin.promisor", "true"),
                                   ("remote.origin.partialclonefilter", "blob:none"), ("gc.auto", "0")])
        git.run(["repack", "-a", "-d", "-q", "--keep-unreachable"], cwd=self.shared, env=promisor)

    def drop_workspace(self) -> None:
        if self.path:
            self.cache.remove(self.path)
            self.path = ""

    def close(self) -> None:
        self.drop_workspace()
        if self._scratch is not None:
            self._scratch.close()
        self.cache.close()


def _facts(repo: str) -> FactStore:
    return FactStore(os.path.join(repo, "artifacts-show"))


def make_repository(path: str, object_format: str) -> None:
    """An empty bare repository, written by hand: no git process for it."""
    for folder in ("objects/info", "objects/pack", "refs/heads", "refs/tags"):
        os.makedirs(os.path.join(path, folder), exist_ok=True)
    version = 1 if object_format != "sha1" else 0
    extensions = f"[extensions]\n\tobjectformat = {object_format}\n" if version else ""
    _write(os.path.join(path, "config"), f"[core]\n\trepositoryformatversion = {version}\n\tbare = true\n"
                                         f"{extensions}".encode())
    _write(os.path.join(path, "HEAD"), b"ref: refs/heads/main\n")


def read_refs(repo: str) -> Dict[str, str]:
    """The refs of a repository on disk, packed and loose (the loose win), read as git
    writes them: ``packed-refs`` lines, one file per loose ref."""
    refs: Dict[str, str] = {}
    packed = (_read(os.path.join(repo, "packed-refs")) or b"").decode("utf-8", "surrogateescape")
    for line in packed.split("\n"):
        value, _, name = line.partition(" ")
        if name.startswith("refs/") and not line.startswith(("#", "^")):
            refs[name] = value
    top = os.path.join(repo, "refs")
    for folder, _, names in os.walk(top):
        for name in names:
            content = (_read(os.path.join(folder, name)) or b"").decode("ascii", "replace").strip()
            if content and not content.startswith("ref:") and not name.endswith(".lock"):
                relative = os.path.relpath(os.path.join(folder, name), repo).replace(os.sep, "/")
                refs[os.fsdecode(relative)] = content
    return refs


def matches(ref: str, patterns: Sequence[str]) -> bool:
    """Whether ``ref`` is one of refspec ``patterns`` (a trailing ``*`` matches anything)."""
    return any(ref.startswith(pattern[:-1]) if pattern.endswith("*") else ref == pattern
               for pattern in patterns)


def _sound(repo: str) -> bool:
    """What git checks first of a repository and its packs: a ``HEAD``, and each pack and index
    beginning with their signatures. Damage inside a pack shows when it is read."""
    head = _read(os.path.join(repo, "HEAD")) or b""
    if not head.startswith(b"ref: refs/") and len(head.strip()) not in (40, 64):
        return False
    folder = os.path.join(repo, "objects", "pack")
    for pack in _packs(repo):
        for suffix, signature in ((".idx", b"\xfftOc\x00\x00\x00\x02"), (".pack", b"PACK")):
            try:
                with open(os.path.join(folder, pack + suffix), "rb") as handle:
                    if handle.read(len(signature)) != signature:
                        return False
            except OSError:
                return False
    return True


def _packs(repo: str) -> List[str]:
    try:
        names = os.listdir(os.path.join(repo, "objects", "pack"))
    except OSError:
        return []
    return sorted(name[:-len(".idx")] for name in names if name.startswith("pack-") and name.endswith(".idx"))


def _read(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _write(path: str, content: bytes) -> None:
    """Write a file whole: a reader sees the old one or the new one, never half of one."""
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(content)
    os.replace(temporary, path)


def despite_the_cache(mirror: Mirror, work: Callable[[], T], reset: Callable[[], None]) -> T:
    """Do ``work``; if git fails in a workspace in the cache, do it again in one apart, in a
    temporary folder, borrowing nothing. If that works where a workspace that borrowed from the
    shared repository failed, the shared repository was the trouble (a damaged pack, a broken
    ref file): it is set aside when this lookup publishes.

    A failure of the server itself (unreachable, a wrong token) fails both tries the same
    way, the first error is the one reported, and the cache stays as it was. Timeouts are
    not tried again. ``reset`` stops what ``work`` left running first.
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
        mirror.damaged = borrowed
        return result


def fetch_options(*, depth: bool, tree_filter: str, bundle: bool) -> List[str]:
    """Options of a clone or fetch: a bundle is taken whole, a server is asked for what is needed."""
    if bundle:
        return []
    return [*(["--depth=1"] if depth else []), f"--filter={tree_filter}"]


def listing_age(mirror: Mirror, patterns: Sequence[str]) -> Optional[float]:
    """Seconds since the oldest listing of ``patterns`` in the shared repository; None if one
    was never listed."""
    times = []
    for pattern in patterns:
        stored = mirror.listed.get(pattern)
        try:
            times.append(float(stored or b""))
        except ValueError:
            return None
    return max(0.0, time.time() - min(times)) if times else None
