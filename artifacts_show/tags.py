"""The registry's tag grammar and Semantic Versioning 2.0.0.

Compiled regular expressions next to immutable value objects, in the manner
of ``packaging.version``: parsing either gives a whole value or nothing.
Semver precedence (semver.org, section 11) is not PEP 440 (``1.0.0-alpha.beta``
has no PEP 440 form), so it is written out here.
"""

from __future__ import annotations

import enum
import re

from ._speed import TYPE_CHECKING, NamedTuple
from .names import DIRNAME_PATTERN, NAME_PATTERN, ArtifactName, parse_name_in_tag

if TYPE_CHECKING:
    from typing import Optional, Tuple, Union

    PrereleaseKey = Tuple[Tuple[int, Union[int, str]], ...]

_NUMBER = r"(?:0|[1-9][0-9]*)"
_PRERELEASE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
SEMVER_PATTERN = (
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<prerelease>{_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*))?"
    r"(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
_SEMVER_RE = re.compile(rf"v?{SEMVER_PATTERN}")
_TAG_RE = re.compile(
    rf"(?P<artifact>(?:{DIRNAME_PATTERN}=)?{NAME_PATTERN})"
    r"(?:"
    rf"@v(?P<version>{SEMVER_PATTERN.replace('?P<', '?P<v_')})(?P<deregister>!)?"
    rf"|#(?P<stage>{NAME_PATTERN})(?P<unassign>!)?"
    r"|@(?P<lifecycle>deprecated|created)"
    r")"
    r"(?:#(?P<counter>[0-9]+))?"
)


class _VersionParts(NamedTuple):
    major: int
    minor: int
    patch: int
    prerelease: Tuple[str, ...] = ()
    build: Tuple[str, ...] = ()


class Version(_VersionParts):
    """A semantic version; ``==``, ``<`` and ``hash`` follow semver precedence.

    Build metadata is kept for display but, as semver says, does not affect
    precedence: ``v1.0.0+a == v1.0.0+b``.
    """

    __slots__ = ()

    @property
    def precedence(self) -> Tuple[int, int, int, int, PrereleaseKey]:
        """A sort key of semver precedence (sorting by it compares each version once)."""
        # A release sorts above all of its pre-releases; numeric identifiers sort
        # below alphanumeric ones and numerically among themselves; a longer list
        # of identifiers wins when all before are equal (tuple order does that).
        identifiers = tuple(
            (0, int(part)) if part.isdigit() else (1, part) for part in self.prerelease
        )
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, identifiers)

    def __str__(self) -> str:
        text = f"v{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __repr__(self) -> str:
        return f"<Version {self}>"

    def __hash__(self) -> int:
        return hash(self.precedence)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.precedence == other.precedence

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __lt__(self, other: Tuple[object, ...]) -> bool:
        return self.precedence < _version(other).precedence

    def __le__(self, other: Tuple[object, ...]) -> bool:
        return self.precedence <= _version(other).precedence

    def __gt__(self, other: Tuple[object, ...]) -> bool:
        return self.precedence > _version(other).precedence

    def __ge__(self, other: Tuple[object, ...]) -> bool:
        return self.precedence >= _version(other).precedence


def _version(other: object) -> Version:
    if not isinstance(other, Version):
        raise TypeError(f"cannot compare a Version with {type(other).__name__}")
    return other


def _version_from_match(match: re.Match[str], prefix: str = "") -> Version:
    prerelease = match.group(prefix + "prerelease")
    build = match.group(prefix + "build")
    return Version(
        int(match.group(prefix + "major")),
        int(match.group(prefix + "minor")),
        int(match.group(prefix + "patch")),
        tuple(prerelease.split(".")) if prerelease else (),
        tuple(build.split(".")) if build else (),
    )


def parse_version(text: str) -> Optional[Version]:
    """Parse ``v1.2.3`` or ``1.2.3`` (pre-release and build included); None if not semver."""
    match = _SEMVER_RE.fullmatch(text)
    return _version_from_match(match) if match else None


class Action(enum.Enum):
    REGISTER = "register"
    DEREGISTER = "deregister"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    DEPRECATE = "deprecate"
    CREATE = "create"


class RegistryTag(NamedTuple):
    """A tag name that the registry understands, taken apart."""

    name: str
    artifact: ArtifactName
    action: Action
    version: Optional[Version] = None
    stage: Optional[str] = None
    counter: Optional[int] = None


def parse_tag(name: str) -> Optional[RegistryTag]:
    """Return the registry meaning of a tag name, or None for any other tag."""
    match = _TAG_RE.fullmatch(name)
    if not match:
        return None
    artifact = parse_name_in_tag(match.group("artifact"))
    if artifact is None:
        return None
    counter = int(match.group("counter")) if match.group("counter") else None
    version = stage = None
    if match.group("version"):
        version = _version_from_match(match, "v_")
        action = Action.DEREGISTER if match.group("deregister") else Action.REGISTER
    elif match.group("stage"):
        stage = match.group("stage")
        action = Action.UNASSIGN if match.group("unassign") else Action.ASSIGN
    elif match.group("lifecycle") == "deprecated":
        action = Action.DEPRECATE
    else:
        action = Action.CREATE
    return RegistryTag(name, artifact, action, version, stage, counter)


def parse_tag_of(artifact: ArtifactName, name: str) -> Optional[RegistryTag]:
    """:func:`parse_tag` for the tags of ``artifact`` alone; None for any other tag.

    The artifact part of a tag name ends at its first ``@`` or ``#`` (names
    hold neither), so a prefix test leaves out other artifacts' tags before
    the grammar is applied.
    """
    prefix = artifact.in_tag
    if not name.startswith(prefix) or name[len(prefix):len(prefix) + 1] not in ("@", "#"):
        return None
    tag = parse_tag(name)
    return tag if tag is not None and tag.artifact == artifact else None


def format_tag(tag: RegistryTag) -> str:
    """Spell a registry tag the way the registry tools write it."""
    if tag.action in (Action.REGISTER, Action.DEREGISTER):
        suffix = f"@{tag.version}" + ("!" if tag.action is Action.DEREGISTER else "")
    elif tag.action in (Action.ASSIGN, Action.UNASSIGN):
        suffix = f"#{tag.stage}" + ("!" if tag.action is Action.UNASSIGN else "")
    elif tag.action is Action.DEPRECATE:
        suffix = "@deprecated"
    else:
        suffix = "@created"
    counter = "" if tag.counter is None else f"#{tag.counter}"
    return f"{tag.artifact.in_tag}{suffix}{counter}"
