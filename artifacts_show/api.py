"""artifacts_show(): validate -> open the repository -> list tags -> decide the commit -> read dvc.yaml."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence

from . import dvcyaml, registry
from .cache import memo_store
from .errors import ArtifactNotFoundError, ArtifactsShowError, InvalidArgumentError
from .names import ArtifactName, parse_full_name, shown, validate_stage
from .repos import NotACommitError, TagRecord, open_repository
from .tags import RegistryTag, Version, parse_tag, parse_tag_of, parse_version

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Union

    from .repos import Repository


def artifacts_show(
    name: str,
    version: Optional[str] = None,
    stage: Optional[str] = None,
    repo: Optional[Union[str, os.PathLike[str]]] = None,
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
        repo: a local path (work tree, any folder in it, or a bare repository);
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
        GitError: git is missing or too old, the repository is not one, or git failed.
        ArtifactsShowError: the base of all of these; raised as such for a
            malformed ``dvc.yaml``, naming the file and the commit.
    """
    artifact, pinned = _validate(name, version, stage)
    with open_repository(repo) as repository:
        records = repository.annotated_tags()
        parsed = _parse(artifact, records)
        mine = [record for record in records if record.name in parsed]
        if not mine:
            tagged = {tag.artifact.full for tag in map(parse_tag, (record.name for record in records)) if tag}
            raise ArtifactNotFoundError(
                f"no registry tags for artifact '{artifact}'; "
                f"artifacts with tags: {', '.join(sorted(tagged)) or 'none'}"
            )
        while True:
            try:
                answer = _decide(artifact, _events(mine, parsed), pinned, stage)
            except registry.OrderUnknown:
                mine = repository.with_dates(mine)
                answer = _decide(artifact, _events(mine, parsed), pinned, stage)
            try:
                path = _read_path(repository, artifact, answer.commit)
            except NotACommitError as wrong:  # a tag of a tree or blob, seen only now
                mine = [record for record in mine if record.commit != wrong.object_id]
                continue
            _warn(answer.warnings)
            return {"path": _reported(path, repository.subproject), "rev": answer.commit}


def _warn(warnings: Sequence[str]) -> None:
    """Log what a pinned lookup should know (deregistered, deprecated) on our logger."""
    if warnings:
        import logging

        for warning in warnings:
            logging.getLogger(__package__).warning("%s", warning)


def _validate(
    name: object, version: object, stage: object
) -> tuple[ArtifactName, Optional[Version]]:
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
    return artifact, pinned


def _parse(artifact: ArtifactName, records: Sequence[TagRecord]) -> Dict[str, RegistryTag]:
    """The registry tags of ``artifact``, parsed, by tag name."""
    parsed = {}
    for record in records:
        tag = parse_tag_of(artifact, record.name)
        if tag is not None:
            parsed[record.name] = tag
    return parsed


def _events(records: Sequence[TagRecord], parsed: Dict[str, RegistryTag]) -> List[registry.Event]:
    return [registry.Event(parsed[record.name], record.commit, record.date) for record in records]


def _decide(
    artifact: ArtifactName,
    events: Sequence[registry.Event],
    pinned: Optional[Version],
    stage: Optional[str],
) -> registry.Answer:
    if pinned is not None:
        return registry.resolve_version(artifact, events, pinned)
    if stage is not None:
        return registry.resolve_stage(artifact, events, stage)
    return registry.resolve_latest(artifact, events)


def _read_path(repository: Repository, artifact: ArtifactName, commit: str) -> str:
    """The declared path (relative to the git root) of ``artifact`` at ``commit``.

    It depends on immutable objects only (the commit names them all), so it is
    remembered in the user's cache, for any repository: a warm lookup then
    needs neither ``cat-file`` nor YAML.
    """
    memo = memo_store()
    key = f"answer/{commit}:{artifact.full}"
    remembered = memo.get(key) if memo is not None else None
    if remembered is not None:
        return remembered.decode("utf-8", "surrogateescape")
    path = _declared_path(repository, artifact, commit)
    if memo is not None:
        memo.put(key, path.encode("utf-8", "surrogateescape"))
    return path


def _declared_path(repository: Repository, artifact: ArtifactName, commit: str) -> str:
    with repository.files_at(commit) as read_file:
        dvcyaml.preload()  # while git starts, and perhaps fetches the commit
        content = read_file(artifact.dvcyaml_path)
        if content is None:
            raise ArtifactNotFoundError(
                f"{artifact.dvcyaml_path} does not exist at commit {commit}, "
                f"so artifact '{artifact}' is not declared there"
            )
        return dvcyaml.artifact_path(
            content, dvcyaml_path=artifact.dvcyaml_path, name=artifact.name,
            commit=commit, read_file=read_file,
        )


def _reported(path: str, subproject: str) -> str:
    """The path as DVC reports it: relative to the sub-project if any, platform separators."""
    if dvcyaml.is_url(path):
        return path
    if subproject:
        relative = posixpath.relpath(path, subproject)
        if relative == ".." or relative.startswith("../"):
            raise ArtifactsShowError(
                f"artifact path {path} lies outside the DVC sub-project {subproject} "
                "that repo points into"
            )
        path = relative
    return path.replace("/", os.sep)
