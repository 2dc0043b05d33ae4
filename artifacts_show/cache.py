"""The per-user cache of remote registries: one folder per URL, a lock, and checked facts.

A URL's folder holds a bare partial repository (``repo.git``: the listed tags,
their commits, the trees and blobs answers needed) and ``facts/url``: the URL
the folder belongs to. ``memo/`` beside the URL folders holds what belongs to no
URL: the version of each git binary, and each artifact's path at a commit.
Facts are keyed by what they depend on, so they never go stale; each is stored
with its length and CRC-32 and ignored if they do not match, so a damaged file
is learned again rather than believed. Credentials are never stored here. No
git in this module.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
import zlib

from ._speed import TYPE_CHECKING, remove_tree
from .errors import GitError, GitTimeoutError, InvalidArgumentError

if TYPE_CHECKING:
    from typing import Iterator, List, Optional

CACHE_DIR_ENV = "ARTIFACTS_SHOW_CACHE_DIR"
NO_CACHE_ENV = "ARTIFACTS_SHOW_NO_CACHE"
OFFLINE_ENV = "ARTIFACTS_SHOW_OFFLINE"
MAX_AGE_ENV = "ARTIFACTS_SHOW_MAX_AGE"


def flag_in_env(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a value that means yes: any but
    empty, ``0``, ``false``, ``no`` and ``off`` (in any case)."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def offline_requested() -> bool:
    """``ARTIFACTS_SHOW_OFFLINE=1``: answer from the cache alone, with no network at all."""
    return flag_in_env(OFFLINE_ENV)


def seconds_in_env(name: str, *, zero_allowed: bool) -> Optional[float]:
    """A number of seconds from the environment variable ``name``; None when unset. A value
    that is no finite number (or is 0 where ``zero_allowed`` is false) is refused by name."""
    raw = os.environ.get(name, "")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (0 <= value if zero_allowed else 0 < value) or value == float("inf"):
        kind = "a number of seconds" if zero_allowed else "a positive number of seconds"
        raise InvalidArgumentError(f"{name} must be {kind}, not {raw!r}")
    return value


def max_age_seconds() -> Optional[float]:
    """``ARTIFACTS_SHOW_MAX_AGE``: a cached listing younger than that many seconds is used
    without asking the server; None when unset."""
    return seconds_in_env(MAX_AGE_ENV, zero_allowed=True)


def cache_root() -> Optional[str]:
    """Where caches live; None when caching is disabled (``ARTIFACTS_SHOW_NO_CACHE=1``) or
    there is no home to keep them in (each lookup then works in a temporary folder)."""
    if flag_in_env(NO_CACHE_ENV):
        return None
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return os.path.abspath(configured)
    if sys.platform == "win32":
        base = _absolute(os.environ.get("LOCALAPPDATA", "")) or _home()
        return os.path.join(base, "artifacts-show", "Cache") if base else None
    home = _home()
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "artifacts-show") if home else None
    base = _absolute(os.environ.get("XDG_CACHE_HOME", "")) or (os.path.join(home, ".cache") if home else None)
    return os.path.join(base, "artifacts-show") if base else None


def read_whole(path: str) -> Optional[bytes]:
    """A file's bytes; None if it cannot be read (absent, a folder, unreadable)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def write_whole(path: str, content: bytes) -> None:
    """Write a file whole (a temporary file renamed over it): a reader sees the old one or the
    new one, never half of one. OSError if it cannot, and no temporary file is left."""
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(temporary, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def _entries(folder: str) -> List[os.DirEntry[str]]:
    try:
        return list(os.scandir(folder))
    except OSError:
        return []


def _modified(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return time.time()


def _absolute(path: str) -> Optional[str]:
    """``path`` if absolute; a relative one is ignored, as the XDG base directory spec says."""
    return path if os.path.isabs(path) else None


def _home() -> Optional[str]:
    """The user's home; None without HOME and without an account (``expanduser`` would leave
    ``~`` as it is, a folder relative to wherever the lookup runs), or when it does not exist
    (``HOME=/nonexistent``: a service account's, where nothing is to be made)."""
    home = _absolute(os.path.expanduser("~"))
    return home if home is not None and os.path.isdir(home) else None


MEMO_ENTRIES = 1000
"""The memo keeps at most this many facts, the most recently written: it serves every URL and
local repository, so which facts a lookup may still ask for cannot be known."""


def memo_store() -> Optional[FactStore]:
    """Facts that belong to no URL (git's version, answers per commit); None when caching is disabled."""
    root = cache_root()
    return FactStore(os.path.join(root, "memo"), keep=MEMO_ENTRIES) if root is not None else None


def folder_name(url: str) -> str:
    """A readable folder name for a URL (already without credentials): a slug of it, its
    length and CRC-32. Two URLs could share one; :meth:`CacheFolder.open` tells them apart."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", url.split("://", 1)[-1]).strip("-.")[:48]
    return f"{slug}-{_checksum(url.encode('utf-8', 'surrogateescape'))}"


def _checksum(data: bytes) -> str:
    """Length and CRC-32: enough to notice a damaged or truncated file (loading hashlib costs more)."""
    return f"{len(data):x}-{zlib.crc32(data):08x}"


_SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9.-]")


def _escape(match: re.Match[str]) -> str:
    return "".join(f"_{byte:02x}" for byte in match.group().encode("utf-8", "surrogateescape"))


class CacheBusy(GitTimeoutError):
    """Other lookups held a URL's cache for longer than the timeout."""


class FactStore:
    """Small files, each written whole (temp file + rename) and checked when read."""

    def __init__(self, path: str, keep: Optional[int] = None) -> None:
        self.path = path
        self.keep = keep
        """Beyond this many facts, writing one removes the oldest written (None: no bound)."""

    def _file(self, key: str) -> str:
        name = _SAFE_NAME_RE.sub(_escape, key)
        if len(name) > 200:  # file names have a limit; keep them unique all the same
            name = f"{name[:150]}-{_checksum(key.encode('utf-8', 'surrogateescape'))}"
        return os.path.join(self.path, name)

    def get(self, key: str) -> Optional[bytes]:
        digest, _, value = (read_whole(self._file(key)) or b"").partition(b"\n")
        if digest.decode("ascii", "replace") != _checksum(value):
            return None
        return value

    def put(self, key: str, value: bytes) -> None:
        try:
            os.makedirs(self.path, exist_ok=True)
            write_whole(self._file(key), _checksum(value).encode() + b"\n" + value)
        except OSError:
            pass  # a fact not stored is learned again next time
        if self.keep is not None:
            self._bound(self.keep)

    def _bound(self, keep: int) -> None:
        """Down to three quarters of ``keep`` facts, the oldest removed, once there are more."""
        entries = _entries(self.path)
        if len(entries) <= keep:
            return
        for entry in sorted(entries, key=lambda entry: _modified(entry.path))[:len(entries) - keep * 3 // 4]:
            with contextlib.suppress(OSError):
                os.remove(entry.path)


class CacheFolder:
    """The folder of one URL. Falls back to a temporary folder when the cache is unusable."""

    def __init__(self, path: str, temporary: bool) -> None:
        self.path = path
        self.is_temporary = temporary
        self.repo = os.path.join(path, "repo.git")
        self.facts = FactStore(os.path.join(path, "facts"))

    @classmethod
    def open(cls, url: str) -> CacheFolder:
        root = cache_root()
        if root is not None:
            path = os.path.join(root, folder_name(url))
            probe = os.path.join(path, f".probe-{os.getpid()}")
            try:
                os.makedirs(path, exist_ok=True)
                os.close(os.open(probe, os.O_CREAT | os.O_WRONLY, 0o600))
                os.remove(probe)
                folder = cls(path, temporary=False)
                owner = folder.facts.get("url")
                if owner is None:
                    folder.facts.put("url", url.encode("utf-8", "surrogateescape"))
                if owner is None or owner == url.encode("utf-8", "surrogateescape"):
                    return folder
                # another URL with the same folder name: never mix two registries' objects
            except OSError:
                pass  # read-only, full or not a folder: work in a temporary folder instead
        return cls.temporary()

    @classmethod
    def temporary(cls) -> CacheFolder:
        """A folder for this lookup alone, removed when it ends."""
        import tempfile

        try:
            return cls(tempfile.mkdtemp(prefix="artifacts-show-"), temporary=True)
        except OSError as exc:  # FileNotFoundError when no temporary folder is writable
            raise GitError(f"no writable folder for the lookup's repository, neither the cache nor a "
                           f"temporary one: {exc.strerror or exc}") from None

    @contextlib.contextmanager
    def locked(self, timeout: float) -> Iterator[Optional[int]]:
        """Hold the URL's lock, so concurrent lookups do not fetch into one repository at once.

        Yields the lock file's descriptor (None where there is no lock): a git started with
        it keeps the lock while it runs, even if this process is killed meanwhile.
        """
        if self.is_temporary:
            yield None
            return
        try:
            import fcntl
        except ImportError:  # no flock (Windows): concurrent lookups may fetch twice
            yield None
            return
        try:
            os.makedirs(self.path, exist_ok=True)  # a cleaner may have removed it meanwhile
            lock_file = open(os.path.join(self.path, "lock"), "a+b")
        except OSError as exc:
            raise GitError(f"cannot lock the cache folder {self.path}: {exc.strerror or exc}") from None
        with lock_file:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise CacheBusy(
                            f"timed out after {timeout:g} s waiting for the cache lock in {self.path}"
                        ) from None
                    time.sleep(0.02)
            try:
                yield lock_file.fileno()
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def new_workspace(self) -> str:
        """A new, empty folder for one lookup's workspace repository, beside the shared one
        (on the same file system, so that publishing moves files); OSError if none can be made."""
        folder = os.path.join(self.path, "work")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{os.getpid()}-{os.urandom(6).hex()}.git")
        os.mkdir(path, 0o700)
        return path

    def set_aside_repo(self) -> None:
        """Move the shared repository out of the way (lookups may still read it: it is removed
        once stale); the caller holds the lock."""
        if os.path.lexists(self.repo):
            os.rename(self.repo, os.path.join(self.path, f"set-aside-{time.time():.0f}-{os.getpid()}.git"))

    def remove_stale(self, seconds: float) -> None:
        """Remove what killed lookups left behind: workspaces and set-aside repositories older
        than ``seconds``, and the shared repository's temporary files (only its publishers,
        who hold the lock, write there); the caller holds the lock."""
        oldest = time.time() - seconds
        left = [*_entries(os.path.join(self.path, "work")),
                *(entry for entry in _entries(self.path) if entry.name.startswith("set-aside-"))]
        for entry in left:
            if entry.is_dir() and _modified(entry.path) < oldest:
                remove_tree(entry.path)
        for folder, folders, files in os.walk(self.repo):
            if folder == self.repo and "artifacts-show" in folders:
                folders.remove("artifacts-show")  # facts are written whole, with no lock
            for name in files:
                if name.endswith((".lock", ".tmp")) or name.startswith(("tmp_pack_", ".tmp-")):
                    with contextlib.suppress(OSError):
                        os.remove(os.path.join(folder, name))

    def close(self) -> None:
        if self.is_temporary:
            remove_tree(self.path)
