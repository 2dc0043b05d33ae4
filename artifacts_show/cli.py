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
    from typing import Any, Dict, List, NoReturn, Optional, Sequence, Tuple, Union

    from . import TagEvent

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_INVALID, EXIT_FAILURE = 0, 1, 2, 3
EXIT_CLOSED_PIPE = 128 + 13  # what a shell reports for a program ended by SIGPIPE
PROGRAM = "artifacts-show"

EPILOG = """\
examples:
  artifacts-show model                        latest version of 'model'
  artifacts-show model --version v1.2.0       a pinned version (also: model@v1.2.0)
  artifacts-show nlp/models:bert --stage prod the commit in stage 'prod' (also: nlp/models:bert#prod)
  artifacts-show model --repo https://example.com/org/registry.git --field rev
  artifacts-show model tokenizer --stage prod one JSON object per line, in order
  artifacts-show model --url --field url      where the model's data is (DVC remote storage)
  artifacts-show --list --format table        every artifact: latest and stages
  artifacts-show --check-ref "$GITHUB_REF" --format github   what a pushed tag did, as step outputs
  artifacts-show --history model --format table             every event of 'model', newest first

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
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="artifact name: [dirname:]name; or NAME@v1.2.3, NAME@latest, NAME#STAGE")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--version", metavar="V", help="a pinned version (v1.2.3 or 1.2.3)")
    choice.add_argument("--stage", metavar="S", help="the version in this stage")
    parser.add_argument(
        "--repo", metavar="R", default=os.environ.get("ARTIFACTS_SHOW_REPO") or None,
        help="local path, bundle or URL (default: $ARTIFACTS_SHOW_REPO, else the current repository)",
    )
    parser.add_argument("--field", choices=("path", "rev", "url", "version", "tag"),
                        help="print this value alone (version: the version found; tag: the tag deciding it)")
    parser.add_argument("--with", dest="extra", metavar="version,tag", type=_extra_keys, default=(),
                        help="add these keys to the JSON answer")
    parser.add_argument("--describe", action="store_true",
                        help="add the artifact's declaration: type, desc, labels, meta")
    parser.add_argument("--url", action="store_true",
                        help="add the storage URL of the artifact's data (as dvc.api.get_url gives it)")
    parser.add_argument("--remote", metavar="NAME", help="with --url: this DVC remote, not the default one")
    overview = parser.add_argument_group("overview")
    overview.add_argument("--list", action="store_true",
                          help="every artifact with registry tags: latest version and stages")
    overview.add_argument("--paths", action="store_true", help="of --list: add each answer's path")
    events = parser.add_argument_group("events")
    events.add_argument("--check-ref", metavar="REF",
                        help="what the registry tag REF (refs/tags/T, T, $GITHUB_REF) did; exit 1 if none")
    events.add_argument("--history", action="store_true", help="every event of NAME, newest first")
    events.add_argument("--versions", action="store_true",
                        help="every version registered for NAME: commit, deregistered, stages held")
    parser.add_argument("--format", choices=("json", "table", "github", "env", "dotenv"),
                        help="json (default); table (--list, --history, --versions); for CI, of a lookup "
                        "or --check-ref: github ($GITHUB_OUTPUT), env (shell), dotenv (GitLab)")
    parser.add_argument(
        "--offline", action="store_true", default=None,
        help="answer a remote registry from the cache alone, with no network "
             "(also ARTIFACTS_SHOW_OFFLINE=1); says how old the listing used is",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log the git commands that ran, and how long"
    )
    return parser


FORMATS = {"lookup": ("json", "github", "env", "dotenv"), "check-ref": ("json", "github", "env", "dotenv"),
           "list": ("json", "table"), "history": ("json", "table"), "versions": ("json", "table")}
CI_FORMATS = ("github", "env", "dotenv")
ANNOTATIONS = ("type", "desc", "labels", "meta")
"""What --describe adds: the declaration's keys beside the answer's path."""


def _extra_keys(text: str) -> Sequence[str]:
    keys = [key.strip() for key in text.split(",") if key.strip()]
    if not keys or not set(keys) <= {"version", "tag"}:
        raise argparse.ArgumentTypeError(f"expected version, tag or both, comma-separated, not {text!r}")
    return keys


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse, before anything runs, options that do not go together; set ``args.mode``."""
    modes = [mode for mode, given in (("list", args.list), ("check-ref", args.check_ref is not None),
                                      ("history", args.history), ("versions", args.versions)) if given]
    if len(modes) > 1:
        parser.error("--list, --check-ref, --history and --versions go alone")
    args.mode = modes[0] if modes else "lookup"
    args.format = args.format or "json"
    if args.format not in FORMATS[args.mode]:
        parser.error(f"--format {args.format} goes with "
                     + ", ".join(mode if mode == "lookup" else f"--{mode}"
                                 for mode, formats in FORMATS.items() if args.format in formats))
    if args.list and (args.names or args.version or args.stage or args.field):
        parser.error("--list takes no NAME, --version, --stage or --field")
    if args.mode in ("check-ref", "history", "versions") and (args.version or args.stage or args.field):
        parser.error(f"--{args.mode} takes no --version, --stage or --field")
    if args.mode == "check-ref" and args.names:
        parser.error("--check-ref takes a REF, no NAME")
    if args.mode in ("history", "versions") and len(args.names) != 1:
        parser.error(f"--{args.mode} takes one NAME")
    if args.mode == "lookup" and not args.names:
        parser.error("the artifact NAME is required (or --list, --check-ref)")
    if args.paths and not args.list:
        parser.error("--paths goes with --list")
    if args.mode in ("list", "history", "versions") and (args.url or args.remote):
        parser.error(f"--url and --remote go with a NAME or --check-ref, not with --{args.mode}")
    if args.mode != "lookup" and args.extra:
        parser.error("--with goes with a NAME")
    if args.mode in ("list", "history", "versions") and args.describe:
        parser.error("--describe goes with a NAME or --check-ref")
    if args.field and (args.extra or args.describe or args.format != "json"):
        parser.error("--field prints one value: no --with, --describe or --format")
    if args.format in CI_FORMATS and len(args.names) > 1:
        parser.error(f"--format {args.format} takes one NAME (its keys would collide)")
    if args.remote is not None and not (args.url or args.field == "url"):
        parser.error("--remote goes with --url")


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
    _check_usage(parser, args)
    args.url = args.url or args.field == "url"
    if args.verbose:  # otherwise logging is not even imported
        import logging

        logging.basicConfig(level=logging.DEBUG, format=f"{PROGRAM}: %(levelname)s: %(message)s")
    try:
        return {"list": _overview, "check-ref": _check_ref, "history": _history,
                "versions": _versions}.get(args.mode, _lookups)(args)
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


def _lookups(args: argparse.Namespace) -> int:
    """One line per name, in the order given: JSON, or the ``--field`` alone ("" if not found);
    or one answer in a CI format."""
    queries = [_query(text, args) for text in args.names]
    for name, version, stage in queries:  # before git starts
        Registry.check(name, version, stage, args.remote)
    resolved = bool(args.extra) or args.field in ("version", "tag") or args.format in CI_FORMATS
    with Registry(args.repo, artifacts=[name for name, _, _ in queries], warn=_warn,
                  offline=args.offline) as registry:
        results: Sequence[Union[Dict[str, Any], ArtifactsShowError]] = registry.show_many(
            queries, errors=len(queries) > 1, urls=args.url, remote=args.remote, resolved=resolved,
            describe=args.describe)
    if args.format in CI_FORMATS:  # one query, which raised if it found nothing
        (result,) = results
        assert isinstance(result, dict)
        name, _, stage = queries[0]
        return _ci_outputs(args, {"name": name, "path": result["path"], "rev": result["rev"],
                                  "version": result["version"], "stage": stage, "tag": result["tag"]}, result)
    lines, worst = [], EXIT_FOUND
    for result in results:
        if isinstance(result, ArtifactsShowError):
            _say("error", str(result))
            worst = max(worst, _exit_code(result))
            lines.append("" if args.field else to_json({"error": _one_line(str(result))}))
        elif args.field:
            lines.append(result[args.field] or "")
        else:
            shown: Dict[str, Any] = {key: result[key] for key in ("path", "rev", "url") if key in result}
            shown.update({key: result[key] for key in ("version", "tag") if key in args.extra})
            shown.update({key: result[key] for key in ANNOTATIONS if args.describe})
            lines.append(_json_line(shown))
    return _write(lines, worst)


def _query(text: str, args: argparse.Namespace) -> Tuple[str, Optional[str], Optional[str]]:
    """(name, version, stage) of a NAME on the command line: a shortcut says its own version or
    stage, and a flag that says otherwise is a usage error."""
    shortcut = Registry.shortcut(text)
    if shortcut.name == text:
        return text, args.version, args.stage
    same = (shortcut.stage is not None and (args.version, args.stage) == (None, shortcut.stage)) or (
        shortcut.version is not None and args.stage is None
        and args.version in (shortcut.version, shortcut.version[1:]))
    if (args.version or args.stage) and not same:
        flag = f"--version {args.version}" if args.version else f"--stage {args.stage}"
        raise InvalidArgumentError(f"{text} conflicts with {flag}: give one of them")
    return shortcut.name, shortcut.version, shortcut.stage


def _warn(message: str) -> None:
    _say("warning", message)


def _json_line(result: Dict[str, Any]) -> str:
    if all(isinstance(value, str) for value in result.values()):
        return to_json(result)
    import json

    return json.dumps(result)


def _check_ref(args: argparse.Namespace) -> int:
    """What the tag did: one JSON line (gto check-ref's keys, and path), or CI outputs. A ref
    that is not a registry tag is "not found" (exit 1), said on one line, before git runs."""
    name = Registry.ref_artifact(args.check_ref)
    Registry.check(name, remote=args.remote)
    with Registry(args.repo, artifacts=[name], warn=_warn, offline=args.offline) as registry:
        event = registry.check_ref(args.check_ref, urls=args.url, remote=args.remote, describe=args.describe)
    declared = event.declaration.annotations() if event.declaration else dict.fromkeys(ANNOTATIONS)
    if args.format in CI_FORMATS:
        return _ci_outputs(args, {"name": event.artifact, "event": event.event, "path": event.path,
                                  "rev": event.commit_hexsha, "version": event.version, "stage": event.stage,
                                  "tag": event.tag}, {"url": event.url, **declared})
    shown: Dict[str, Any] = {"artifact": event.artifact, "event": event.event, "version": event.version}
    if event.event in ("assignment", "unassignment"):
        shown["stage"] = event.stage
    shown.update(tag=event.tag, commit_hexsha=event.commit_hexsha, created_at=event.created_at,
                 author=event.author, author_email=event.author_email, message=event.message, path=event.path)
    if args.url:
        shown["url"] = event.url
    if args.describe:
        shown.update(declared)
    return _write([_json_line(shown)])


def _ci_outputs(args: argparse.Namespace, known: Dict[str, Optional[str]], more: Dict[str, Any]) -> int:
    """The answer as ``--format`` wants it for CI: ``known`` with ``url`` (with --url) and
    ``type`` and ``desc`` (with --describe) from ``more``, each "" where there is none."""
    from . import outputs

    values = {**known, **({"url": more["url"]} if args.url else {}),
              **({"type": more["type"], "desc": more["desc"]} if args.describe else {})}
    carried = {key: value or "" for key, value in values.items()}
    try:
        if args.format == "github":
            text = outputs.github(carried)
            target = os.environ.get("GITHUB_OUTPUT")
            if not target:
                return _write([text[:-1]])
            with open(target, "a", encoding="utf-8", newline="\n") as appended:
                appended.write(text)
            return EXIT_FOUND
        return _write(outputs.shell(carried) if args.format == "env" else outputs.dotenv(carried))
    except ValueError as refused:
        _say("error", str(refused))
    except OSError as failure:
        _say("error", f"cannot write $GITHUB_OUTPUT ({target}): {failure.strerror or failure}")
    return EXIT_FAILURE


def _history(args: argparse.Namespace) -> int:
    with Registry(args.repo, artifacts=args.names, warn=_warn, offline=args.offline) as registry:
        events = registry.history(args.names[0])
    if args.format == "table":
        return _write(aligned([["timestamp", "artifact", "event", "version", "stage", "commit", "ref"]] + [
            [(event.created_at or "-").replace("T", " "), event.artifact, event.event, event.version or "-",
             event.stage or "-", event.commit_hexsha[:7], event.tag] for event in events]))
    import json

    return _write([json.dumps([history_entry(event) for event in events], indent=2)])


def history_entry(event: TagEvent) -> Dict[str, Optional[str]]:
    """An event as ``gto history --json`` prints it (without gto's ``priority``)."""
    return {"timestamp": event.created_at, "artifact": event.artifact, "event": event.event,
            "version": event.version, "stage": event.stage, "commit": event.commit_hexsha,
            "author": event.author, "author_email": event.author_email, "message": event.message,
            "ref": event.tag}


def _versions(args: argparse.Namespace) -> int:
    with Registry(args.repo, artifacts=args.names, warn=_warn, offline=args.offline) as registry:
        versions = registry.versions(args.names[0])
    if args.format == "table":
        return _write(aligned([["version", "rev", "deregistered", "stages", "tag"]] + [
            [entry.version, entry.rev[:7], "yes" if entry.deregistered else "no",
             ",".join(entry.stages) or "-", entry.tag] for entry in versions]))
    import json

    return _write([json.dumps([{**entry._asdict(), "stages": list(entry.stages)} for entry in versions],
                              indent=2)])


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
    return aligned(rows)


def aligned(rows: List[List[str]]) -> List[str]:
    """Rows of cells as columns two spaces apart, as ``gto``'s plain tables are."""
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
