"""What ``repo`` names: a local path, or a remote URL with its credentials taken apart.

Pure: no git here. Anything git must never see (option-like values, helper
transports such as ``ext::``) is refused before a process starts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Optional, Union
from urllib.parse import unquote, urlsplit, urlunsplit

from .errors import InvalidArgumentError
from .names import shown

REMOTE_SCHEMES = ("https", "http", "ssh", "git", "file")
_SCHEME_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)(?P<sep>::|://)")
_USERINFO_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@")


def redact(text: str) -> str:
    """Replace the user-info part of every URL in ``text`` by ``***``."""
    return _USERINFO_RE.sub(r"\g<scheme>***@", text)


@dataclass(frozen=True)
class RemoteUrl:
    """A remote repository: the URL git may see, and the credentials it must not."""

    url: str
    username: Optional[str] = field(default=None, repr=False)
    password: Optional[str] = field(default=None, repr=False)

    @property
    def credential_scope(self) -> str:
        """``scheme://host[:port]``: the credentials are offered to that server only."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True)
class LocalPath:
    path: str


def classify(repo: Optional[Union[str, "os.PathLike[str]"]]) -> Union[LocalPath, RemoteUrl]:
    """Decide what ``repo`` is; refuse values that could make git do something else."""
    if repo is None:
        return LocalPath(os.getcwd())
    if isinstance(repo, os.PathLike):
        repo = os.fspath(repo)
    if not isinstance(repo, str) or not repo:
        raise InvalidArgumentError(f"repo must be a non-empty path or URL, not {shown(repo)}")
    if repo.startswith("-"):
        raise InvalidArgumentError(f"invalid repo {shown(redact(repo))}: it must not start with '-'")
    if any(ord(char) < 32 or char == "\x7f" for char in repo):
        raise InvalidArgumentError(f"invalid repo {shown(redact(repo))}: it holds control characters")
    scheme = _SCHEME_RE.match(repo)
    if scheme:
        name = scheme.group("scheme").lower()
        if scheme.group("sep") == "::" or name not in REMOTE_SCHEMES:
            raise InvalidArgumentError(
                f"invalid repo {shown(redact(repo))}: transport {name!r} is not allowed; use a "
                f"local path, a bundle, user@host:path or a {', '.join(REMOTE_SCHEMES)} URL"
            )
        return _url(repo, name)
    if _is_scp_like(repo):
        host = repo.split(":", 1)[0].rpartition("@")[2]
        if not host or host.startswith("-"):
            raise InvalidArgumentError(f"invalid repo {shown(repo)}: bad host name")
        return RemoteUrl(repo)
    if os.path.isfile(repo):  # a git bundle
        return RemoteUrl(os.path.abspath(repo))
    return LocalPath(repo)


def _is_scp_like(repo: str) -> bool:
    """git's rule: a colon before the first slash makes ``[user@]host:path`` an ssh URL."""
    colon, slash = repo.find(":"), repo.find("/")
    return colon > 0 and (slash < 0 or colon < slash)


def _url(repo: str, scheme: str) -> RemoteUrl:
    try:
        parts = urlsplit(repo)
        port = parts.port
    except ValueError as exc:
        raise InvalidArgumentError(f"invalid repo {shown(redact(repo))}: {exc}") from None
    host = parts.hostname or ""
    if scheme != "file" and (not host or host.startswith("-")):
        raise InvalidArgumentError(f"invalid repo {shown(redact(repo))}: bad host name")
    if parts.username is None and parts.password is None:
        return RemoteUrl(repo)
    if scheme not in ("http", "https"):
        if parts.password is not None:
            raise InvalidArgumentError(
                f"invalid repo {shown(redact(repo))}: passwords in {scheme} URLs are not "
                "supported; use ssh keys or an https URL"
            )
        return RemoteUrl(repo)  # an ssh user name is not a secret
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None:
        netloc += f":{port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return RemoteUrl(bare, unquote(parts.username or ""), unquote(parts.password or ""))
