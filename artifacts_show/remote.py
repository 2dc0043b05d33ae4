"""A remote registry, never cloned whole: the artifact's own tags, then only what answers read.

Listing: the artifact's tags by ref prefix (``refs/tags/<artifact>@*``,
``refs/tags/<artifact>#*``) into the URL's :class:`~.mirror.Mirror`: a
protocol-v2 server sends only those refs, and their tag objects and commits,
tagger dates included, so the order of events never costs a request of its
own. The first listing is a ``git clone --depth=1`` (a fetch if the mirror is
there already) that also brings the commits' trees, no blob; later ones fetch
without a depth and without trees, so that when nothing changed git finds
every object at hand and makes no fetch request at all (a depth always asks
again). Then ``for-each-ref`` reads the mirror.

Reading: the trees of answered commits that are not here yet in one fetch by
object id, the blobs read in another; where a server refuses object ids
(protocol v0 without ``uploadpack.allowAnySHA1InWant``), by the commit's tag.
"""

from __future__ import annotations

import contextlib
import threading
import time

from . import git
from ._speed import TYPE_CHECKING, debug
from .cache import cache_root
from .errors import GitError, GitTimeoutError
from .mirror import Mirror, despite_the_cache, fetch_options, matches
from .objects import (
    MAX_FILE_BYTES,
    CommitFiles,
    TagName,
    list_tags,
    parse_ls_remote,
    tag_patterns,
    tag_refspecs,
)

if TYPE_CHECKING:
    from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

    from .names import ArtifactName
    from .objects import Files, TagDetails, TagRecord
    from .urls import RemoteUrl

    T = TypeVar("T")


class RemoteRepository:
    """A remote registry behind the :class:`~.objects.Repository` interface."""

    subproject = ""
    worktree: Optional[str] = None
    is_remote = True

    def __init__(
        self, remote: RemoteUrl, artifacts: Optional[Sequence[ArtifactName]] = None,
        credentials: Sequence[Tuple[str, str]] = (), *, offline: bool = False,
        max_age: Optional[float] = None, seen_tags: Sequence[str] = (),
    ) -> None:
        """``credentials``: git settings that authenticate (a checkout's, for its upstream).

        ``offline``: the last listing in the cache is used, and nothing is fetched. ``max_age``
        (seconds): a listing younger than that is used without a request, unless one of
        ``seen_tags`` (tag names the caller knows exist) is of these artifacts and not in it.
        """
        self.remote = remote
        self._every_tag = artifacts is None  # the overview's listing
        self._patterns = tag_patterns(artifacts)
        self._refspecs = tag_refspecs(artifacts)
        self._offline, self._max_age, self._seen_tags = offline, max_age, seen_tags
        self.listing_age: Optional[float] = None
        """Seconds since the cached listing answering this session was made; None if listed now."""
        self._running: Optional[git.RunningGit] = None
        self._collector: Optional[threading.Thread] = None
        self._collected: List[Union[List[TagRecord], BaseException]] = []
        self._tag_of: Dict[str, str] = {}  # commit -> a tag of it, to fetch it by
        self.mirror = Mirror(remote, self._refspecs, credentials, offline=offline)
        debug("%s: tags %s, cache %s", remote.url, " ".join(self._refspecs), self.mirror.cache.path)
        if not self._refspecs:  # no tag can have such a name
            return
        try:
            self.mirror.start_workspace()
            self._start_listing()  # while the rest of the lookup gets ready
        except GitTimeoutError:
            self.close()
            raise
        except GitError:
            return  # listed again, with the cache's retries, when the tags are asked for
        except BaseException:
            self.close()
            raise
        # Read as soon as git is done, while the rest of the lookup gets ready.
        self._collector = threading.Thread(target=self._collect, name="listing", daemon=True)
        self._collector.start()

    def _collect(self) -> None:
        try:
            self._collected.append(self._finish_listing())
        except BaseException as failure:  # handed to the caller in tags()
            self._collected.append(failure)

    def _first_listing_filter(self) -> str:
        """The first listing of some artifacts' tags brings their commits' trees too (no blob):
        a few kilobytes more, and then the answer's files are one fetch away, not two. A
        listing of every tag (the overview) needs no tree, nor does a later listing (no depth:
        with trees, a tag on an old commit would bring its whole history's)."""
        return "tree:0" if self._every_tag else "blob:none"

    def _cached_listing_serves(self) -> bool:
        """Whether the workspace's copy of the last listing answers without a request: offline
        (there must be one), or younger than ``max_age`` and lacking no tag known to exist."""
        age = self.mirror.listing_age() if self.mirror.borrowing else None
        if self._offline:
            if age is None and self.mirror.cache.is_temporary and cache_root() is not None:
                raise GitError(
                    f"offline, and the cache of {self.remote.url} under {cache_root()} cannot be written "
                    "(read-only, full, or not a folder), so it is not used: a lookup reads a cache it can "
                    "write to (ARTIFACTS_SHOW_CACHE_DIR)"
                )
            if age is None:
                raise GitError(
                    f"offline, and the cache holds no listing of these tags of {self.remote.url} "
                    f"({', '.join(self._refspecs)}): look them up once online first"
                )
        elif self._max_age is None or age is None or age >= self._max_age or self._newer_tag_seen():
            return False
        self.listing_age = age
        return True

    def _newer_tag_seen(self) -> bool:
        listed = self.mirror.snapshot
        return any(f"refs/tags/{name}" not in listed for name in self._seen_tags
                   if matches(f"refs/tags/{name}", self._refspecs))

    def _start_listing(self) -> None:
        """Start the listing's fetch into the workspace (nothing to start where the cached
        listing serves)."""
        if self._cached_listing_serves():
            return
        self._started_at = time.time()
        refspecs = [f"+{pattern}:{pattern}" for pattern in self._refspecs]
        borrowing = self.mirror.borrowing
        first = not borrowing or any(pattern not in self.mirror.listed_before for pattern in self._refspecs)
        tree_filter = self._first_listing_filter() if first else "tree:0"
        options = fetch_options(depth=first, tree_filter=tree_filter, bundle=self.remote.bundle)
        if first and (self._every_tag or not borrowing):
            # A clone writes the refs into one file; a fetch would write a file per tag
            # (every tag of the registry, for the overview).
            self._running = self.mirror.start_clone(options, refspecs)
        else:
            # --atomic: one transaction for all the tags (one per ref costs a lock file each)
            options = ["--prune", "--atomic", *options]
            self._running = self.mirror.start_fetch(options, refspecs, negotiate=not first)

    def _end_listing(self) -> None:
        """Stop the listing's fetch if it still runs."""
        running, self._running = self._running, None
        if running is not None:
            running.abandon()

    def _finish_listing(self) -> List[TagRecord]:
        """Wait for the listing's git, remember when it listed, and read what it listed."""
        try:
            if self._running is not None:
                # exit 1 with nothing said (or an empty "error:", with --atomic): no tag matched
                self._running.output(silent_failure_ok=True)
                self.mirror.learn_object_format(self.mirror.path)  # a clone's: the server's
                self.mirror.listed_at = self._started_at
            return list_tags(self.mirror.path, self._patterns, self.mirror.read_env)
        finally:
            self._end_listing()

    def _list(self) -> List[TagRecord]:
        if not self.mirror.path:  # none was made when the session began
            self.mirror.start_workspace()
        self._start_listing()
        return self._finish_listing()

    def _first_listed(self) -> List[TagRecord]:
        """What the listing started with the repository gave (or raised)."""
        assert self._collector is not None
        self._collector.join()
        self._collector = None
        outcome = self._collected.pop()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def tags(self) -> List[TagRecord]:
        if not self._refspecs:
            return []
        # The first try takes the listing __init__ started (which it then forgets), a retry lists anew.
        records = despite_the_cache(
            self.mirror, lambda: self._first_listed() if self._collector else self._list(), self._end_listing)
        for record in records:
            self._tag_of.setdefault(record.commit, record.name)
        return records

    def list_anew(self) -> None:
        """Not offline: the cached listing, young enough for ``max_age``, lacks a tag the
        caller was asked about; the next :meth:`tags` asks the server."""
        assert not self._offline
        self._max_age, self.listing_age = None, None

    def tag_names(self) -> List[TagName]:
        if self._offline:  # what the cache's copy of the registry's tags holds, no more
            return [TagName(name[len("refs/tags/"):], True) for name in sorted(self.mirror.snapshot)
                    if name.startswith("refs/tags/")]
        output = git.run(["ls-remote", "--tags", "--", self.remote.url], cwd=self.mirror.cache.path,
                         env=self.mirror.fetch_env)  # not in the user's repository: its config is not ours
        return parse_ls_remote(output, peeled=not self.remote.bundle)

    def tag_details(self, names: Sequence[str]) -> Dict[str, TagDetails]:
        """Read in the repository the listing fetched the tag objects into: no request."""
        from .objects import read_tag_details

        return read_tag_details(self.mirror.path, names, self.mirror.read_env)

    @contextlib.contextmanager
    def files(self, commits: Sequence[str]) -> Iterator[Files]:
        files = _RemoteFiles(self, commits)
        try:
            yield files
        finally:
            files.close()

    def fetch(self, object_ids: Sequence[str], commits: Sequence[str], *, trees: bool) -> None:
        """Fetch objects by id (commits with their trees, trees whole, or blobs) into the
        workspace; where the server refuses ids, fetch the tags of ``commits`` instead."""
        if self._offline:
            raise GitError(f"offline, and the cache of {self.remote.url} lacks what this answer reads "
                           f"({', '.join(object_ids)}): look it up once online first")
        by_id = ["--filter=blob:none"]  # a wanted object comes whatever the filter
        if any(object_id in commits for object_id in object_ids):
            by_id = ["--depth=1", *by_id]
        by_tag = ["--depth=1", "--filter=blob:none" if trees else "--no-filter"]
        try:
            self.mirror.start_fetch(by_id, object_ids).output()
        except GitTimeoutError:
            raise
        except GitError as refused:
            tags = sorted({self._tag_of[commit] for commit in commits if commit in self._tag_of})
            if not tags:
                raise refused from None
            self.mirror.start_fetch(by_tag, [f"+refs/tags/{tag}:refs/tags/{tag}" for tag in tags]).output()

    def close(self) -> None:
        """Stop what still runs, give the cache what this session fetched, drop the workspace."""
        running = self._running  # the collector may end it meanwhile
        if self._collector is not None:  # a listing no longer wanted
            if running is not None:
                running.kill()
            self._collector.join()
            self._collector = None
        self._end_listing()
        try:
            self.mirror.publish()
        except (OSError, GitError) as failure:  # the answer is given; the cache learns it next time
            debug("%s: not published: %s", self.remote.url, failure)
        finally:
            self.mirror.close()


class _RemoteFiles:
    """Files at commits of a remote registry: one ``cat-file`` in the workspace, opened on
    first use, with the commits' trees fetched together; opened again in a workspace that
    borrows nothing if git fails."""

    def __init__(self, repository: RemoteRepository, commits: Sequence[str]) -> None:
        self._repository, self._commits = repository, list(commits)
        self._session: Optional[contextlib.ExitStack] = None
        self._files: Optional[CommitFiles] = None

    def _open(self) -> CommitFiles:
        if self._files is None:
            mirror = self._repository.mirror
            with contextlib.ExitStack() as session:
                batch = session.enter_context(
                    git.CatFileBatch(cwd=mirror.path, env=mirror.read_env, max_size=MAX_FILE_BYTES)
                )
                self._fetch_trees(batch)
                self._files = CommitFiles(
                    batch, mirror.path, mirror.read_env,
                    lambda blobs: self._repository.fetch(blobs, self._commits, trees=False),
                )
                self._session = session.pop_all()
        return self._files

    def _fetch_trees(self, batch: git.CatFileBatch) -> None:
        """Fetch, in one go, the commits (after a rebuild) and root trees not here yet."""
        missing = []
        for commit in self._commits:
            found = batch.read(commit)
            if found is None:
                missing.append(commit)
                continue
            header = found[1].split(b"\n", 1)[0]
            tree = header[len(b"tree "):].decode() if header.startswith(b"tree ") else ""
            if tree and batch.read(tree) is None:
                missing.append(tree)
        if missing:
            self._repository.fetch(missing, self._commits, trees=True)

    def close(self) -> None:
        self._files = None
        if self._session is not None:
            session, self._session = self._session, None
            session.close()

    def _retried(self, work: Callable[[CommitFiles], T]) -> T:
        return despite_the_cache(self._repository.mirror, lambda: work(self._open()), self.close)

    def want(self, wanted: Sequence[Tuple[str, str]]) -> None:
        self._retried(lambda files: files.want(wanted))

    def reader(self, commit: str) -> Callable[[str], Optional[bytes]]:
        return lambda path: self._retried(lambda files: files.read(commit, path))

    def listing(self, commit: str) -> List[str]:
        return self._retried(lambda files: files.listing(commit))
