"""artifacts-show: argparse -> the public API -> JSON on stdout and an exit code.

:func:`main` is the command as a function (tests call it); :func:`console`, the
installed script, also skips the interpreter's teardown.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from . import ArtifactNotFoundError, ArtifactsShowError, InvalidArgumentError, __version__, artifacts_show

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import Dict, List, NoReturn, Optional

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_INVALID, EXIT_FAILURE = 0, 1, 2, 3
_SHOW_PROGRAM_VERSION = object()

EPILOG = """\
examples:
  artifacts-show model                        latest version of 'model'
  artifacts-show model --version v1.2.0       a pinned version
  artifacts-show nlp/models:bert --stage prod the commit in stage 'prod'
  artifacts-show model --repo https://example.com/org/registry.git --field rev

exit status: 0 found, 1 not found, 2 invalid arguments, 3 git or repository failure.
--version without a value prints the program's version.
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal's width as ``shutil`` would find it.

    argparse makes a formatter for every argument it adds, and without a width
    each one imports ``shutil`` (5 ms, with the compressors it loads) on every lookup.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_columns() - 2)


def _terminal_columns() -> int:
    """``$COLUMNS``, else the width of the terminal on stdout, else 80."""
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="artifacts-show",
        description="Print the Git revision and path of an artifact in a Git-based model\n"
        "registry, as dvc.api.artifacts_show does.",
        epilog=EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="artifact name: [dirname:]name")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--version", nargs="?", const=_SHOW_PROGRAM_VERSION, metavar="V",
        help="a pinned version (v1.2.3 or 1.2.3); alone, print the program's version",
    )
    choice.add_argument("--stage", metavar="S", help="the version in this stage")
    parser.add_argument(
        "--repo", metavar="R", default=os.environ.get("ARTIFACTS_SHOW_REPO") or None,
        help="local path, bundle or URL (default: $ARTIFACTS_SHOW_REPO, else the current repository)",
    )
    parser.add_argument("--field", choices=("path", "rev"), help="print this value alone")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log the git commands that ran, and how long"
    )
    return parser


def to_json(result: Dict[str, str]) -> str:
    """``json.dumps`` of a flat mapping of strings, without loading ``json`` (3 ms a lookup)."""
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


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: Optional[List[str]] = None) -> int:
    # SIGTERM unwinds like Ctrl-C does, so that running git processes are killed too.
    signal.signal(signal.SIGTERM, _terminate)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version is _SHOW_PROGRAM_VERSION:
        print(f"artifacts-show {__version__}")
        return EXIT_FOUND
    if args.name is None:
        parser.error("the artifact NAME is required")
    if args.verbose:  # otherwise logging is not even imported: warnings still reach stderr
        import logging

        logging.basicConfig(level=logging.DEBUG, format="artifacts-show: %(levelname)s: %(message)s")
    try:
        result = artifacts_show(
            args.name, version=args.version, stage=args.stage, repo=args.repo
        )
    except KeyboardInterrupt:
        print("artifacts-show: interrupted", file=sys.stderr)
        return 130
    except ArtifactsShowError as exc:
        print(f"artifacts-show: error: {exc}", file=sys.stderr)
        if isinstance(exc, ArtifactNotFoundError):
            return EXIT_NOT_FOUND
        if isinstance(exc, InvalidArgumentError):
            return EXIT_INVALID
        return EXIT_FAILURE
    print(result[args.field] if args.field else to_json(result))
    return EXIT_FOUND


def console() -> NoReturn:
    """The installed ``artifacts-show``: :func:`main`, then exit at once.

    Python's own teardown of the hundred modules a lookup loads costs 10 to 15 ms,
    a tenth of a warm lookup; by now git has exited, temporary folders are gone,
    and the output is flushed here. If flushing fails (a closed pipe), the
    ordinary exit reports it.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        sys.exit(code)
    os._exit(code)
