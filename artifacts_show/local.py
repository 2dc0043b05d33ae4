"""A repository on this machine: work tree, any folder in it, or a bare repository.

git runs here with no transport at all, and writes nothing: a partial clone's
missing object is reported, never fetched. A shallow repository says so and
names its upstream, for :func:`~.api.open_repository` to answer from; nothing of
the remote machinery is known here.
"""

from __future__ import annotations

import contextlib
import os

from . import git
from ._speed import TYPE_CHECKING, NamedTuple
from .errors import GitError
from .objects import MAX_FILE_BYTES, CommitFiles, TagName, list_tags, tag_patterns

if TYPE_CHECKING:
    from typing import Dict, Iterator, List, Optional, Sequence, Tuple

    from .names import ArtifactName
    from .objects import Files, TagDetails, TagRecord

MANY_ARTIFACTS = 64
"""Sessions of more artifacts list every tag of a repository on disk (benchmarks.cache, item 6)."""

LOCAL_READS = {"GIT_ALLOW_PROTOCOL": ""}
"""The environment of git in the user's repository: no transport at all, so that a
partial clone's missing object is reported, not fetched into it (a git without
``GIT_NO_LAZY_FETCH``, before 2.39.4, would fetch)."""


class LocalRepository:
    """A repository on this machine: work tree, any folder in it, or a bare repository."""

    is_remote = False
    listing_age: Optional[float] = None

    def __init__(self, path: str, artifacts: Optional[Sequence[ArtifactName]] = None) -> None:
        self.path = os.path.abspath(path)
        # for-each-ref matches each ref against each pattern: past MANY_ARTIFACTS, listing every
        # tag costs less (the other artifacts' events are then left out above)
        many = artifacts is not None and len(artifacts) > MANY_ARTIFACTS
        self._patterns = tag_patterns(None if many else artifacts)
        if not os.path.isdir(self.path):
            raise GitError(f"not a git repository: {self.path} is not a folder")
        output = git.run(["rev-parse", "--is-bare-repository", "--is-shallow-repository", "--show-prefix"],
                         cwd=self.path, env=LOCAL_READS)
        lines = output.decode("utf-8", "surrogateescape").split("\n")
        if len(lines) < 3:
            raise GitError(f"not a git repository: {self.path}")
        bare, prefix = lines[0] == "true", lines[2].strip("/")
        self.is_shallow = lines[1] == "true"
        """A shallow repository's tags may be incomplete (a CI checkout holds only some)."""
        self.subproject = "" if bare else _dvc_subproject(self.path, prefix)
        self.worktree = None if bare else _top_folder(self.path, prefix)
        self._tag_of: Dict[str, str] = {}  # commit -> a tag of it, to name in messages

    def list_anew(self) -> None:
        """Its listing is made now, always (``listing_age`` is None): nothing to forget."""

    def tags(self) -> List[TagRecord]:
        if not self._patterns:  # no tag can match
            return []
        records = list_tags(self.path, self._patterns, LOCAL_READS)
        for record in records:
            self._tag_of.setdefault(record.commit, record.name)
        return records

    def tag_names(self) -> List[TagName]:
        output = git.run(["for-each-ref", "--format=%(objecttype) %(refname:strip=2)", "refs/tags/"],
                         cwd=self.path, env=LOCAL_READS)
        tags = []
        for line in output.decode("utf-8", "surrogateescape").split("\n"):
            object_type, _, name = line.partition(" ")  # a tag's name holds no space
            if name:
                tags.append(TagName(name, object_type == "tag"))
        return tags

    def tag_details(self, names: Sequence[str]) -> Dict[str, TagDetails]:
        from .objects import read_tag_details

        return read_tag_details(self.path, names, LOCAL_READS)

    @contextlib.contextmanager
    def files(self, commits: Sequence[str]) -> Iterator[Files]:
        with git.CatFileBatch(cwd=self.path, env=LOCAL_READS, max_size=MAX_FILE_BYTES) as batch:
            yield CommitFiles(batch, self.path, LOCAL_READS, why_missing=self._why_missing)

    def _why_missing(self, commit: Optional[str]) -> str:
        """Said of an object missing here. A missing ``commit``: its tag was fetched without it
        (``git fetch`` of a tag that is here already fetches nothing, so the tag is fetched
        anew). Another object: a partial clone (its packs from a promisor remote) fetches
        objects when they are read, which a lookup does not do in your repository."""
        if commit is not None and commit in self._tag_of:
            import shlex

            tag, quoted = self._tag_of[commit], shlex.quote(self._tag_of[commit])
            try:
                upstream = self.upstream()
            except GitError:  # the error being explained is the one to report
                upstream = None
            remote = upstream.remote if upstream else "<remote>"
            return (f" (tag {tag} points at it: the tag was fetched without its commit); fetch the tag anew "
                    f"(`git tag -d {quoted} && git fetch {remote} tag {quoted}`), or give the registry's URL "
                    "as repo")
        try:
            common = git.run(["rev-parse", "--git-common-dir"], cwd=self.path, env=LOCAL_READS)
            pack = os.path.join(self.path, os.fsdecode(common.strip()), "objects", "pack")
            partial = any(name.endswith(".promisor") for name in os.listdir(pack))
        except (GitError, OSError):  # the error being explained is the one to report
            partial = False
        if not partial:
            return ""
        return ("; this partial clone fetches objects when they are read, which artifacts-show does not "
                "do in your repository: give the registry's URL as repo, or fetch the object with git")

    def upstream(self) -> Optional[Upstream]:
        """The remote this repository fetches from: the current branch's remote
        (``branch.<name>.remote``), else ``origin``, else the only remote; None if none is.

        Its URL is the one ``git remote get-url`` gives (``insteadOf`` applied); its
        credentials are this repository's own settings that carry them (included files
        count, as ``actions/checkout`` writes them), for the remote's git to use as this
        repository's git would.
        """
        output = git.run(["config", "-z", "--list", "--show-scope"], cwd=self.path, env=LOCAL_READS)
        settings = parse_config_list(output)
        remotes = list(dict.fromkeys(
            key[len("remote."):-len(".url")] for _, key, _ in settings
            if key.startswith("remote.") and key.endswith(".url")
        ))
        chosen = None
        if any(key.startswith("branch.") and key.endswith(".remote") for _, key, _ in settings):
            branch = git.start(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=self.path, env=LOCAL_READS)
            current = branch.output(silent_failure_ok=True).decode("utf-8", "surrogateescape").strip()
            configured = [value for _, key, value in settings if key == f"branch.{current}.remote"]
            chosen = configured[-1] if current and configured and configured[-1] in remotes else None
        if chosen is None:
            chosen = "origin" if "origin" in remotes else remotes[0] if len(remotes) == 1 else None
        if chosen is None:
            return None
        url = git.run(["remote", "get-url", "--", chosen], cwd=self.path, env=LOCAL_READS)
        credentials = tuple((key, value) for scope, key, value in settings
                            if scope in ("local", "worktree") and carries_credentials(key))
        return Upstream(chosen, url.decode("utf-8", "surrogateescape").rstrip("\n"), credentials,
                        self.worktree or self.path)

    def close(self) -> None:
        pass


class Upstream(NamedTuple):
    """Where a local repository fetches from."""

    remote: str
    """The remote's name (``origin``)."""
    url: str
    credentials: Tuple[Tuple[str, str], ...]
    """The repository's own settings that carry credentials: ``(key, value)`` in order."""
    folder: str
    """The folder a relative path URL is relative to."""


def carries_credentials(key: str) -> bool:
    """Whether a git setting (lower-case section and name) authenticates: ``credential.*``,
    ``http.extraheader``, ``http.<url>.extraheader`` and ``core.sshCommand`` (actions/checkout's
    ``ssh-key`` writes the deploy key's ``ssh -i ...`` there)."""
    return (key.startswith("credential.") or (key.startswith("http.") and key.endswith(".extraheader"))
            or key == "core.sshcommand")


def parse_config_list(output: bytes) -> List[Tuple[str, str, str]]:
    """(scope, key, value) of each entry of ``git config -z --list --show-scope``; a key
    without ``=`` in the file has the value ``""``."""
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    entries = []
    for scope, entry in zip(fields[::2], fields[1::2]):
        key, _, value = entry.partition("\n")
        entries.append((scope, key, value))
    return entries


def _top_folder(path: str, prefix: str) -> str:
    """The work tree's top folder: ``path`` without the ``prefix`` git reported for it."""
    for _ in prefix.split("/") if prefix else []:
        path = os.path.dirname(path)
    return path


def _dvc_subproject(path: str, prefix: str) -> str:
    """The folder (relative to the git root) that paths are reported from, as DVC's root is:
    the nearest folder at or above ``path`` holding a ``.dvc`` directory, else ``path`` itself.
    """
    parts = prefix.split("/") if prefix else []
    folder = path
    while True:
        if os.path.isdir(os.path.join(folder, ".dvc")):
            return "/".join(parts)
        if not parts:
            return prefix
        parts.pop()
        folder = os.path.dirname(folder)
