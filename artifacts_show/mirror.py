"""The per-URL bare partial repository in the cache: made, locked, fetched into, rebuilt.

What a lookup fetched stays here for the next one: tag objects with the commits
they tag (``--filter=tree:0``: no trees), the trees of answered commits, the
few blobs read. It is a cache: damaged, unwritable or full, it is rebuilt, and
failing that replaced by a temporary folder (:func:`despite_the_cache`). No
registry semantics here.
"""

from __future__ import annotations

import contextlib
import os
import re

from . import git
from .cache import CacheFolder, FactStore
from .errors import GitError, GitTimeoutError

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import Callable, Dict, Iterator, List, Sequence, TypeVar

    from .urls import RemoteUrl

    T = TypeVar("T")

_CREDENTIAL_HELPER = (
    '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" '
    '"$ARTIFACTS_SHOW_USERNAME" "$ARTIFACTS_SHOW_PASSWORD"; }; f'
)
"""Answers git's credential requests from the git process's own environment: the
token never appears on a command line, in a file, or in the cache's config."""

_MISMATCHED_FORMAT_RE = re.compile(r"mismatched algorithms: client \w+; server (sha1|sha256)")


def remote_environment(remote: RemoteUrl, promisor: bool) -> Dict[str, str]:
    """git's environment for the mirror of ``remote``: its configuration, and its credentials.

    ``promisor`` lets git fetch with filters; processes that only read leave it
    out, so that a missing object is reported instead of fetched behind our back.
    """
    pairs = [
        ("remote.origin.url", remote.url),
        ("gc.auto", "0"),
        ("maintenance.auto", "false"),
        ("fetch.recurseSubmodules", "false"),
    ]
    if promisor:
        pairs += [("remote.origin.promisor", "true"), ("remote.origin.partialclonefilter", "blob:none")]
    secrets = {}
    if remote.password is not None:
        pairs += [
            ("credential.helper", ""),  # no stored credential can win over the URL's
            (f"credential.{remote.credential_scope}.helper", _CREDENTIAL_HELPER),
        ]
        secrets = {
            "ARTIFACTS_SHOW_USERNAME": remote.username or "",
            "ARTIFACTS_SHOW_PASSWORD": remote.password,
        }
    return {**git.config_env(pairs), **secrets}


class Mirror:
    """The bare partial repository of one URL, in its cache folder."""

    def __init__(self, remote: RemoteUrl) -> None:
        self.remote = remote
        self.fetch_env = remote_environment(remote, promisor=not remote.bundle)
        self.read_env = remote_environment(remote, promisor=False)
        self.cache = CacheFolder.open(remote.url)
        self.object_format = bundle_object_format(remote.url) if remote.bundle else "sha1"
        """A server's format is learned from its refusal to fetch into the other (:meth:`adopt_format`)."""

    @property
    def path(self) -> str:
        return self.cache.repo

    @property
    def listed(self) -> FactStore:
        """Which tag patterns were listed into this repository (gone with it when it is rebuilt)."""
        return FactStore(os.path.join(self.cache.repo, "artifacts-show"))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The repository, made if needed, under the URL's lock."""
        with self.cache.locked(git.timeout_seconds()):
            self.cache.remove_stale_locks()
            if not os.path.isfile(os.path.join(self.path, "HEAD")):
                self.cache.reset_repo()
                git.run(["init", "--quiet", "--bare", f"--object-format={self.object_format}", self.path])
            yield

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
            cwd=self.path, env=self.fetch_env,
            stdin="".join(f"{want}\n" for want in wants).encode("utf-8", "surrogateescape"),
        )

    def adopt_format(self, failure: GitError) -> bool:
        """After git refused to fetch into a repository of the other object format, make it anew
        in the server's format; False if that was not the failure."""
        match = _MISMATCHED_FORMAT_RE.search(str(failure))
        if match is None or match.group(1) == self.object_format:
            return False
        self.object_format = match.group(1)
        with self.cache.locked(git.timeout_seconds()):
            self.cache.reset_repo()
        return True

    def rebuild(self) -> None:
        with self.cache.locked(git.timeout_seconds()):
            self.cache.reset_repo()

    def use_temporary(self) -> None:
        self.cache.close()
        self.cache = CacheFolder.temporary()

    def close(self) -> None:
        self.cache.close()


def bundle_object_format(path: str) -> str:
    """The object format a bundle's header declares (``@object-format=`` in a v3 bundle)."""
    try:
        with open(path, "rb") as bundle:
            header = bundle.read(4096)
    except OSError:
        return "sha1"  # git will say what is wrong with it
    return "sha256" if b"\n@object-format=sha256\n" in header.split(b"\n\n", 1)[0] + b"\n" else "sha1"


def despite_the_cache(mirror: Mirror, work: Callable[[], T], reset: Callable[[], None]) -> T:
    """Do ``work``; if git fails, try again in a rebuilt mirror, then in a temporary one.

    A fetch killed halfway, a damaged pack or a full disk must not break
    lookups; a failure of the server itself fails all three tries the same
    way, and the first error is the one reported. Timeouts are not retried.
    ``reset`` stops what ``work`` left running before the mirror changes.
    """
    try:
        return work()
    except GitTimeoutError:
        raise
    except GitError as first:
        for rebuild in (mirror.rebuild, mirror.use_temporary):
            reset()
            try:
                rebuild()
                return work()
            except GitTimeoutError:
                raise
            except GitError:
                pass
        raise first from None


def fetch_options(*, depth: bool, tree_filter: str, bundle: bool) -> List[str]:
    """``git fetch`` options: a bundle is imported whole, a server is asked for what is needed."""
    if bundle:
        return []
    return [*(["--depth=1"] if depth else []), f"--filter={tree_filter}"]

