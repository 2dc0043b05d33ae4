"""Every trick that keeps a lookup short by not importing a standard-library module.

A warm lookup has a few milliseconds of headroom over ``git ls-remote`` on loopback, and
each module below costs more than a millisecond to import on top of what a lookup loads
anyway: ``python -m benchmarks.imports`` measures each, and benchmarks/RESULTS.md ("What
``_speed.py`` saves") keeps the figures. Each trick names the import it avoids; anything
else in the package is plain standard library.

- ``TYPE_CHECKING``: ``typing`` (modules import their types under ``if TYPE_CHECKING:``;
  type checkers take any name ``TYPE_CHECKING`` as true);
- ``NamedTuple``: ``typing``;
- ``to_json``: ``json``;
- ``terminal_columns``: ``shutil`` (argparse's formatter asks it for every argument added);
- ``executable_identity``: ``shutil.which``;
- ``remove_tree``: ``shutil.rmtree`` (every remote lookup removes its workspace);
- ``debug``: ``logging``;
- ``exit_now``: not an import, the interpreter's teardown of the modules a lookup loaded.
"""

from __future__ import annotations

import collections
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, NoReturn, Optional
    from typing import NamedTuple as NamedTuple
else:

    class _NamedTupleType(type):
        def __new__(cls, name, bases, namespace):
            if not bases:  # NamedTuple itself
                return super().__new__(cls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[field] for field in fields if field in namespace]
            record = collections.namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            for key, value in namespace.items():
                if key not in fields and key not in ("__module__", "__annotations__"):
                    setattr(record, key, value)
            return record

    class NamedTuple(metaclass=_NamedTupleType):
        """Base of a record class: ``class Point(NamedTuple): x: int; y: int = 0``: the same
        class statement builds a ``collections.namedtuple`` with the methods, properties and
        docstring of the class body, as ``typing.NamedTuple`` does."""


def to_json(result: Dict[str, str]) -> str:
    """``json.dumps`` of a flat mapping of strings."""
    pairs = (f"{_json_string(key)}: {_json_string(value)}" for key, value in result.items())
    return "{" + ", ".join(pairs) + "}"


_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _json_string(text: str) -> str:
    escaped = []
    for char in text:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            escaped.append(_SHORT_ESCAPES[char])
        elif 32 <= code < 127:
            escaped.append(char)
        elif code > 0xFFFF:  # a surrogate pair, as json.dumps writes it
            code -= 0x10000
            escaped.append(f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return '"' + "".join(escaped) + '"'


def terminal_columns() -> int:
    """``$COLUMNS``, else the width of the terminal on stdout, else 80 (``shutil.get_terminal_size``)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 80
        except (ValueError, OSError):  # not a terminal, or closed
            columns = 80
    return columns


def executable_identity(name: str) -> Optional[str]:
    """Which ``name`` PATH gives (``shutil.which``), with its size and time, so that a new
    binary is known as such; None if there is none."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or os.curdir, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            info = os.stat(candidate)
            return f"{os.path.realpath(candidate)}\0{info.st_size}\0{info.st_mtime_ns}"
    return None


def debug(message: str, *args: object) -> None:
    """Log at debug level if logging is in use at all: when nothing imported ``logging``, no
    handler exists and the message would be dropped anyway."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(__package__).debug(message, *args)


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` without the interpreter's teardown; stderr is flushed
    first (stdout is the caller's to flush)."""
    try:
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)


def remove_tree(path: str) -> None:
    """Remove a folder and what it holds, whatever fails on the way (``shutil.rmtree`` with
    ``ignore_errors``); symbolic links are removed, never followed."""
    for folder, folders, files in os.walk(path, topdown=False):
        for name in files + [entry for entry in folders if os.path.islink(os.path.join(folder, entry))]:
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass
        try:
            os.rmdir(folder)
        except OSError:
            pass
