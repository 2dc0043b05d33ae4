"""A shallow repository answered by its upstream: what a CI checkout's lookups go through.

A CI checkout is shallow and holds some tags or one; its upstream is listed and read as
a remote registry is (``remote``), with the checkout's own credentials, while paths are
reported as the checkout's. The local side (``local``) says whether a repository is
shallow and what its upstream is; this module joins the two, and nothing else does.
"""

from __future__ import annotations

import os

from ._speed import TYPE_CHECKING
from .errors import GitError, InvalidArgumentError, ShallowCheckoutError
from .local import LocalRepository
from .urls import LocalPath, RemoteUrl, classify

if TYPE_CHECKING:
    import contextlib
    from typing import Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

    from .names import ArtifactName
    from .objects import Files, TagDetails, TagName, TagRecord
    from .remote import RemoteRepository

    T = TypeVar("T")


def pushed_tag() -> Tuple[str, ...]:
    """The tag a CI job was started for (``GITHUB_REF=refs/tags/...``): it exists, whatever a
    cached listing says."""
    ref = os.environ.get("GITHUB_REF", "")
    return (ref[len("refs/tags/"):],) if ref.startswith("refs/tags/") else ()


class ShallowCheckout:
    """A shallow repository, answered by its upstream.

    A CI checkout is shallow and holds some tags or one: answering from them would
    give a stage's commit from before a rollback. Its upstream's tags are listed
    and read exactly as a remote lookup's (the per-URL cache, the artifact's tags by
    prefix), with the checkout's own credentials for that URL, passed to git through
    the environment; paths are reported as the checkout's (its sub-project, its
    ``.dvc/config.local``). Nothing is written into the checkout. The checkout's own
    registry tags are tags a cached listing must hold to be young enough.
    """

    is_remote = True

    def __init__(
        self, checkout: LocalRepository, artifacts: Optional[Sequence[ArtifactName]], offline: bool = False,
        max_age: Optional[float] = None,
    ) -> None:
        self.subproject, self.worktree = checkout.subproject, checkout.worktree
        upstream = checkout.upstream()
        if upstream is None:
            raise ShallowCheckoutError(
                f"{checkout.path} is a shallow repository (a CI checkout?) with no remote to answer "
                f"from, and its own tags may be incomplete{self._fixes('<remote>', None)}"
            )
        where = classify_upstream(upstream.url, upstream.folder)
        if _shallow_on_this_machine(where):
            raise ShallowCheckoutError(
                f"{checkout.path} is a shallow repository whose upstream, {upstream.remote} ({where}), is "
                "shallow too: neither need hold every tag; give the registry's URL as repo (--repo URL)")
        self._failing = (f"this shallow checkout answers from its upstream, {upstream.remote} ({where}), "
                         "since its own tags may be incomplete")
        self._fixes_text = self._fixes(upstream.remote, where.url)
        seen = [*pushed_tag(), *(tag.name for tag in checkout.tags())] if max_age is not None else []
        from .remote import RemoteRepository

        self._upstream: RemoteRepository = self._explained(lambda: RemoteRepository(
            where, artifacts, credentials=upstream.credentials, offline=offline, max_age=max_age,
            seen_tags=seen))

    @property
    def listing_age(self) -> Optional[float]:
        return self._upstream.listing_age

    @staticmethod
    def _fixes(remote: str, url: Optional[str]) -> str:
        return (f": fetch its history and tags (`git fetch --unshallow --tags {remote}`), or give the "
                f"registry's URL as repo (--repo {url or 'URL'})")

    def _explained(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except GitError as failure:
            raise ShallowCheckoutError(f"{failure}; {self._failing}{self._fixes_text}") from None

    def tags(self) -> List[TagRecord]:
        return self._explained(self._upstream.tags)

    def list_anew(self) -> None:
        self._upstream.list_anew()

    def tag_names(self) -> List[TagName]:
        return self._explained(self._upstream.tag_names)

    def files(self, commits: Sequence[str]) -> contextlib.AbstractContextManager[Files]:
        return self._upstream.files(commits)

    def tag_details(self, names: Sequence[str]) -> Dict[str, TagDetails]:
        return self._explained(lambda: self._upstream.tag_details(names))

    def close(self) -> None:
        self._upstream.close()


def _shallow_on_this_machine(where: RemoteUrl) -> bool:
    """Whether the upstream is a shallow repository on this machine (a clone of a CI
    checkout): its tags may be incomplete as well. A server's cannot be asked."""
    if not where.url.startswith("file://") or where.bundle:
        return False
    try:
        return LocalRepository(where.url[len("file://"):], []).is_shallow
    except GitError:  # not a repository: the listing says why
        return False


def classify_upstream(url: str, folder: str) -> RemoteUrl:
    """A remote's URL as a remote lookup takes it: a path (relative to ``folder``, as git
    takes it) becomes a ``file://`` URL, so that it is listed and read as any remote is."""
    try:
        where = classify(url)
        if isinstance(where, LocalPath):
            path = os.path.abspath(os.path.join(folder, where.path))
            where = classify(path)
            if isinstance(where, LocalPath):
                where = classify(f"file://{path}")
    except InvalidArgumentError as refused:
        raise ShallowCheckoutError(
            f"the upstream of this shallow checkout cannot be used: {refused}") from None
    assert isinstance(where, RemoteUrl)
    return where
