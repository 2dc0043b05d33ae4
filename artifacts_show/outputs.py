"""An answer as a CI system takes it in: GitHub's step outputs, POSIX shell assignments, GitLab's
dotenv report.

Every value is carried exactly or refused, never cut or spread over another key: a path
comes from a ``dvc.yaml`` that anyone who can push a commit writes. Keys are lower case
(``path``, ``rev``, ...); the shell and dotenv forms name them ``ARTIFACT_PATH``,
``ARTIFACT_REV``... A value that a form cannot carry is a ValueError saying which and why.
"""

from __future__ import annotations

import os

from ._speed import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import List, Mapping

PREFIX = "ARTIFACT_"


def _text(outputs: Mapping[str, str]) -> None:
    """The three forms are UTF-8 text for environment variables: a value holding bytes that are
    not UTF-8 (a file name) or a NUL (which no variable holds: shells drop it) is refused."""
    for key, value in outputs.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"the {key} {value!r} is not UTF-8 text, which CI outputs are") from None
        if "\0" in value:
            raise ValueError(f"the {key} {value!r} holds a NUL, which no environment variable can hold")


def github(outputs: Mapping[str, str]) -> str:
    """Lines for ``$GITHUB_OUTPUT``, each value in the multi-line form (``key<<DELIMITER``, the
    value, ``DELIMITER``) with a random delimiter that occurs in no value: no value, whatever
    its lines, can end its own output or set another."""
    _text(outputs)
    while True:
        delimiter = f"ghadelimiter_{os.urandom(16).hex()}"
        if not any(delimiter in value for value in outputs.values()):
            break
    return "".join(f"{key}<<{delimiter}\n{value}\n{delimiter}\n" for key, value in outputs.items())


def shell(outputs: Mapping[str, str]) -> List[str]:
    """``ARTIFACT_PATH='...'`` lines, each value quoted for POSIX shells: ``eval`` sets the
    variables and runs nothing, whatever quotes, ``$(...)``, backticks or lines a value holds."""
    import shlex

    _text(outputs)
    return [f"{PREFIX}{key.upper()}={shlex.quote(value)}" for key, value in outputs.items()]


DOTENV_REFUSED = {"\n": "a line break", "\r": "a carriage return", "=": "'='", "$": "'$'"}
"""What a GitLab dotenv line cannot carry: a line is one variable; GitLab splits it at its first
``=`` (older versions at its last one, so a value holding one is read otherwise by one or the
other: the tag of an artifact in a folder, ``nlp=bert#prod#1``, included); ``$`` starts a
reference that GitLab expands in the jobs that use the variable."""


def dotenv(outputs: Mapping[str, str]) -> List[str]:
    """``ARTIFACT_PATH=...`` lines for GitLab's ``artifacts:reports:dotenv``, unquoted (GitLab
    keeps quotes as they are); a value it cannot carry as it is (see DOTENV_REFUSED; white space
    at either end, which GitLab strips) is refused."""
    _text(outputs)
    for key, value in outputs.items():
        refused = [name for character, name in DOTENV_REFUSED.items() if character in value]
        if value != value.strip():
            refused.append("white space at an end")
        if refused:
            raise ValueError(f"the {key} {value!r} holds {', '.join(refused)}: a GitLab dotenv report cannot "
                             "carry it as it is; use --format env or json")
    return [f"{PREFIX}{key.upper()}={value}" for key, value in outputs.items()]
