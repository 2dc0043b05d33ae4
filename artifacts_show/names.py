"""Artifact names, dirnames, and their encoding inside tag names.

A full name is ``[dirname:]name``; dirname is the folder, relative to the git
root, whose ``dvc.yaml`` declares the artifact. ``dir/dvc.yaml:name`` is the
same as ``dir:name``. In tag names the ``:`` is written ``=``.
"""

from __future__ import annotations

import functools
import posixpath
import re

from ._speed import NamedTuple
from .errors import InvalidArgumentError

NAME_PATTERN = r"[a-zA-Z0-9](?:[a-zA-Z0-9_/-]*[a-zA-Z0-9])?"
DIRNAME_PATTERN = r"[a-zA-Z0-9_./-]+"
NAME_RE = re.compile(NAME_PATTERN)
DIRNAME_RE = re.compile(DIRNAME_PATTERN)
PROJECT_FILE = "dvc.yaml"
MAX_NAME_LENGTH = 255
"""Longer names and stages are refused: no file system keeps a tag name that long."""
MAX_DIRNAME_LENGTH = 4096


class ArtifactName(NamedTuple):
    """An artifact's identity: the folder of its ``dvc.yaml`` and its name."""

    dirname: str
    name: str

    @property
    def full(self) -> str:
        return f"{self.dirname}:{self.name}" if self.dirname else self.name

    @property
    def in_tag(self) -> str:
        """How the registry tools spell this artifact inside a tag name."""
        return f"{self.dirname}={self.name}" if self.dirname else self.name

    @property
    def can_be_tagged(self) -> bool:
        """Whether git allows tag names for this artifact: no part of a ref name may start
        with ``.``, end with ``.`` or ``.lock``, or hold ``..`` (git check-ref-format), and
        a dirname may hold such parts (``.config/models``)."""
        return all(
            part and not part.startswith(".") and not part.endswith((".", ".lock")) and ".." not in part
            for part in f"{self.in_tag}@".split("/")
        )

    @property
    def dvcyaml_path(self) -> str:
        """The ``dvc.yaml`` declaring the artifact, relative to the git root."""
        return posixpath.join(self.dirname, PROJECT_FILE) if self.dirname else PROJECT_FILE

    def __str__(self) -> str:
        return self.full


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, so a message stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 15]}...({len(text)} chars)"


def is_valid_name(text: str) -> bool:
    return len(text) <= MAX_NAME_LENGTH and NAME_RE.fullmatch(text) is not None


def normalize_dirname(text: str) -> str:
    """Return the canonical dirname ('' for the root) or raise InvalidArgumentError.

    Absolute dirnames and dirnames that climb out of the repository are refused.
    """
    if len(text) > MAX_DIRNAME_LENGTH or not DIRNAME_RE.fullmatch(text):
        raise InvalidArgumentError(
            f"invalid dirname {shown(text)}: expected letters, digits and '-_./'"
        )
    if text.startswith("/"):
        raise InvalidArgumentError(f"invalid dirname {shown(text)}: it must be relative to the git root")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise InvalidArgumentError(f"invalid dirname {shown(text)}: it must not leave the repository")
    if parts and parts[-1] == PROJECT_FILE:
        parts.pop()
    return "/".join(parts)


def parse_full_name(text: str) -> ArtifactName:
    """Parse ``[dirname:]name`` (also ``dir/dvc.yaml:name``); never half-works."""
    if not isinstance(text, str):
        raise InvalidArgumentError(f"artifact name must be a string, not {type(text).__name__}")
    dirname, sep, name = text.rpartition(":")
    if sep and not dirname:
        raise InvalidArgumentError(f"invalid artifact name {shown(text)}: empty dirname before ':'")
    if not is_valid_name(name):
        raise InvalidArgumentError(
            f"invalid artifact name {shown(name)}: expected up to {MAX_NAME_LENGTH} letters and "
            "digits, with '-', '_' or '/' inside"
        )
    return ArtifactName(normalize_dirname(dirname) if sep else "", name)


@functools.lru_cache(maxsize=1024)
def parse_name_in_tag(text: str) -> ArtifactName | None:
    """Parse the artifact part of a tag name (``dirname=name``); None if not one.

    Remembered: an artifact's thousands of tags spell it the same way.
    """
    dirname, sep, name = text.rpartition("=")
    if not is_valid_name(name):
        return None
    if not sep:
        return ArtifactName("", name)
    if not DIRNAME_RE.fullmatch(dirname):
        return None
    try:
        canonical = normalize_dirname(dirname)
    except InvalidArgumentError:
        return None
    # Only the canonical spelling is the artifact's; `./dir=m` is another tag.
    return ArtifactName(canonical, name) if canonical == dirname else None


def spelled_otherwise(artifact: ArtifactName, tag_name: str) -> bool:
    """Whether a tag names ``artifact`` with another folder spelling (``./d=m@v1``,
    ``d/=m@v1``, ``d/dvc.yaml=m#prod`` for ``d:m``): such a tag is not the artifact's."""
    artifact_part = tag_name.split("@", 1)[0].split("#", 1)[0]  # names hold neither
    dirname, sep, name = artifact_part.rpartition("=")
    if not sep or name != artifact.name or dirname == artifact.dirname:
        return False
    try:
        return normalize_dirname(dirname) == artifact.dirname
    except InvalidArgumentError:
        return False


def validate_stage(stage: str) -> str:
    if not isinstance(stage, str) or not is_valid_name(stage):
        raise InvalidArgumentError(
            f"invalid stage {shown(stage)}: expected up to {MAX_NAME_LENGTH} letters and digits, "
            "with '-', '_' or '/' inside"
        )
    return stage
