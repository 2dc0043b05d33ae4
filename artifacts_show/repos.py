"""Repositories behind one small interface: list the tags, read files at a commit.

Everything above this module is shared by every kind of repository, so a rule
fixed once is fixed for every transport.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Callable, List, Optional, Protocol, Union

from . import git
from .errors import GitError, InvalidArgumentError
from .names import shown

FileReader = Callable[[str], Optional[bytes]]
MAX_FILE_BYTES = 4 << 20
"""Files read from the registry (dvc.yaml, params) are capped at 4 MiB."""


@dataclass(frozen=True)
class TagRecord:
    """One annotated tag: its name, the commit it peels to, its tagger date if known."""

    name: str
    commit: str
    date: Optional[int] = None


class Repository(Protocol):
    subproject: str
    """The DVC sub-project (relative to the git root) that paths are reported from."""

    def annotated_tags(self) -> List[TagRecord]:
        """Annotated tags that point (perhaps through other tags) at commits."""

    def with_dates(self, tags: List[TagRecord]) -> List[TagRecord]:
        """The same tags with their tagger dates filled in."""

    def files_at(self, commit: str) -> contextlib.AbstractContextManager[FileReader]:
        """A reader of files (paths relative to the git root) at ``commit``; None if absent."""


_TAG_FORMAT = "%(refname)%00%(objecttype)%00%(*objecttype)%00%(*objectname)%00%(taggerdate:unix)"


def parse_for_each_ref(output: bytes) -> tuple[List[TagRecord], List[TagRecord]]:
    """Annotated tags whose target is a commit, and tags of tags still to peel.

    Lightweight tags (object type commit) are ignored, as the registry tools do;
    so are tags of trees and blobs. Tags of tags come back with an empty commit.
    """
    tags: List[TagRecord] = []
    nested: List[TagRecord] = []
    for line in output.decode("utf-8", "surrogateescape").splitlines():
        refname, object_type, target_type, target, date = line.split("\0")
        if object_type != "tag" or not refname.startswith("refs/tags/"):
            continue
        name = refname[len("refs/tags/"):]
        record = TagRecord(name, target, int(date) if date else None)
        if target_type == "commit":
            tags.append(record)
        elif target_type == "tag":
            nested.append(record)
    return tags, nested


class LocalRepository:
    """A repository on this machine: work tree, any folder in it, or a bare repository."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        output = git.run(["rev-parse", "--is-bare-repository", "--show-prefix"], cwd=self.path)
        lines = output.decode("utf-8", "surrogateescape").splitlines()
        if len(lines) < 2:
            raise GitError(f"not a git repository: {self.path}")
        bare, prefix = lines[0] == "true", lines[1].strip("/")
        self.subproject = "" if bare else _dvc_subproject(self.path, prefix)

    def annotated_tags(self) -> List[TagRecord]:
        output = git.run(["for-each-ref", f"--format={_TAG_FORMAT}", "refs/tags/"], cwd=self.path)
        tags, nested = parse_for_each_ref(output)
        if nested:
            tags.extend(self._peel(nested))
        return tags

    def _peel(self, nested: List[TagRecord]) -> List[TagRecord]:
        """Tags of tags: peel each to the object it ends at, all in one process."""
        request = "".join(f"refs/tags/{tag.name}^{{}}\n" for tag in nested)
        output = git.run(
            ["cat-file", "--batch-check=%(objecttype) %(objectname)"],
            cwd=self.path, stdin=request.encode("utf-8", "surrogateescape"),
        ).decode().splitlines()
        return [
            TagRecord(tag.name, line.split()[1], tag.date)
            for tag, line in zip(nested, output)
            if line.startswith("commit ")
        ]

    def with_dates(self, tags: List[TagRecord]) -> List[TagRecord]:
        return tags

    @contextlib.contextmanager
    def files_at(self, commit: str) -> Iterator[FileReader]:
        with git.CatFileBatch(cwd=self.path, max_size=MAX_FILE_BYTES) as batch:
            yield lambda path: _blob(batch.read(f"{commit}:{path}"))


def _blob(found: Optional[tuple[str, bytes]]) -> Optional[bytes]:
    return found[1] if found is not None and found[0] == "blob" else None


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


_SCHEME_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)(?P<sep>::|://)")
REMOTE_SCHEMES = ("https", "http", "ssh", "git", "file")


def open_repository(repo: Optional[Union[str, os.PathLike[str]]]) -> Repository:
    """Choose the kind of repository ``repo`` names; refuse what git must never see."""
    if repo is None:
        return LocalRepository(os.getcwd())
    if isinstance(repo, os.PathLike):
        repo = os.fspath(repo)
    if not isinstance(repo, str) or not repo:
        raise InvalidArgumentError(f"repo must be a non-empty path or URL, not {shown(repo)}")
    if repo.startswith("-"):
        raise InvalidArgumentError(f"invalid repo {shown(repo)}: it must not start with '-'")
    if any(ord(char) < 32 or char == "\x7f" for char in repo):
        raise InvalidArgumentError(f"invalid repo {shown(repo)}: it holds control characters")
    scheme = _SCHEME_RE.match(repo)
    if scheme and (scheme.group("sep") == "::" or scheme.group("scheme").lower() not in REMOTE_SCHEMES):
        raise InvalidArgumentError(
            f"invalid repo {shown(git.redact(repo))}: transport {scheme.group('scheme')!r} is not "
            f"allowed; use a local path or a {', '.join(REMOTE_SCHEMES)} or user@host:path URL"
        )
    if scheme or _is_scp_like(repo) or os.path.isfile(repo):
        raise InvalidArgumentError(f"remote repositories are not supported yet: {git.redact(repo)}")
    return LocalRepository(repo)


def _is_scp_like(repo: str) -> bool:
    """git's rule: a colon before the first slash makes ``[user@]host:path`` an ssh URL."""
    colon, slash = repo.find(":"), repo.find("/")
    return colon > 0 and (slash < 0 or colon < slash)
