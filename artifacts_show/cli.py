"""artifacts-show: argparse -> the public API -> JSON on stdout and an exit code.

:func:`main` is the command as a function (tests call it); :func:`console`, the
installed script, also skips the interpreter's teardown.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys

from . import ArtifactNotFoundError, ArtifactsShowError, InvalidArgumentError, Registry, __version__
from ._speed import TYPE_CHECKING, exit_now, terminal_columns, to_json

if TYPE_CHECKING:
    from typing import Any, Dict, List, NoReturn, Optional, Sequence, Union

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_INVALID, EXIT_FAILURE = 0, 1, 2, 3
EXIT_CLOSED_PIPE = 128 + 13  # what a shell reports for a program ended by SIGPIPE
PROGRAM = "artifacts-show"

EPILOG = """\
examples:
  artifacts-show model                        latest version of 'model'
  artifacts-show model --version v1.2.0       a pinned version
  artifacts-show nlp/models:bert --stage prod the commit in stage 'prod'
  artifacts-show model --repo https://example.com/org/registry.git --field rev
  artifacts-show model tokenizer --stage prod one JSON object per line, in order
  artifacts-show model --url --field url      where the model's data is (DVC remote storage)
  artifacts-show --list --format table        every artifact: latest and stages

exit status: 0 found, 1 not found, 2 invalid arguments, 3 git or repository failure
(several names: the worst of them); 141 when the reader of the output went away.
`artifacts-show --version` alone prints the program's version.
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal's width as ``shutil`` would find it.

    argparse makes a formatter for every argument it adds, and without a width
    each one imports ``shutil`` (and the compressors it loads) on every lookup.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=terminal_columns() - 2)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line like every other error (the usage is in --help)."""

    def error(self, message: str) -> NoReturn:
        _say("error", f"{message} (see {PROGRAM} --help)")
        raise SystemExit(EXIT_INVALID)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROGRAM,
        description="Print the Git revision and path of an artifact in a Git-based model\n"
        "registry, as dvc.api.artifacts_show does.",
        epilog=EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="artifact name: [dirname:]name")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--version", metavar="V", help="a pinned version (v1.2.3 or 1.2.3)")
    choice.add_argument("--stage", metavar="S", help="the version in this stage")
    parser.add_argument(
        "--repo", metavar="R", default=os.environ.get("ARTIFACTS_SHOW_REPO") or None,
        help="local path, bundle or URL (default: $ARTIFACTS_SHOW_REPO, else the current repository)",
    )
    parser.add_argument("--field", choices=("path", "rev", "url"), help="print this value alone")
    parser.add_argument("--url", action="store_true",
                        help="add the storage URL of the artifact's data (as dvc.api.get_url gives it)")
    parser.add_argument("--remote", metavar="NAME", help="with --url: this DVC remote, not the default one")
    overview = parser.add_argument_group("overview")
    overview.add_argument("--list", action="store_true",
                          help="every artifact with registry tags: latest version and stages")
    overview.add_argument("--format", choices=("json", "table"), default="json",
                          help="of --list: JSON (default) or an aligned table")
    overview.add_argument("--paths", action="store_true", help="of --list: add each answer's path")
    parser.add_argument(
        "--offline", action="store_true", default=None,
        help="answer a remote registry from the cache alone, with no network "
             "(also ARTIFACTS_SHOW_OFFLINE=1); says how old the listing used is",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log the git commands that ran, and how long"
    )
    return parser


def _one_line(text: str) -> str:
    """Messages stay one line, whatever they quote."""
    return " ".join(text.split())


def _say(kind: str, message: str) -> None:
    print(f"{PROGRAM}: {kind}: {_one_line(message)}", file=sys.stderr)


def _exit_code(error: BaseException) -> int:
    if isinstance(error, ArtifactNotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(error, InvalidArgumentError):
        return EXIT_INVALID
    return EXIT_FAILURE


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: Optional[List[str]] = None) -> int:
    # SIGTERM unwinds like Ctrl-C does, so that running git processes are killed too.
    signal.signal(signal.SIGTERM, _terminate)
    arguments = sys.argv[1:] if argv is None else argv
    if arguments == ["--version"]:
        return _write([f"{PROGRAM} {__version__}"])
    parser = _parser()
    args = parser.parse_args(arguments)
    if args.list and (args.names or args.version or args.stage or args.field):
        parser.error("--list takes no NAME, --version, --stage or --field")
    if not args.list and not args.names:
        parser.error("the artifact NAME is required (or --list)")
    if not args.list and (args.paths or args.format != "json"):
        parser.error("--paths and --format go with --list")
    if args.list and (args.url or args.remote):
        parser.error("--url and --remote go with a NAME, not with --list")
    if args.remote is not None and not (args.url or args.field == "url"):
        parser.error("--remote goes with --url")
    args.url = args.url or args.field == "url"
    if args.verbose:  # otherwise logging is not even imported
        import logging

        logging.basicConfig(level=logging.DEBUG, format=f"{PROGRAM}: %(levelname)s: %(message)s")
    try:
        if args.list:
            return _overview(args)
        return _lookups(args)
    except KeyboardInterrupt:
        print(f"{PROGRAM}: interrupted", file=sys.stderr)
        return 130
    except ArtifactsShowError as error:
        _say("error", str(error))
        return _exit_code(error)
    except Exception as error:  # a bug: still one line, and not the exit status of "not found"
        if args.verbose:
            import traceback

            traceback.print_exc()
        _say("error", f"internal error, please report it: {type(error).__name__}: {error}")
        return EXIT_FAILURE


def _warn(message: str) -> None:
    _say("warning", message)


def _lookups(args: argparse.Namespace) -> int:
    """One line per name, in the order given: JSON, or the ``--field`` alone ("" if not found)."""
    for name in args.names:  # before git starts
        Registry.check(name, args.version, args.stage, args.remote)
    with Registry(args.repo, artifacts=args.names, warn=_warn, offline=args.offline) as registry:
        queries = [(name, args.version, args.stage) for name in args.names]
        results: Sequence[Union[Dict[str, str], ArtifactsShowError]] = registry.show_many(
            queries, errors=len(queries) > 1, urls=args.url, remote=args.remote)
    lines, worst = [], EXIT_FOUND
    for result in results:
        if isinstance(result, ArtifactsShowError):
            _say("error", str(result))
            worst = max(worst, _exit_code(result))
            lines.append("" if args.field else to_json({"error": _one_line(str(result))}))
        else:
            lines.append(result[args.field] if args.field else to_json(result))
    return _write(lines, worst)


def _overview(args: argparse.Namespace) -> int:
    with Registry(args.repo, warn=_warn, offline=args.offline) as registry:
        seen = registry.overview(paths=args.paths)
    if args.format == "table":
        return _write(table(seen))
    import json

    return _write([json.dumps(seen, indent=2)])


def table(overview: Dict[str, Dict[str, Any]]) -> List[str]:
    """The overview as aligned columns, as ``gto show`` prints it: a version, or a short
    commit where the answer has no version; ``-`` where there is none."""
    stages = sorted({stage for entry in overview.values() for stage in entry["stages"]})
    rows = [["artifact", "latest", *(f"#{stage}" for stage in stages)]]

    def cell(answer: Optional[Dict[str, Any]]) -> str:
        if answer is None:
            return "-"
        return str(answer["version"] or answer["rev"][:7])

    for name, entry in overview.items():
        if entry["deprecated"]:
            rows.append([name, "deprecated", *("-" for _ in stages)])
        else:
            stage_cells = (cell(entry["stages"].get(stage)) for stage in stages)
            rows.append([name, cell(entry["latest"]), *stage_cells])
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return ["  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip() for row in rows]


def _write(lines: Sequence[str], code: int = EXIT_FOUND) -> int:
    """Print ``lines``; a reader that went away or an unwritable stdout ends the program
    with a status of its own (not 1, which means "not found"), and without a traceback."""
    try:
        for line in lines:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except OSError as error:
        _silence_stdout()
        if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
            return EXIT_CLOSED_PIPE
        _say("error", f"cannot write the output: {error.strerror or error}")
        return EXIT_FAILURE
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's own flush at exit fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def console() -> NoReturn:
    """The installed ``artifacts-show``: :func:`main`, then the process ends at once (by now
    git has exited, temporary folders are gone, and the output is flushed by :func:`_write`)."""
    exit_now(main())
