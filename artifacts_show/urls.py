"""What ``repo`` names: a local path, or a remote URL with its credentials taken apart.

Pure: no git here. Anything git must never see (option-like values, helper
transports such as ``ext::``) is refused before a process starts.
"""

from __future__ import annotations

import os
import re

from ._speed import TYPE_CHECKING, NamedTuple
from .errors import InvalidArgumentError
from .names import shown

if TYPE_CHECKING:
    from typing import Optional, Union

REMOTE_SCHEMES = ("https", "http", "ssh", "git", "file")
_SCHEME_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)(?P<sep>::|://)")
_WINDOWS_DRIVE_RE = re.compile(r"[a-zA-Z]:(?:[\\/]|$)")
_USERINFO_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s]*@")
_URL_RE = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?:(?P<userinfo>[^/?#]*)@)?"
    r"(?P<host>\[[0-9a-fA-F:.]*\]|[^/?#:\[\]]*)(?::(?P<port>[0-9]*))?(?P<rest>[/?#].*)?"
)


def redact(text: str) -> str:
    """Replace the user-info part of every URL in ``text`` by ``***``: all up to the URL's
    last ``@`` (a password may hold ``@`` or, malformed, ``/``; a path rarely holds ``@``)."""
    return _USERINFO_RE.sub(r"\g<scheme>***@", text)


class RemoteUrl(NamedTuple):
    """A remote repository: the URL git may see, and the credentials it must not."""

    url: str
    username: Optional[str] = None
    password: Optional[str] = None
    bundle: bool = False  # a bundle file: listed unpeeled, fetched whole

    @property
    def credential_scope(self) -> str:
        """``scheme://host[:port]``: the credentials are offered to that server only."""
        scheme, _, rest = self.url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"

    def __repr__(self) -> str:
        hidden = "" if self.username is None else ", credentials=***"
        return f"RemoteUrl({self.url!r}{hidden})"

    def __str__(self) -> str:
        return self.url


class LocalPath(NamedTuple):
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
    if not _WINDOWS_DRIVE_RE.match(repo) and _is_scp_like(repo):
        host = repo.split(":", 1)[0].rpartition("@")[2]
        if not host or host.startswith("-"):
            raise InvalidArgumentError(f"invalid repo {shown(repo)}: bad host name")
        return RemoteUrl(repo)
    if os.path.isfile(repo):
        if not _is_bundle(repo):
            raise InvalidArgumentError(
                f"invalid repo {shown(repo)}: a file, but not a git bundle (it does not begin "
                "'# v2 git bundle' or '# v3 git bundle'); give a repository's folder, a bundle or a URL"
            )
        return RemoteUrl(os.path.abspath(repo), bundle=True)
    return LocalPath(repo)


_BUNDLE_SIGNATURES = (b"# v2 git bundle\n", b"# v3 git bundle\n")


def _is_bundle(path: str) -> bool:
    """What git itself checks first: the signature line of a v2 or v3 bundle."""
    try:
        with open(path, "rb") as file:
            return file.read(len(_BUNDLE_SIGNATURES[0])) in _BUNDLE_SIGNATURES
    except OSError:
        return True  # unreadable here: git says why


def _is_scp_like(repo: str) -> bool:
    """git's rule: a colon before the first slash makes ``[user@]host:path`` an ssh URL.

    Not for a Windows drive (``C:\\models``, ``C:/models``): that is a local path.
    """
    colon, slash = repo.find(":"), repo.find("/")
    return colon > 0 and (slash < 0 or colon < slash)


def _url(repo: str, scheme: str) -> RemoteUrl:
    """Check the host; take ``user[:password]@`` out of http(s) URLs.

    Git never sees them in the URL (a user name may be a token: GitHub takes
    ``https://<token>@github.com/...``), nor does the cache. A user name alone
    reaches git as configuration for that host, so that the user's own
    credential helpers give the password, as for ``git ls-remote``. An ssh user
    name stays in the URL: ssh needs it, and it is not a secret.
    """
    parts = _URL_RE.fullmatch(repo)
    if parts is None:
        raise InvalidArgumentError(f"invalid repo {shown(redact(repo))}: not a URL git understands")
    host = parts.group("host")
    if scheme != "file" and (not host or host.startswith("-")):
        raise InvalidArgumentError(f"invalid repo {shown(redact(repo))}: bad host name")
    userinfo = parts.group("userinfo")
    if userinfo is None:
        return RemoteUrl(repo)
    username, has_password, password = userinfo.partition(":")
    if scheme not in ("http", "https"):
        if has_password:
            raise InvalidArgumentError(
                f"invalid repo {shown(redact(repo))}: passwords in {scheme} URLs are not "
                "supported; use ssh keys or an https URL"
            )
        return RemoteUrl(repo)
    from urllib.parse import unquote

    port = f":{parts.group('port')}" if parts.group("port") else ""
    bare = f"{parts.group('scheme')}://{host}{port}{parts.group('rest') or ''}"
    username, password = unquote(username), unquote(password)
    if any(ord(char) < 32 for char in username + password):
        raise InvalidArgumentError(f"invalid repo {shown(redact(repo))}: control characters in credentials")
    return RemoteUrl(bare, username or None, password if has_password else None)
