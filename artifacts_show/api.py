"""The public calls: validate -> open the repository -> list tags -> decide the commits -> read paths.

:class:`Registry` is a session: one listing of the tags and one fetch cache
for every lookup made through it. :func:`artifacts_show` and
:func:`artifacts_list` are one-shot uses of it.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import sys
from collections.abc import Sequence

from . import dvcyaml, registry, yaml12
from ._speed import TYPE_CHECKING
from .cache import max_age_seconds, memo_store, offline_requested, read_whole
from .dvcyaml import Declaration
from .errors import (
    ArtifactNotFoundError,
    ArtifactsShowError,
    GitError,
    InvalidArgumentError,
    MalformedFileError,
    OutsideProjectError,
    UnsupportedContentError,
)
from .interpolation import DEFAULT_PARAMS_FILE
from .local import LocalRepository
from .names import ArtifactName, parse_full_name, shown, spelled_otherwise, validate_stage
from .registry import TagEvent, VersionEntry
from .tags import Action, parse_tag, parse_tag_of, parse_version
from .upstream import ShallowCheckout, pushed_tag
from .urls import RemoteUrl, classify

if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple, TypeVar, Union

    from .objects import Files, Repository, TagDetails, TagName, TagRecord
    from .shortcuts import Shortcut
    from .tags import RegistryTag, Version

    RepoArgument = Optional[Union[str, os.PathLike[str]]]
    T = TypeVar("T")
    Query = Tuple[str, Optional[str], Optional[str]]
    """(name, version, stage), as :func:`artifacts_show` takes them."""


def artifacts_show(
    name: str,
    version: Optional[str] = None,
    stage: Optional[str] = None,
    repo: RepoArgument = None,
) -> Dict[str, str]:
    """Return the Git revision and the path of an artifact of a Git-based model registry.

    The same call and the same result as ``dvc.api.artifacts_show`` (DVC 3.x),
    without DVC and without cloning.

    Args:
        name: the artifact's name. Artifacts declared in the ``dvc.yaml`` at the
            repository root are named plainly (``model``); others as
            ``path/to:model`` or ``path/to/dvc.yaml:model``, the folder being
            relative to the git root.
        version: a semantic version, ``v1.2.3`` or ``1.2.3``. Resolves to the
            commit that the version's registration tag points at, even when the
            version was deregistered or the artifact deprecated (a warning is
            logged then). Mutually exclusive with ``stage``.
        stage: a stage name such as ``prod``: the commit most recently assigned
            to that stage and still in it.
        repo: a local path (work tree, any folder in it, or a bare repository),
            a remote URL (``https://``, ``http://``, ``ssh://``, ``git://``,
            ``file://``, ``user@host:path``) or the path of a git bundle;
            default: the repository holding the current directory.

        With neither ``version`` nor ``stage``: the greatest registered, not
        deregistered version (semver precedence).

    Returns:
        ``{"path": ..., "rev": ...}``: ``rev`` is the full hex name of the commit;
        ``path`` is the artifact's path relative to the repository root (or to the
        DVC sub-project that ``repo`` points into), with the platform's
        separators; a URL path (``s3://...``) is returned unchanged.

    Raises:
        InvalidArgumentError: a malformed name, version, stage or repo, or both
            ``version`` and ``stage``; raised before git runs. Also a ValueError.
        ArtifactNotFoundError: no such artifact, version or stage, or no
            declaration in ``dvc.yaml`` at the answered commit; the message lists
            what exists. Also a LookupError.
        GitError: git is missing or too old, the repository is not one, or git failed
            (:class:`ShallowCheckoutError`: a shallow checkout's upstream cannot answer).
        MalformedFileError: a malformed ``dvc.yaml`` or parameter file, naming the file
            and the commit.
        UnsupportedContentError: a symbolic link, a submodule, a file over 4 MiB where
            ``dvc.yaml`` or a parameter file is expected.
        OutsideProjectError: the path leaves the folder paths are reported from.
        ArtifactsShowError: the base of all of these.
    """
    _validate(name, version, stage)
    with Registry(repo, artifacts=[name]) as session:
        return session.show(name, version=version, stage=stage)


def artifacts_list(repo: RepoArgument = None, paths: bool = False) -> Dict[str, Dict[str, Any]]:
    """Every artifact that has registry tags, at a glance (see :meth:`Registry.overview`)."""
    with Registry(repo) as session:
        return session.overview(paths=paths)


def artifacts_url(
    name: str,
    version: Optional[str] = None,
    stage: Optional[str] = None,
    repo: RepoArgument = None,
    remote: Optional[str] = None,
) -> str:
    """Where the data of an artifact's answer lives: the URL ``dvc.api.get_url`` gives for the
    path that :func:`artifacts_show` answers, at its commit.

    From that commit's files alone: the DVC project's ``.dvc/config`` (with the
    user's system and global DVC config, and for a local work tree its
    ``.dvc/config.local``) and the output's record (``<path>.dvc``, or the
    ``dvc.lock`` beside the ``dvc.yaml`` that produces it). ``remote`` names a
    DVC remote instead of the default one. Nothing in the storage is read.

    Raises:
        ArtifactNotFoundError: as :func:`artifacts_show`; also no DVC output records
            the path, no default remote, no remote of that name (saying what exists).
        MalformedFileError: a malformed config, ``.dvc``, ``dvc.yaml`` or ``dvc.lock``
            file, naming the file and the commit.
        UnsupportedContentError: as :func:`artifacts_show`; also a remote of a DVC plugin.
    """
    Registry.check(name, version, stage, remote)
    with Registry(repo, artifacts=[name]) as session:
        return session.url(name, version=version, stage=stage, remote=remote)


class Registry:
    """A session with one registry: one listing of its tags, one fetch cache, many lookups.

    ``artifacts`` narrows the listing to those artifacts' tags, which on a large
    remote registry is much cheaper; a lookup of any other artifact is then an
    :class:`InvalidArgumentError`. Without it every tag is listed (what
    :meth:`overview` needs). The listing is made once, when the session starts:
    a tag added afterwards is seen by the next session. ``warn`` receives the
    warnings: of pinned lookups, of a local repository's tags that skip counters, of an
    overview that found no artifact where the reason is known (default: the package's logger).
    ``offline`` (default: ``ARTIFACTS_SHOW_OFFLINE``) answers a remote registry from the cache alone.

    ::

        with Registry("https://example.com/org/registry.git") as registry:
            registry.show("churn-model", stage="prod")
            registry.show("nlp:bert")
    """

    def __init__(
        self,
        repo: RepoArgument = None,
        artifacts: Optional[Iterable[str]] = None,
        warn: Optional[Callable[[str], None]] = None,
        offline: Optional[bool] = None,
    ) -> None:
        if isinstance(artifacts, str):
            raise InvalidArgumentError("artifacts must be a list of names, not one string")
        self._scope = None if artifacts is None else list(dict.fromkeys(map(parse_full_name, artifacts)))
        self._in_scope = set(self._scope or ())
        self._warn = warn or _log_warning
        self._records: Optional[List[TagRecord]] = None
        self._tag_names: Optional[List[TagName]] = None
        self._by_artifact: Optional[Dict[ArtifactName, List[registry.Event]]] = None
        self._counters_checked: Set[ArtifactName] = set()
        self._offline = offline_requested() if offline is None else offline
        self._repository: Repository = open_repository(repo, self._scope, self._offline)

    @staticmethod
    def check(
        name: str, version: Optional[str] = None, stage: Optional[str] = None, remote: Optional[str] = None
    ) -> None:
        """Raise :class:`InvalidArgumentError` for arguments a lookup would refuse, without git."""
        _validate(name, version, stage)
        if remote is not None:
            validate_remote(remote)

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop what still runs (a listing no longer wanted) and release the cache."""
        self._repository.close()

    def show(self, name: str, version: Optional[str] = None, stage: Optional[str] = None) -> Dict[str, str]:
        """:func:`artifacts_show` within this session."""
        (result,) = self.show_many([(name, version, stage)], errors=False)
        assert isinstance(result, dict)
        return result

    def url(
        self, name: str, version: Optional[str] = None, stage: Optional[str] = None,
        remote: Optional[str] = None,
    ) -> str:
        """:func:`artifacts_url` within this session."""
        (result,) = self.show_many([(name, version, stage)], errors=False, urls=True, remote=remote)
        assert isinstance(result, dict)
        return str(result["url"])

    def show_many(
        self, queries: Sequence[Query], errors: bool = True, urls: bool = False, remote: Optional[str] = None,
        resolved: bool = False, describe: bool = False,
    ) -> List[Union[Dict[str, Any], ArtifactsShowError]]:
        """Several lookups at once: their commits' files are fetched together.

        With ``errors``, a lookup that finds nothing (or a malformed ``dvc.yaml``)
        gives its exception in its place instead of raising; a failure of git or
        an invalid argument still raises. ``urls`` adds each answer's storage URL
        (``url``; from ``remote`` instead of the default remote). ``resolved`` adds
        ``version``, the version the answer resolved to (None for a commit without one),
        and ``tag``, the tag that decided it (the version's registration, the stage's
        latest assignment). ``describe`` adds the artifact's declaration at the answer's
        commit: ``type``, ``desc``, ``labels``, ``meta`` (see :meth:`check_ref`).
        """
        checked = [_validate(*query) for query in queries]
        if remote is not None:
            validate_remote(remote)  # before a lookup has fetched anything
        outcomes = []
        for artifact, pinned, stage in checked:
            try:
                answer = self._decide(artifact, pinned, stage)
                if resolved:
                    answer = registry.explained(artifact, self._events(artifact), answer, stage)
                outcomes.append(_Outcome(artifact, answer))
            except ArtifactNotFoundError as missing:
                if not errors:
                    raise
                outcomes.append(_Outcome(artifact, error=missing))
        decided = [(outcome.artifact, outcome.answer.commit) for outcome in outcomes if outcome.answer]
        documents: Dict[bytes, object] = {}  # each distinct dvc.yaml read once, for paths and declarations
        with self._files(decided) as files:  # paths and URLs read through one session
            paths = self._paths(decided, files, documents)
            locations = self._urls({key: path for key, path in paths.items() if isinstance(path, str)},
                                   remote, files) if urls else {}
            declarations = self._declarations(decided, files, documents) if describe else {}
        results: List[Union[Dict[str, Any], ArtifactsShowError]] = []
        for outcome in outcomes:
            try:
                result: Dict[str, Any] = outcome.result(paths, locations if urls else None, self._reported)
                if resolved and outcome.answer:
                    result.update(version=outcome.answer.version, tag=outcome.answer.tag)
                if describe and outcome.answer:
                    key = (outcome.artifact, outcome.answer.commit)
                    result.update(_settled(declarations[key]).annotations())
                results.append(result)
            except ANSWER_ERRORS as problem:
                if not errors:
                    raise
                results.append(problem)
                continue
            for warning in outcome.answer.warnings if outcome.answer else ():
                self._warn(warning)
        return results

    def overview(self, paths: bool = False) -> Dict[str, Dict[str, Any]]:
        """Every artifact with registry tags: its latest version and each stage, as the single
        lookups answer them, and whether it is deprecated. Keys are full names (``dir:name``).

        Each answer is ``{"version": "v1.0.0" or None, "rev": ...}``; ``paths`` adds its
        ``path``, reading each distinct commit's ``dvc.yaml`` once (``path`` null and an
        ``error`` where the artifact is not declared there, or the file is malformed).
        """
        by_artifact = self._events_by_artifact()
        for artifact, events in by_artifact.items():
            self._check_counters(artifact, events)
        if not by_artifact:
            nothing = self._why_nothing_listed()
            if nothing is not None:
                self._warn(nothing)
        seen = {artifact: registry.overview(artifact, by_artifact[artifact])
                for artifact in sorted(by_artifact, key=lambda artifact: artifact.full)}
        found = {}
        if paths:
            wanted = sorted({
                (artifact, answer.commit) for artifact, entry in seen.items()
                for answer in [entry.latest, *entry.stages.values()] if answer is not None
            })
            with self._files(wanted) as files:
                found = self._paths(wanted, files, {})

        def shown_answer(
            artifact: ArtifactName, answer: Optional[registry.Answer]
        ) -> Optional[Dict[str, Any]]:
            if answer is None:
                return None
            result: Dict[str, Any] = {"version": answer.version, "rev": answer.commit}
            if paths:
                try:
                    result["path"] = self._reported(_settled(found[(artifact, answer.commit)]))
                except ANSWER_ERRORS as problem:
                    result.update(path=None, error=str(problem))
            return result

        return {
            artifact.full: {
                "latest": shown_answer(artifact, entry.latest),
                "stages": {stage: shown_answer(artifact, answer) for stage, answer in entry.stages.items()},
                "deprecated": entry.deprecated,
            }
            for artifact, entry in seen.items()
        }

    @staticmethod
    def shortcut(text: str) -> Shortcut:
        """A lookup as the command line spells it, taken apart: ``NAME@v1.2.3``, ``NAME@latest``,
        ``NAME@greatest``, ``NAME#STAGE`` or a name alone (gto's shortcuts; the calls of this
        module take a name alone). A whole registry tag is an :class:`InvalidArgumentError`."""
        from .shortcuts import split_shortcut

        return split_shortcut(text)

    @staticmethod
    def ref_artifact(ref: str) -> str:
        """The full name of the artifact whose registry tag ``ref`` is (``refs/tags/T`` or ``T``),
        to open a session for it alone; :class:`ArtifactNotFoundError`, saying why, for a ref
        that is not a registry tag (a branch, another tag, an ``@created`` tag)."""
        return _registry_tag(ref).artifact.full

    def check_ref(
        self, ref: str, urls: bool = False, remote: Optional[str] = None, describe: bool = False,
    ) -> TagEvent:
        """What the registry tag ``ref`` (``refs/tags/T``, ``T``, ``$GITHUB_REF``) did: the fields
        of ``gto check-ref --json``, and the artifact's ``path`` at the tag's commit (None where
        ``dvc.yaml`` does not declare it there, or cannot be read: a warning says why). ``urls``
        adds its storage URL (``url``, from ``remote``), ``describe`` its ``declaration``.

        Raises :class:`ArtifactNotFoundError` for a ref that is not a registry tag, or that is
        not an annotated tag of the repository (missing, or lightweight: the registry tools
        ignore those).
        """
        tag = _registry_tag(ref)
        if remote is not None:
            validate_remote(remote)
        happened = registry.tag_event(tag.artifact, self._events(tag.artifact), tag.name)
        if happened is None and self._offline and self._repository.listing_age is not None:
            age = _duration(self._repository.listing_age)
            raise GitError(f"offline, and the cache's listing of the tags, made {age} ago, lacks "
                           f"'{tag.name}': whether it is a registry tag is known only online")
        if happened is None and self._listed_anew():
            happened = registry.tag_event(tag.artifact, self._events(tag.artifact), tag.name)
        if happened is None:
            raise ArtifactNotFoundError(
                f"'{tag.name}' is not an annotated tag of the repository: there is no such tag, or it "
                "is a lightweight tag, which the registry tools ignore")
        happened = _with_details(happened, self._repository.tag_details([tag.name]).get(tag.name))
        key = (tag.artifact, happened.commit_hexsha)
        documents: Dict[bytes, object] = {}
        with self._files([key]) as files:
            path = self._paths([key], files, documents)[key]
            url = self._urls({key: path}, remote, files)[key] if urls and isinstance(path, str) else None
            declaration = self._declarations([key], files, documents)[key] if describe else None
        return happened._replace(
            path=self._unless_spoilt(tag.name, "path", lambda: self._reported(_settled(path))),
            url=None if url is None else self._unless_spoilt(tag.name, "url", lambda: _settled(url)),
            declaration=None if declaration is None else self._unless_spoilt(
                tag.name, "declaration", lambda: _settled(declaration)))

    def _unless_spoilt(self, tag: str, what: str, get: Callable[[], T]) -> Optional[T]:
        """What ``get`` gives, or None and a warning saying why there is none."""
        try:
            return get()
        except ANSWER_ERRORS as problem:
            self._warn(f"{tag}: no {what}: {problem}")
            return None

    def history(self, name: str) -> List[TagEvent]:
        """Every event of artifact ``name``, newest first, with the fields of :meth:`check_ref`
        but ``path`` and ``url`` (``gto history``'s events; see docs/differences.md for the
        order of events of the same second)."""
        artifact = parse_full_name(name)
        events = self._events_found(artifact)
        happened = registry.history(artifact, events)
        details = self._repository.tag_details([event.tag for event in happened])
        return [_with_details(event, details.get(event.tag)) for event in happened]

    def versions(self, name: str) -> List[VersionEntry]:
        """Every version registered for artifact ``name``, each at its commit, greatest first:
        whether it is deregistered, and the stages it holds now."""
        artifact = parse_full_name(name)
        events = self._events_found(artifact)
        return registry.registered_versions(artifact, events)

    def _declarations(
        self, wanted: Sequence[Tuple[ArtifactName, str]], files: Callable[[], Files],
        documents: Dict[bytes, object],
    ) -> Dict[Tuple[ArtifactName, str], Union[Declaration, ArtifactsShowError]]:
        """Each artifact's declaration at its commit (the files are at hand: its path was read;
        ``documents`` as :func:`_read_declarations` keeps them)."""
        found: Dict[Tuple[ArtifactName, str], Union[Declaration, ArtifactsShowError]] = {}
        for artifact, commit in wanted:
            try:
                declarations = _read_declarations(
                    files().reader(commit), artifact.dvcyaml_path, commit, documents)
                if declarations is None:
                    raise ArtifactNotFoundError(f"{artifact.dvcyaml_path} does not exist at commit {commit}")
                found[(artifact, commit)] = declarations.declaration(artifact.name)
            except ANSWER_ERRORS as problem:
                found[(artifact, commit)] = problem
        return found

    def _tags(self) -> List[TagRecord]:
        if self._records is None:
            self._records = self._repository.tags()
            age = self._repository.listing_age
            if age is not None and self._offline:
                self._warn(f"offline: answering from the cache's listing of the tags, made "
                           f"{_duration(age)} ago")
        return self._records

    def _events(self, artifact: ArtifactName) -> List[registry.Event]:
        if self._scope is not None and artifact not in self._in_scope:
            raise InvalidArgumentError(
                f"artifact '{artifact}' is not one of this session's artifacts "
                f"({', '.join(str(name) for name in self._scope)}); open a Registry for it, or for all"
            )
        events = self._events_by_artifact().get(artifact, [])
        self._check_counters(artifact, events)
        return events

    def _events_by_artifact(self) -> Dict[ArtifactName, List[registry.Event]]:
        """The listing's registry tags as events, by artifact: each tag name parsed once per
        session, however many artifacts are asked for."""
        if self._by_artifact is None:
            self._by_artifact = {}
            for record in self._tags():
                tag = parse_tag(record.name)
                if tag is not None:
                    event = registry.Event(tag, record.commit, record.date)
                    self._by_artifact.setdefault(tag.artifact, []).append(event)
        return self._by_artifact

    def _check_counters(self, artifact: ArtifactName, events: Sequence[registry.Event]) -> None:
        """Warn, once per artifact, when a local repository's tags of it skip counters: a
        remote's listing is whole, and a shallow checkout answers from its upstream."""
        if self._repository.is_remote or artifact in self._counters_checked:
            return
        self._counters_checked.add(artifact)
        warning = registry.skipped_counters(artifact, events)
        if warning is not None:
            self._warn(warning)

    def _decide(
        self, artifact: ArtifactName, pinned: Optional[Version], stage: Optional[str]
    ) -> registry.Answer:
        events = self._events_found(artifact)
        try:
            if pinned is not None:
                return registry.resolve_version(artifact, events, pinned)
            if stage is not None:
                return registry.resolve_stage(artifact, events, stage)
            return registry.resolve_latest(artifact, events)
        except ArtifactNotFoundError as missing:
            if self._listed_anew():
                return self._decide(artifact, pinned, stage)
            if self._repository.is_remote:  # a remote's listing is whole
                raise
            raise ArtifactNotFoundError(f"{missing}{SOME_TAGS_HINT}") from None

    def _events_found(self, artifact: ArtifactName) -> List[registry.Event]:
        """The artifact's events; where it has none, ArtifactNotFoundError saying what exists."""
        events = self._events(artifact)
        if not events and self._listed_anew():
            events = self._events(artifact)
        if not events:
            raise self._no_tags(artifact)
        return events

    def _listed_anew(self) -> bool:
        """Whether the tags were listed anew, in place of a cached listing that served under
        ``ARTIFACTS_SHOW_MAX_AGE``: a not-found is never answered from a cached listing (the
        tag may have been pushed since), so it costs what it costs without the window."""
        if self._offline or self._repository.listing_age is None:
            return False
        self._repository.list_anew()
        self._records = self._by_artifact = None
        return True

    def _no_tags(self, artifact: ArtifactName) -> ArtifactNotFoundError:
        """Not found, saying what exists: a listing of every tag, made only for this message."""
        names = self._every_tag_name()
        missing = f"no registry tags for artifact '{artifact}'"
        if not names:
            why = "there are no tags" if self._repository.is_remote else NO_TAGS_HINT
            return ArtifactNotFoundError(f"{missing}: {why}")
        lightweight = [tag.name for tag in names if not tag.annotated and parse_tag_of(artifact, tag.name)]
        if lightweight:
            some = ", ".join(lightweight[:3]) + (", ..." if len(lightweight) > 3 else "")
            return ArtifactNotFoundError(f"{missing}: it has only lightweight tags ({some}), {LIGHTWEIGHT}")
        tagged, lightweight_only = _tagged_artifacts(names)
        elsewhere = [tag.name for tag in names if spelled_otherwise(artifact, tag.name)]
        hint = (f"; {len(elsewhere)} tag(s) spell its folder otherwise, which names another artifact "
                f"(such as '{elsewhere[0]}'): its tags begin '{artifact.in_tag}@' or '{artifact.in_tag}#'"
                if elsewhere else "")
        if lightweight_only:
            hint += f"; with lightweight tags only, which the registry ignores: {', '.join(lightweight_only)}"
        return ArtifactNotFoundError(
            f"{missing}; artifacts with tags: {', '.join(tagged) or 'none'}{hint}"
            f"{'' if self._repository.is_remote else SOME_TAGS_HINT}"
        )

    def _every_tag_name(self) -> List[TagName]:
        """Every tag's name, listed once per session however many lookups find nothing."""
        if self._tag_names is None:
            self._tag_names = self._repository.tag_names()
        return self._tag_names

    def _why_nothing_listed(self) -> Optional[str]:
        """What an overview that found no artifact should say, where the reason is known: a
        local repository without tags, or registry tags made lightweight."""
        names = self._every_tag_name()
        if not names and not self._repository.is_remote:
            return f"no artifact has registry tags: {NO_TAGS_HINT}"
        lightweight_only = _tagged_artifacts(names)[1]
        if lightweight_only:
            return (f"no artifact has registry tags: {', '.join(lightweight_only)} "
                    f"{'has' if len(lightweight_only) == 1 else 'have'} only lightweight tags, {LIGHTWEIGHT}")
        return None

    @contextlib.contextmanager
    def _files(self, wanted: Sequence[Tuple[ArtifactName, str]]) -> Iterator[Callable[[], Files]]:
        """The files at the commits of ``wanted``, opened on first need and once (a warm lookup
        that remembers its path needs none)."""
        with contextlib.ExitStack() as stack:
            opened: List[Files] = []

            def files() -> Files:
                if not opened:
                    opened.append(stack.enter_context(
                        self._repository.files(sorted({commit for _, commit in wanted}))))
                return opened[0]

            yield files

    def _paths(
        self, wanted: Sequence[Tuple[ArtifactName, str]], files: Callable[[], Files],
        documents: Dict[bytes, object],
    ) -> Dict[Tuple[ArtifactName, str], Union[str, ArtifactsShowError]]:
        """The declared path (relative to the git root) of each artifact at its commit.

        A path depends on immutable objects only (the commit names them all), so the
        paths found in each ``dvc.yaml`` at each commit are remembered in the user's
        cache, for any repository: a warm lookup then needs neither ``cat-file`` nor
        YAML. The others are read in one session, their files fetched together, and
        each distinct ``dvc.yaml`` is parsed once, however many artifacts it answers.
        """
        memo = memo_store()
        found: Dict[Tuple[ArtifactName, str], Union[str, ArtifactsShowError]] = {}
        by_file: Dict[Tuple[str, str], List[ArtifactName]] = {}
        for artifact, commit in wanted:
            by_file.setdefault((commit, artifact.dvcyaml_path), []).append(artifact)
        remembered: Dict[Tuple[str, str], Dict[str, str]] = {}
        for (commit, dvcyaml_path), artifacts in by_file.items():
            paths = _decode_paths(memo.get(_memo_key(commit, dvcyaml_path))) if memo is not None else {}
            remembered[(commit, dvcyaml_path)] = paths
            found.update(((artifact, commit), paths[artifact.name]) for artifact in artifacts
                         if artifact.name in paths)
        unread = {key: artifacts for key, artifacts in by_file.items()
                  if any((artifact, key[0]) not in found for artifact in artifacts)}
        if not unread:
            return found
        yaml12.preload()  # while git fetches what it will parse
        files().want([
            (commit, path) for commit, dvcyaml_path in unread
            for path in (dvcyaml_path, posixpath.join(posixpath.dirname(dvcyaml_path), DEFAULT_PARAMS_FILE))
        ])
        for (commit, dvcyaml_path), artifacts in unread.items():
            read_file = files().reader(commit)
            paths = remembered[(commit, dvcyaml_path)]
            try:
                declarations = _read_declarations(read_file, dvcyaml_path, commit, documents)
            except ANSWER_ERRORS as problem:  # a malformed file
                found.update(((artifact, commit), problem) for artifact in artifacts)
                continue
            if declarations is None:
                found.update(((artifact, commit), ArtifactNotFoundError(
                    f"{dvcyaml_path} does not exist at commit {commit}, "
                    f"so artifact '{artifact}' is not declared there")) for artifact in artifacts)
                continue
            for artifact in artifacts:
                if (artifact, commit) in found:
                    continue
                try:
                    found[(artifact, commit)] = paths[artifact.name] = declarations.path(artifact.name)
                except ANSWER_ERRORS as problem:  # not declared there, or a malformed declaration
                    found[(artifact, commit)] = problem
            if memo is not None and paths:
                memo.put(_memo_key(commit, dvcyaml_path), _encode_paths(paths))
        return found

    def _urls(
        self, paths: Dict[Tuple[ArtifactName, str], str], remote: Optional[str], files: Callable[[], Files]
    ) -> Dict[Tuple[ArtifactName, str], Union[str, ArtifactsShowError]]:
        """The storage URL of each artifact's path at its commit, as ``dvc.api.get_url`` gives it.

        The files that can record a path (the DVC project's config, ``.dvc`` files,
        ``dvc.lock`` files) are fetched together, for every answer at once.
        """
        from . import dvcconfig, storage

        found: Dict[Tuple[ArtifactName, str], Union[str, ArtifactsShowError]] = {}
        if not paths:
            return found
        user_config = []
        for name in dvcconfig.user_config_paths(os.environ, sys.platform):
            content = read_whole(name)
            if content is not None:
                user_config.append(dvcconfig.ConfigFile(name, content))
        worktree = self._repository.worktree
        checkout = None if worktree is None else dvcconfig.LocalCheckout(
            worktree, lambda path: read_whole(os.path.join(worktree, *path.split("/"))))
        listings = {commit: files().listing(commit) for commit in sorted({commit for _, commit in paths})}
        files().want([(commit, name) for (_, commit), path in paths.items()
                      for name in storage.files_to_read(path, listings[commit])])
        for (artifact, commit), path in paths.items():
            try:
                found[(artifact, commit)] = storage.data_url(
                    path, commit=commit, listing=listings[commit], read_file=files().reader(commit),
                    remote=remote, user_config=user_config, checkout=checkout)
            except ANSWER_ERRORS as problem:
                found[(artifact, commit)] = problem
        return found

    def _reported(self, path: str) -> str:
        """The path as DVC reports it: relative to the sub-project if any, platform separators."""
        if dvcyaml.is_url(path):
            return path
        subproject = self._repository.subproject
        if subproject:
            relative = posixpath.relpath(path, subproject)
            if relative == ".." or relative.startswith("../"):
                raise OutsideProjectError(
                    f"artifact path {path} lies outside the DVC sub-project {subproject} "
                    "that repo points into"
                )
            path = relative
        return path.replace("/", os.sep)


def open_repository(
    repo: RepoArgument, artifacts: Optional[Sequence[ArtifactName]], offline: bool = False
) -> Repository:
    """The repository ``repo`` names, its tags being listed already where that takes a while.

    ``artifacts`` narrows the listing to those artifacts' tags (None: every tag).
    Refused values never reach git (see ``urls``). A shallow repository answers from
    its upstream (see :class:`~.upstream.ShallowCheckout`). ``offline``: a remote answers from the
    cache alone. ``ARTIFACTS_SHOW_MAX_AGE`` lets a remote answer from a cached listing
    young enough, unless ``$GITHUB_REF`` names a tag of these artifacts it lacks.
    """
    where = classify(repo)
    max_age = max_age_seconds()  # refused before git runs, if malformed
    if isinstance(where, RemoteUrl):
        from .remote import RemoteRepository

        return RemoteRepository(where, artifacts, offline=offline, max_age=max_age, seen_tags=pushed_tag())
    local = LocalRepository(where.path, artifacts)
    return ShallowCheckout(local, artifacts, offline, max_age) if local.is_shallow else local


NO_TAGS_HINT = ("the repository has no tags at all. A clone made with --depth or --no-tags (the default of "
                "many CI systems) has none: fetch them with `git fetch --tags`, or give the registry's URL "
                "as repo")
SOME_TAGS_HINT = ("; if this repository lacks some of the registry's tags, fetch them with "
                  "`git fetch --tags`, or give the registry's URL as repo")
"""Said of what a local repository's tags do not hold: a clone may hold only some tags."""
LIGHTWEIGHT = "which the registry ignores: registry tags are annotated (`git tag -a`, as gto writes them)"


def _tagged_artifacts(names: Sequence[TagName]) -> Tuple[List[str], List[str]]:
    """The artifacts with registry tags, and those whose tags of the registry's grammar are
    all lightweight (full names, sorted)."""
    kinds: Dict[str, Set[bool]] = {}
    for name in names:
        tag = parse_tag(name.name)
        if tag is not None:
            kinds.setdefault(tag.artifact.full, set()).add(name.annotated)
    return (sorted(artifact for artifact, annotated in kinds.items() if True in annotated),
            sorted(artifact for artifact, annotated in kinds.items() if True not in annotated))


ANSWER_ERRORS = (ArtifactNotFoundError, MalformedFileError, UnsupportedContentError, OutsideProjectError)
"""What spoils one answer and leaves the others of a call alone (git's failures stop the call)."""


class _Outcome:
    """One query of :meth:`Registry.show_many`: its decision, or why there is none."""

    def __init__(self, artifact: ArtifactName, answer: Optional[registry.Answer] = None,
                 error: Optional[ArtifactsShowError] = None) -> None:
        self.artifact, self.answer, self.error = artifact, answer, error

    def result(
        self, paths: Dict[Tuple[ArtifactName, str], Union[str, ArtifactsShowError]],
        urls: Optional[Dict[Tuple[ArtifactName, str], Union[str, ArtifactsShowError]]],
        reported: Callable[[str], str],
    ) -> Dict[str, str]:
        """The answer as dvc.api gives it (and its ``url`` when ``urls`` are given); raises
        what spoilt it."""
        if self.error is not None:
            raise self.error
        assert self.answer is not None
        key = (self.artifact, self.answer.commit)
        path = _settled(paths[key])
        url = _settled(urls[key]) if urls is not None else None
        result = {"path": reported(path), "rev": self.answer.commit}
        if url is not None:
            result["url"] = url
        return result


def _settled(found: Union[T, ArtifactsShowError]) -> T:
    """What was found, or the error that was found instead, raised."""
    if isinstance(found, ArtifactsShowError):
        raise found
    return found


def _registry_tag(ref: object) -> RegistryTag:
    """The registry tag ``ref`` names (``refs/tags/T`` or ``T``), or why it names none."""
    if not isinstance(ref, str):
        raise InvalidArgumentError(f"a ref must be a string, not {type(ref).__name__}")
    if ref.startswith("refs/") and not ref.startswith("refs/tags/"):
        raise ArtifactNotFoundError(f"{shown(ref)} is not a tag, so not a registry event")
    name = ref[len("refs/tags/"):] if ref.startswith("refs/tags/") else ref
    tag = parse_tag(name)
    if tag is None:
        raise ArtifactNotFoundError(
            f"{shown(name)} is not a registry tag (NAME@vX.Y.Z, NAME@vX.Y.Z!, NAME#STAGE, NAME#STAGE!, "
            "NAME@deprecated, each maybe with #N)")
    if tag.action is Action.CREATE:
        raise ArtifactNotFoundError(f"'{name}' is an @created tag, which is no registry event")
    return tag


def _with_details(event: TagEvent, details: Optional[TagDetails]) -> TagEvent:
    if details is None:
        return event
    return event._replace(created_at=details.created_at, author=details.author,
                          author_email=details.author_email, message=details.message)


def _memo_key(commit: str, dvcyaml_path: str) -> str:
    # Paths read by older rules are never read again: "answer/..." (YAML 1.1, backslashes
    # kept), "path/..." (artifact names not interpolated, ``${...}`` in ``vars`` allowed),
    # "declared/..." (one fact per artifact, the same rules as now).
    return f"declared-in/{commit}:{dvcyaml_path}"


def _encode_paths(paths: Dict[str, str]) -> bytes:
    """Names and paths, ``\\0`` apart: neither can hold one."""
    text = "\0".join(part for item in sorted(paths.items()) for part in item)
    return text.encode("utf-8", "surrogateescape")


def _decode_paths(stored: Optional[bytes]) -> Dict[str, str]:
    parts = stored.decode("utf-8", "surrogateescape").split("\0") if stored else []
    return dict(zip(parts[::2], parts[1::2])) if len(parts) % 2 == 0 else {}


def _read_declarations(
    read_file: Callable[[str], Optional[bytes]], dvcyaml_path: str, commit: str,
    documents: Dict[bytes, object],
) -> Optional[dvcyaml.Declarations]:
    """The declarations of ``dvcyaml_path`` at ``commit`` (None if there is no such file);
    ``documents`` keeps each distinct content's reading (a failed one is read again, so that
    its error names this commit)."""
    content = read_file(dvcyaml_path)
    if content is None:
        return None
    where = yaml12.Where(dvcyaml_path, commit)
    if content not in documents:
        documents[content] = yaml12.load_yaml(content, where)
    return dvcyaml.Declarations(documents[content], where, read_file)


def _duration(seconds: float) -> str:
    """``42 s``, ``5 min``, ``3 h 20 min``, ``4 days``: how old something is, at a glance."""
    minutes, hours = int(seconds // 60), int(seconds // 3600)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if hours < 1:
        return f"{minutes} min"
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} days"


def validate_remote(remote: object) -> str:
    """A DVC remote's name: a string of printable characters."""
    if not isinstance(remote, str) or not remote or not remote.isprintable():
        raise InvalidArgumentError(f"invalid remote {shown(remote)}: expected the name of a DVC remote")
    return remote


def _log_warning(warning: str) -> None:
    """Log a warning (a pinned version deregistered, an artifact deprecated, ...) on the package's logger."""
    import logging

    logging.getLogger(__package__).warning("%s", warning)


def _validate(
    name: object, version: object, stage: object
) -> Tuple[ArtifactName, Optional[Version], Optional[str]]:
    if version is not None and stage is not None:
        raise InvalidArgumentError("version and stage are mutually exclusive: give one or neither")
    if not isinstance(name, str):
        raise InvalidArgumentError(f"artifact name must be a string, not {type(name).__name__}")
    artifact = parse_full_name(name)
    pinned = None
    if version is not None:
        pinned = parse_version(version) if isinstance(version, str) else None
        if pinned is None:
            raise InvalidArgumentError(
                f"invalid version {shown(version)}: expected a semantic version such as v1.2.3 or 1.2.3"
            )
    if stage is not None:
        validate_stage(stage)  # type: ignore[arg-type]
    return artifact, pinned, stage  # type: ignore[return-value]
