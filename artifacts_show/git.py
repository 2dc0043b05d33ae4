"""The one place that starts git.

Every git process goes through :func:`run`, :func:`start` or :class:`CatFileBatch`: no shell,
no terminal prompts, a timeout that kills the whole process group, stdout
captured, stderr drained as git writes it (a trace the user asked for passes
through to ours), and any failure turned into :class:`GitError` carrying git's
own message first, with credentials in URLs replaced by ``***``. This module
knows nothing of registries.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence

from . import cache
from ._speed import TYPE_CHECKING, debug, executable_identity
from .errors import GitError, GitTimeoutError
from .urls import redact

if TYPE_CHECKING:
    from typing import IO, Dict, List, Optional, Tuple

    from packaging.version import Version as PackagingVersion

MINIMUM_GIT_VERSION = "2.31"
TIMEOUT_ENV = "ARTIFACTS_SHOW_TIMEOUT"
DEFAULT_TIMEOUT = 60.0


def timeout_seconds() -> float:
    """The timeout of one git process, from ``ARTIFACTS_SHOW_TIMEOUT`` (default 60)."""
    value = cache.seconds_in_env(TIMEOUT_ENV, zero_allowed=False)
    return DEFAULT_TIMEOUT if value is None else value


_KEPT_GIT_VARIABLES = frozenset({
    "GIT_EXEC_PATH", "GIT_ASKPASS", "GIT_ALLOW_PROTOCOL", "GIT_PROTOCOL_FROM_USER",
    "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_PROXY_COMMAND",
    "GIT_SSL_NO_VERIFY", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH", "GIT_SSL_CERT", "GIT_SSL_KEY",
    "GIT_SSL_CERT_PASSWORD_PROTECTED", "GIT_SSL_VERSION", "GIT_SSL_CIPHER_LIST", "GIT_SSL_PINNEDPUBKEY",
    "GIT_SSL_BACKEND", "GIT_HTTP_PROXY_AUTHMETHOD", "GIT_PROXY_SSL_CERT", "GIT_PROXY_SSL_KEY",
    "GIT_PROXY_SSL_CAINFO", "GIT_PROXY_SSL_CERT_PASSWORD_PROTECTED", "GIT_HTTP_USER_AGENT",
    "GIT_HTTP_LOW_SPEED_LIMIT", "GIT_HTTP_LOW_SPEED_TIME", "GIT_HTTP_MAX_REQUESTS", "GIT_CURL_VERBOSE",
    "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
})
"""The ``GIT_*`` variables passed on: those that configure transport, trust and
configuration files. All others are dropped, as githooks(5) advises: git sets
``GIT_DIR``, ``GIT_WORK_TREE``, ``GIT_INDEX_FILE``, ``GIT_OBJECT_DIRECTORY``...
for hooks and ``!`` aliases, and they would make every git started here read
or write the user's repository instead of the one it names."""
_KEPT_GIT_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_", "GIT_TRACE")


def _inherited() -> Dict[str, str]:
    return {
        name: value for name, value in os.environ.items()
        if not name.startswith("GIT_") or name in _KEPT_GIT_VARIABLES or name.startswith(_KEPT_GIT_PREFIXES)
    }


def _environment(extra: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """The caller's environment without repository-selecting ``GIT_*`` variables, and
    with every way of prompting a person switched off.

    git also runs without a controlling terminal (a new session), so ssh cannot
    ask for a password or a host key either; the user's ssh keys, agent,
    ssh configuration and credential helpers work as they are.
    """
    env = _inherited()
    env.update(
        GIT_TERMINAL_PROMPT="0", GCM_INTERACTIVE="never", SSH_ASKPASS_REQUIRE="never",
        # Objects as they are, not through `git replace`: a commit then names one content
        # (as DVC's libgit2 and dulwich read it), which the cache may remember.
        GIT_NO_REPLACE_OBJECTS="1",
        # No git fetches a missing object on its own (git 2.39.4 and later): every fetch
        # is asked for (local.LOCAL_READS stops older ones in the user's repositories).
        GIT_NO_LAZY_FETCH="1",
    )
    env.update(extra or {})
    return env


def config_env(pairs: Sequence[Tuple[str, str]]) -> Dict[str, str]:
    """git configuration given through the environment (``GIT_CONFIG_COUNT``...).

    Added after any the caller already set, so nothing lands in a config file
    or on a command line.
    """
    try:
        start = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    except ValueError:
        raise GitError(f"GIT_CONFIG_COUNT is not a number: {os.environ['GIT_CONFIG_COUNT']!r}") from None
    env = {"GIT_CONFIG_COUNT": str(start + len(pairs))}
    for index, (key, value) in enumerate(pairs, start):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def _describe(args: Sequence[str]) -> str:
    """The whole command, for the debug log (messages name only the subcommand)."""
    return redact(" ".join(["git", *args]))


def _subcommand(args: Sequence[str]) -> str:
    """``git clone``, ``git fetch``...: what a message names of a command (``-c`` settings skipped)."""
    arguments = iter(args)
    for argument in arguments:
        if argument in ("-c", "-C"):
            next(arguments, None)
        elif not argument.startswith("-"):
            return f"git {argument}"
    return "git"


_TRACE_OPTIONS = frozenset({"GIT_TRACE_BARE", "GIT_TRACE_REDACT", "GIT_TRACE_CURL_NO_DATA"})
_TRACE2_TARGETS = frozenset({"GIT_TRACE2", "GIT_TRACE2_EVENT", "GIT_TRACE2_PERF"})


def traces_to_stderr(env: Mapping[str, str]) -> bool:
    """Whether git, in ``env``, writes a trace to its stderr: a ``GIT_TRACE*`` target set
    to ``1``, ``2`` or ``true`` (not an option such as ``GIT_TRACE_REDACT``), or
    ``GIT_CURL_VERBOSE`` set at all, as git reads them."""
    if "GIT_CURL_VERBOSE" in env:
        return True
    for name, value in env.items():
        target = name in _TRACE2_TARGETS or (
            name.startswith("GIT_TRACE") and not name.startswith("GIT_TRACE2") and name not in _TRACE_OPTIONS)
        if target and value.lower() in ("1", "2", "true"):
            return True
    return False


class _Stderr:
    """git's stderr, read by a thread of its own while git runs: git never blocks on a full
    pipe, whatever it writes (a ``GIT_TRACE_PACK_ACCESS`` line per object read).

    With a trace asked for (:func:`traces_to_stderr`), everything git writes passes
    through to our stderr as it comes, as git would have written it, and only git's own
    message lines (``fatal:``, ``error:``...) are kept for the error; otherwise all of it is.
    """

    def __init__(self, pipe: IO[bytes], traced: bool) -> None:
        self._pipe, self._traced = pipe, traced
        self._kept: List[bytes] = []
        self._thread = threading.Thread(target=self._drain, name="git stderr", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        with self._pipe:
            for line in iter(self._pipe.readline, b""):  # split on b"\n" only
                if self._traced:
                    _write_stderr(line)
                    if not line.lower().startswith(_MESSAGE_PREFIXES_BYTES):
                        continue
                self._kept.append(line)

    def said(self, wait: Optional[float] = None) -> bytes:
        """What git said, once its stderr is closed (or ``wait`` seconds have passed)."""
        self._thread.join(wait)
        return b"".join(list(self._kept))


def _write_stderr(data: bytes) -> None:
    """Write to our stderr's descriptor, as git itself would have; a closed one takes nothing."""
    with contextlib.suppress(OSError):
        while data:
            data = data[os.write(2, data):]


def _start(
    args: Sequence[str], cwd: Optional[str], env: Optional[Mapping[str, str]], stdin: int,
    pass_fds: Sequence[int] = (),
) -> Tuple[subprocess.Popen[bytes], _Stderr]:
    environment = _environment(env)
    reading, writing = os.pipe()
    stderr = _Stderr(os.fdopen(reading, "rb"), traces_to_stderr(environment))  # reading before git writes
    with os.fdopen(writing, "wb") as git_stderr:  # git's own end only, once started
        try:
            process = subprocess.Popen(
                ["git", *args],
                cwd=cwd,
                env=environment,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=git_stderr,  # drained by _Stderr's thread, not by communicate()
                start_new_session=True,  # so that a timeout can kill git's helpers too
                pass_fds=pass_fds,
            )
        except FileNotFoundError as exc:
            if cwd is not None and not os.path.isdir(cwd):
                raise GitError(f"not a git repository: {cwd} does not exist") from exc
            raise GitError("artifacts-show needs git (2.31 or newer), and none was found on PATH") from exc
        except NotADirectoryError as exc:
            raise GitError(f"not a git repository: {cwd} is not a directory") from exc
    return process, stderr


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _timed_out(args: Sequence[str], timeout: float) -> GitTimeoutError:
    return GitTimeoutError(f"{_subcommand(args)} timed out after {timeout:g} s ({TIMEOUT_ENV})")


_CAUSES = ("fatal:", "error:")
"""git's lines that say why it failed, put first; its warnings and hints go last."""
_ASIDES = ("warning:", "hint:")
_MESSAGE_PREFIXES = (*_CAUSES, *_ASIDES, "remote:")
_MESSAGE_PREFIXES_BYTES = tuple(prefix.encode() for prefix in _MESSAGE_PREFIXES)


def _condensed(stderr: bytes) -> str:
    """git's stderr as one line, the cause first: each message of its own after a ``;``
    (a line that starts no message continues the one before), ``fatal:`` and ``error:``
    messages first, ``warning:`` and ``hint:`` ones last, the others in git's order."""
    parts: List[str] = []
    for line in stderr.decode("utf-8", "replace").split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        if parts and not line.lower().startswith(_MESSAGE_PREFIXES):
            parts[-1] += " " + line
        else:
            parts.append(line)

    def rank(part: str) -> int:
        lowered = part.lower()
        return 0 if lowered.startswith(_CAUSES) else 2 if lowered.startswith(_ASIDES) else 1

    return "; ".join(sorted(parts, key=rank))


def _failure(args: Sequence[str], returncode: int, stderr: bytes) -> GitError:
    """git's own message first, then which git said it (the whole command is in the debug log)."""
    said = _condensed(stderr)
    if not said:
        return GitError(f"{_subcommand(args)} {_status(returncode)}")
    return GitError(redact(f"{said} ({_subcommand(args)})"))


def _status(returncode: int) -> str:
    """How git ended without a word: its exit status, or the signal that killed it (SIGXFSZ:
    a file size limit)."""
    if returncode >= 0:
        return f"failed with exit status {returncode}, saying nothing"
    try:
        return f"was killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"was killed by signal {-returncode}"


class RunningGit:
    """A git process already started; :meth:`output` waits for it.

    Starting early lets the caller work while git talks to a server (a lookup
    starts listing the tags before it has loaded what it needs to decide and read).
    """

    def __init__(
        self,
        args: Sequence[str],
        cwd: Optional[str] = None,
        env: Optional[Mapping[str, str]] = None,
        stdin: Optional[bytes] = None,
        pass_fds: Sequence[int] = (),
    ) -> None:
        self._args, self._stdin = args, stdin
        self._timeout = timeout_seconds()
        self._started = time.monotonic()
        self._process, self._stderr = _start(
            args, cwd, env, subprocess.PIPE if stdin is not None else subprocess.DEVNULL, pass_fds
        )

    def output(self, silent_failure_ok: bool = False) -> bytes:
        """git's stdout once it exits; GitError if it failed or outlived the timeout.

        ``silent_failure_ok``: exit status 1 with nothing on stderr (or an empty ``error:``)
        is not a failure: ``git fetch --depth`` (``--atomic``) ends so when no ref matched its
        refspecs.
        """
        process, remaining = self._process, self._timeout - (time.monotonic() - self._started)
        try:
            stdout, _ = process.communicate(self._stdin, timeout=max(remaining, 0.001))
        except subprocess.TimeoutExpired:
            self.abandon()
            raise _timed_out(self._args, self._timeout) from None
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave no git behind
            self.abandon()
            raise
        finally:
            debug("%s (%.3f s)", _describe(self._args), time.monotonic() - self._started)
        # git is gone, its last words on their way (a long trace too); a helper of its that lives on
        # with the pipe open is not waited for past the timeout
        stderr = self._stderr.said(max(self._timeout - (time.monotonic() - self._started), 1.0))
        silent_end = silent_failure_ok and process.returncode == 1 and stderr.strip() in (b"", b"error:")
        if process.returncode != 0 and not silent_end:
            raise _failure(self._args, process.returncode, stderr)
        return stdout

    def abandon(self) -> None:
        """Kill git and its helpers (the output is no longer wanted) and reap them."""
        if self._process.returncode is None:
            _kill_group(self._process)
            self._process.communicate()

    def kill(self) -> None:
        """Kill git and its helpers; whoever waits in :meth:`output` reaps them (another thread)."""
        if self._process.returncode is None:
            _kill_group(self._process)


def _parse_git_version(output: str) -> PackagingVersion:
    from packaging.version import Version

    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", output)
    if not match:
        raise GitError(f"cannot read the version of git from {output.strip()!r}")
    return Version(".".join(part for part in match.groups() if part is not None))


@functools.cache
def ensure_supported_git() -> str:
    """Check that the git on PATH is 2.31 or newer, once per process; return its version.

    The answer is remembered in the cache per git binary, which saves a process
    (and loading ``packaging``) on every warm lookup.
    """
    identity = executable_identity("git")
    memo = cache.memo_store() if identity else None
    remembered = memo.get(f"git-version {identity}") if memo else None
    if remembered is not None:
        return remembered.decode()
    from packaging.version import Version

    found = _parse_git_version(RunningGit(["--version"]).output().decode("utf-8", "replace"))
    if found < Version(MINIMUM_GIT_VERSION):
        raise GitError(f"artifacts-show needs git {MINIMUM_GIT_VERSION} or newer; found git {found}")
    if memo:
        memo.put(f"git-version {identity}", str(found).encode())
    return str(found)


def run(
    args: Sequence[str],
    cwd: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    stdin: Optional[bytes] = None,
    pass_fds: Sequence[int] = (),
) -> bytes:
    """Run ``git *args`` and return its stdout; raise GitError on any failure."""
    return start(args, cwd=cwd, env=env, stdin=stdin, pass_fds=pass_fds).output()


def start(
    args: Sequence[str],
    cwd: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    stdin: Optional[bytes] = None,
    pass_fds: Sequence[int] = (),
) -> RunningGit:
    """Start ``git *args``; its :meth:`RunningGit.output` is what :func:`run` returns.

    ``pass_fds`` stay open in git (a lock file: its lock then lasts as long as git does).
    """
    ensure_supported_git()
    return RunningGit(args, cwd=cwd, env=env, stdin=stdin, pass_fds=pass_fds)


class ObjectTooLarge(GitError):
    """An object larger than a :class:`CatFileBatch` reads; it was not read."""

    def __init__(self, spec: str, size: int, limit: int) -> None:
        super().__init__(f"{spec} is {size} bytes, more than the {limit} bytes artifacts-show reads")
        self.size, self.limit = size, limit


class CatFileBatch:
    """A ``git cat-file --batch`` process answering one request at a time.

    One process serves every file a lookup reads (``dvc.yaml``, then the
    parameter files it names), so the number of git processes stays fixed.
    The timeout bounds each request: between requests the process waits, idle,
    for fetches into its repository that have their own timeouts.
    """

    def __init__(
        self, cwd: Optional[str] = None, env: Optional[Mapping[str, str]] = None,
        max_size: int = 1 << 62,
    ) -> None:
        ensure_supported_git()
        self._args = ["cat-file", "--batch"]
        self._max_size = max_size
        self._started = time.monotonic()
        self._process, self._stderr = _start(self._args, cwd, env, subprocess.PIPE)
        self._timed_out = threading.Event()
        self._timeout = timeout_seconds()
        self._deadline: Optional[float] = None  # of the request in progress
        self._closed = False
        self._watch = threading.Condition()
        threading.Thread(target=self._watchdog, name="cat-file timeout", daemon=True).start()

    def _watchdog(self) -> None:
        """Kill git when a request has waited longer than the timeout."""
        with self._watch:
            while not self._closed:
                if self._deadline is None:
                    self._watch.wait()
                elif self._deadline <= time.monotonic():
                    self._timed_out.set()
                    _kill_group(self._process)
                    return
                else:
                    self._watch.wait(self._deadline - time.monotonic())

    def _request(self, deadline: Optional[float]) -> None:
        with self._watch:
            self._deadline = deadline
            self._watch.notify()

    def _pipes(self) -> Tuple[IO[bytes], IO[bytes]]:
        assert self._process.stdin is not None and self._process.stdout is not None
        return self._process.stdin, self._process.stdout

    def read(self, spec: str) -> Optional[Tuple[str, bytes]]:
        """Return ``(type, content)`` of the object ``spec`` names, or None if it does not exist.

        Raises :class:`ObjectTooLarge` (after skipping its content: the process stays
        usable) when the object is larger than ``max_size`` bytes.
        """
        if "\n" in spec or "\r" in spec:
            raise GitError(f"cannot read {spec!r}: the name holds a line break")
        self._request(time.monotonic() + self._timeout)
        try:
            return self._answer(spec)
        finally:
            self._request(None)

    def _answer(self, spec: str) -> Optional[Tuple[str, bytes]]:
        stdin, stdout = self._pipes()
        try:
            stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
            stdin.flush()
            header = stdout.readline()
        except (OSError, ValueError):  # git is gone (a closed pipe, or a file we closed)
            header = b""
        if not header:
            raise self._dead()
        fields = header.rstrip(b"\n").rsplit(b" ", 2)
        if len(fields) == 2 or fields[-1] in (b"missing", b"ambiguous"):
            return None
        object_type, size = fields[1].decode(), int(fields[2])
        if size > self._max_size:
            left = size + 1
            while left:
                skipped = len(stdout.read(min(left, 1 << 20)))
                if not skipped:
                    raise self._dead()
                left -= skipped
            raise ObjectTooLarge(spec, size, self._max_size)
        content = stdout.read(size + 1)
        if len(content) != size + 1:
            raise self._dead()
        return object_type, content[:-1]

    def _dead(self) -> GitError:
        self.close()
        if self._timed_out.is_set():
            return _timed_out(self._args, self._timeout)
        return _failure(self._args, self._process.returncode or 0, self._stderr.said(self._timeout))

    def close(self) -> None:
        if self._process.returncode is not None:
            return
        with self._watch:
            self._closed = True
            self._watch.notify()
        stdin, _ = self._pipes()
        try:
            stdin.close()
        except OSError:
            pass
        try:
            self._process.wait(timeout=max(self._timeout - (time.monotonic() - self._started), 1))
        except subprocess.TimeoutExpired:
            _kill_group(self._process)
            self._process.wait()
        self._stderr.said(1.0)  # git is gone: its last words (a trace) written out before we go on
        debug("%s (%.3f s)", _describe(self._args), time.monotonic() - self._started)

    def __enter__(self) -> CatFileBatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is not None and not issubclass(exc_info[0], Exception):  # type: ignore[arg-type]
            _kill_group(self._process)  # interrupted: do not wait for git
        self.close()
        assert self._process.stdout is not None
        self._process.stdout.close()
