"""gto's shortcuts, the command line's spellings of a lookup: ``NAME@v1.2.3`` (``--version``),
``NAME@latest`` and ``NAME@greatest`` (neither flag), ``NAME#STAGE`` (``--stage``).

Names never hold ``@`` or ``#``, so a shortcut is split off before the name is checked,
and only here: the Python calls keep dvc.api's signatures. As in gto, a version is a
whole semantic version written with its ``v``. A whole registry tag (a counter, a ``!``,
``@deprecated``) names an event, not a lookup: it is refused, with a hint to ask
``--check-ref`` what it did.
"""

from __future__ import annotations

import re

from ._speed import TYPE_CHECKING, NamedTuple
from .errors import InvalidArgumentError
from .names import NAME_PATTERN, parse_full_name, shown
from .tags import SEMVER_PATTERN, parse_tag, parse_version

if TYPE_CHECKING:
    from typing import Optional

_SHORTCUT_RE = re.compile(
    rf"(?P<name>[^@#]+)(?:#(?P<stage>{NAME_PATTERN})|@(?P<version>latest|greatest|v{SEMVER_PATTERN}))"
)


class Shortcut(NamedTuple):
    """A lookup as a name, a version and a stage (None where the spelling gives none)."""

    name: str
    version: Optional[str] = None
    stage: Optional[str] = None


def split_shortcut(text: str) -> Shortcut:
    """``text`` taken apart; a text without ``@`` or ``#`` is a name alone (checked later, as
    every name is). Raises InvalidArgumentError for a registry tag or a malformed shortcut."""
    if "@" not in text and "#" not in text:
        return Shortcut(text)
    match = _SHORTCUT_RE.fullmatch(text)
    if match:
        parse_full_name(match.group("name"))
        version = match.group("version")
        return Shortcut(match.group("name"), None if version in ("latest", "greatest") else version,
                        match.group("stage"))
    name, _, rest = text.partition("@") if "@" in text.split("#")[0] else text.partition("#")
    tag = parse_tag(f"{name.replace(':', '=')}{text[len(name):]}")
    if tag is not None:
        raise InvalidArgumentError(
            f"{shown(text)} is a registry tag, not an artifact: ask what it did with `--check-ref "
            f"'{tag.name}'`, or look the artifact up as NAME@vX.Y.Z, NAME#STAGE or NAME@latest")
    unprefixed = parse_version(rest) is not None and not rest.startswith("v")
    hint = f" (a version is written with its v: {name}@v{rest})" if unprefixed else ""
    raise InvalidArgumentError(
        f"invalid artifact name {shown(text)}: a name holds no '@' or '#', which only begin a "
        f"shortcut: NAME@v1.2.3, NAME@latest, NAME@greatest or NAME#STAGE{hint}")
