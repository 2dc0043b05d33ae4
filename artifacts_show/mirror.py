"""The per-URL bare partial repository in the cache: made, locked, fetched into, rebuilt.

What a lookup fetched stays here for the next one: the listed tags' objects and
commits (the first listing with their trees, no blob; a bare clone also takes
the branches' heads), the trees of answered commits, the few blobs read. It is
a cache: damaged, unwritable or full, a lookup goes on in a temporary folder and
it is rebuilt (:func:`despite_the_cache`). No registry semantics here.
"""

from __future__ import annotations

import contextlib
import math
import os

from . import git
from ._speed import TYPE_CHECKING, debug
from .cache import CacheBusy, CacheFolder, FactStore
from .errors import GitError, GitTimeoutError

if TYPE_CHECKING:
    from typing import Callable, Dict, Iterator, List, Sequence, Tuple, TypeVar

    from .urls import RemoteUrl

    T = TypeVar("T")

_CREDENTIAL_HELPER = (
    '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" '
    '"$ARTIFACTS_SHOW_USERNAME" "$ARTIFACTS_SHOW_PASSWORD"; }; f'
)
"""Answers git's credential requests from the git process's own environment: the
token never appears on a command line, in a file, or in the cache's config."""


def remote_environment(
    remote: RemoteUrl, promisor: bool, credentials: Sequence[Tuple[str, str]] = ()
) -> Dict[str, str]:
    """git's environment for the mirror of ``remote``: its configuration, and its credentials.

    ``promisor`` lets git fetch with filters; processes that only read leave it
    out, so that a missing object is reported instead of fetched behind our back.
    No hook of the user's (``core.hooksPath``) runs in the mirror. ``credentials``
    (settings such as ``http.<url>.extraheader``) come first, so that a password in
    the URL still wins; like it, they reach git through the environment only.
    """
    pairs = [
        *credentials,
        ("remote.origin.url", remote.url),
        ("core.hooksPath", os.devnull),
        ("gc.auto", "0"),
        ("maintenance.auto", "false"),
        ("fetch.recurseSubmodules", "false"),
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
    # killed (it holds the URL's lock): ARTIFACTS_SHOW_TIMEOUT then bounds it with no Python.
    seconds = str(math.ceil(git.timeout_seconds()))
    limits = {"GIT_HTTP_LOW_SPEED_LIMIT": "1", "GIT_HTTP_LOW_SPEED_TIME": seconds}
    stalled = {name: value for name, value in limits.items() if name not in os.environ}  # the user's own win
    return {**git.config_env(pairs), **secrets, **stalled}


class Mirror:
    """The bare partial repository of one URL, in its cache folder."""

    def __init__(self, remote: RemoteUrl, credentials: Sequence[Tuple[str, str]] = ()) -> None:
        self.remote = remote
        self.fetch_env = remote_environment(remote, promisor=not remote.bundle, credentials=credentials)
        self.read_env = remote_environment(remote, promisor=False)
        self.cache = CacheFolder.open(remote.url)
        self.object_format = "sha1"
        """The format ``git clone`` found; a repository made again after damage keeps it."""
        self._lock_fds: Tuple[int, ...] = ()
        """While locked, the lock file's descriptor, passed to every git that writes here."""

    @property
    def path(self) -> str:
        return self.cache.repo

    @property
    def listed(self) -> FactStore:
        """Which tag patterns were listed into this repository (gone with it when it is rebuilt)."""
        return FactStore(os.path.join(self.cache.repo, "artifacts-show"))

    def exists(self) -> bool:
        """Whether the repository is there; reads its object format if so."""
        try:
            with open(os.path.join(self.path, "config"), "rb") as config:
                self.object_format = "sha256" if b"objectformat = sha256" in config.read() else "sha1"
        except OSError:
            return False
        return os.path.isfile(os.path.join(self.path, "HEAD"))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The URL's lock, held while git writes to the repository (and while it is read).

        Each git started meanwhile holds it too: should this process be killed, the
        next lookup waits for that git to end instead of removing its lock files.
        When other lookups have held it for longer than the timeout (many at once on
        a slow server, or a killed lookup's git still waiting for one), this lookup
        goes on alone in a temporary folder rather than fail.
        """
        with contextlib.ExitStack() as lock:
            try:
                descriptor = lock.enter_context(self.cache.locked(git.timeout_seconds()))
            except CacheBusy as busy:
                debug("%s; going on in a temporary folder", busy)
                self.use_temporary()
                descriptor = None
            self.cache.remove_stale_locks()
            self._lock_fds = () if descriptor is None else (descriptor,)
            try:
                yield
            finally:
                self._lock_fds = ()

    def ensure(self) -> None:
        """Make an empty repository if there is none (after damage); the caller holds the lock."""
        if not self.exists():
            self.cache.reset_repo()
            git.run(["init", "--quiet", "--bare", "--template=", f"--object-format={self.object_format}",
                     self.path], env=self.read_env, pass_fds=self._lock_fds)

    def start_clone(self, options: Sequence[str], refspecs: Sequence[str]) -> git.RunningGit:
        """Start making the repository by ``git clone`` of ``refspecs``; the caller holds the lock.

        A clone learns the server's object format and writes the refs it gets into
        one ``packed-refs`` file, where a fetch writes a file per ref (thousands of
        tags: most of a cold lookup's time on some file systems). It also takes
        the branches' heads, as a bare clone always does (``--no-single-branch``
        lets it take the refspecs at all).
        """
        self.cache.reset_repo()
        return git.start(
            ["clone", "--quiet", "--bare", "--template=", "--no-tags", "--no-single-branch", *options,
             *(argument for refspec in refspecs for argument in ("-c", f"remote.origin.fetch={refspec}")),
             "--", self.remote.url, self.path],
            env=self.fetch_env, pass_fds=self._lock_fds,
        )

    def start_fetch(
        self, options: Sequence[str], wants: Sequence[str], negotiate: bool = False
    ) -> git.RunningGit:
        """Start ``git fetch`` of refspecs or object ids from the URL; the caller holds the lock.

        Without ``negotiate`` git tells the server nothing of what it has (as its
        own lazy fetches do): what is asked for comes, even an object inside a
        commit that is here. With it, the server leaves out what is reachable
        from commits here (listings, which then bring only what is new).
        """
        algorithm = "skipping" if negotiate else "noop"
        return git.start(
            ["-c", f"fetch.negotiationAlgorithm={algorithm}", "fetch", "--quiet", "--no-tags",
             "--no-write-fetch-head", "--no-show-forced-updates", *options, "--stdin", "origin"],
            cwd=self.path, env=self.fetch_env, pass_fds=self._lock_fds,
            stdin="".join(f"{want}\n" for want in wants).encode("utf-8", "surrogateescape"),
        )

    def use_temporary(self) -> None:
        self.cache.close()
        self.cache = CacheFolder.temporary()

    def close(self) -> None:
        self.cache.close()


def despite_the_cache(mirror: Mirror, work: Callable[[], T], reset: Callable[[], None]) -> T:
    """Do ``work``; if git fails, try again in a temporary mirror; if that works, the
    cache was the trouble (a fetch killed halfway, a damaged pack, a full disk): it is
    rebuilt for the next lookups.

    A failure of the server itself (unreachable, a wrong token) fails both tries the
    same way, the first error is the one reported, and the cache stays as it was.
    Timeouts are not tried again. ``reset`` stops what ``work`` left running first.
    """
    try:
        return work()
    except GitTimeoutError:
        raise
    except GitError as first:
        reset()
        shared = mirror.cache
        mirror.use_temporary()
        try:
            result = work()
        except GitTimeoutError:
            raise
        except GitError:
            raise first from None
        with contextlib.suppress(GitError):  # busy: the next lookup to fail on it tries again
            with shared.locked(0):  # the answer is here: no waiting for other lookups
                shared.reset_repo()
        return result


def fetch_options(*, depth: bool, tree_filter: str, bundle: bool) -> List[str]:
    """Options of a clone or fetch: a bundle is taken whole, a server is asked for what is needed."""
    if bundle:
        return []
    return [*(["--depth=1"] if depth else []), f"--filter={tree_filter}"]
