"""Tag-triggered deploys: what the pushed tag did, and an artifact's history, in a CI checkout.

    python -m benchmarks.deploys [--runs 5] [--commits 5000] [--delay-ms 50]

The GTO-shaped registry of fixtures/gto_registry.py (built once into .bench/registries/),
served by git http-backend on 127.0.0.1 with ``--delay-ms`` added to every request. Each run
starts from what a tag push's ``actions/checkout`` leaves (depth 1, the pushed tag alone; not
timed), then times whole processes and counts the server's HTTP requests:

- **artifacts-show --check-ref** (``--format github``), cold (a cache that has seen no lookup
  of the URL) and warm; **artifacts-show --history**, cold and warm;
- **gto-action's steps**: delete the checkout's tags, ``git fetch --all --prune --tags`` (every
  tag, with the history behind it), then ``gto check-ref`` four times (``--name``,
  ``--version``, ``--event``, ``--stage``), as its entrypoint.sh does;
- **a fresh clone, then gto check-ref --json** (and then ``gto history --json``): what any tool
  that needs the whole registry does.

Prints a table (medians of ``--runs``; min-max); asserts nothing. The peers' gto is
parity/peers_env.py's (``ARTIFACTS_SHOW_PEERS_DIR``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import shaped  # noqa: E402
from fixtures.builder import git  # noqa: E402
from fixtures.servers import SmartHttpServer  # noqa: E402
from parity.peers_env import ensure  # noqa: E402

OURS = [sys.executable, "-m", "artifacts_show"]


class Measured:
    """Seconds and HTTP requests of the runs of one row."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seconds: List[float] = []
        self.requests: List[int] = []

    def line(self) -> str:
        median = statistics.median(self.seconds)
        return (f"| {self.name} | {statistics.median(self.requests):g} | {median:.3f} s "
                f"| {min(self.seconds):.3f} - {max(self.seconds):.3f} s |")


def checkout(url: str, tag: str, path: str) -> str:
    """What actions/checkout leaves on a tag push: depth 1, the pushed tag alone, HEAD detached."""
    shutil.rmtree(path, ignore_errors=True)
    git("init", "-q", path)
    git("remote", "add", "origin", url, cwd=path)
    git("fetch", "-q", "--no-tags", "--depth=1", "origin", f"+refs/tags/{tag}:refs/tags/{tag}", cwd=path)
    git("checkout", "-q", "--force", f"refs/tags/{tag}", cwd=path)
    return path


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--blob-kib", type=int, default=16)
    parser.add_argument("--delay-ms", type=float, default=50.0, help="added to every HTTP request")
    args = parser.parse_args(argv)
    started = time.monotonic()
    gto = os.path.join(os.path.dirname(ensure()), "gto")
    folder, registry, built = shaped.built_registry(
        shaped.SHAPES[0], argparse.Namespace(commits=args.commits, blob_kib=args.blob_kib, others=500, nightly=1500))
    lookup = registry.lookup("stage prod")
    tag, ref = lookup.tag, f"refs/tags/{lookup.tag}"
    server = SmartHttpServer(folder, delay=args.delay_ms / 1000)
    url = server.url("registry.git")
    scratch = tempfile.mkdtemp(prefix="deploys-")
    work, cache = os.path.join(scratch, "work"), os.path.join(scratch, "cache")
    env = dict(os.environ, PYTHONPATH=ROOT, ARTIFACTS_SHOW_CACHE_DIR=cache, GITHUB_REF=ref)
    rows: Dict[str, Measured] = {}

    def timed(name: str, commands: List[List[str]], before: Callable[[], None] = lambda: None) -> None:
        before()
        server.wait_idle()
        server.stats.clear()
        begin = time.perf_counter()
        for command in commands:
            subprocess.run(command, cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - begin
        server.wait_idle()
        row = rows.setdefault(name, Measured(name))
        row.seconds.append(elapsed)
        row.requests.append(len(server.stats.requests))

    def fresh_checkout() -> None:
        checkout(url, tag, work)

    def cold() -> None:
        fresh_checkout()
        shutil.rmtree(cache, ignore_errors=True)

    check_ref = [*OURS, "--check-ref", ref, "--format", "github"]
    gto_action = [["sh", "-c", "git tag | xargs git tag -d >/dev/null"],
                  ["git", "fetch", "-q", "--all", "--prune", "--tags"],
                  *([gto, "check-ref", ref, flag] for flag in ("--name", "--version", "--event", "--stage"))]
    cloned = os.path.join(scratch, "clone")
    clone = ["git", "clone", "-q", url, cloned]
    try:
        for _ in range(args.runs):  # taken in turns, so that a slower moment slows each alike
            timed("artifacts-show --check-ref, cold", [check_ref], cold)
            timed("artifacts-show --check-ref, warm", [check_ref])
            timed("artifacts-show --history, cold", [[*OURS, "--history", lookup.name]], cold)
            timed("artifacts-show --history, warm", [[*OURS, "--history", lookup.name]])
            timed("gto-action: fetch every tag, gto check-ref x4", gto_action, fresh_checkout)
            timed("fresh clone, gto check-ref --json", [clone, [gto, "check-ref", "--json", "-r", cloned, ref]],
                  lambda: shutil.rmtree(cloned, ignore_errors=True))
            timed("fresh clone, gto history --json", [clone, [gto, "history", "--json", "-r", cloned, lookup.name]],
                  lambda: shutil.rmtree(cloned, ignore_errors=True))
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    history = shaped.objects_size(built.path) / 2 ** 20
    print(f"`python -m benchmarks.deploys --runs {args.runs} --commits {args.commits} --blob-kib {args.blob_kib} "
          f"--delay-ms {args.delay_ms:g}` ({(time.monotonic() - started) / 60:.0f} minutes; {os.cpu_count()} cores; "
          f"git {git('--version').split()[-1]}). GTO-shaped registry, {args.commits} commits, {history:.0f} MiB "
          f"of objects, {args.delay_ms:g} ms per request; the tag `{tag}`; medians of {args.runs} runs.\n")
    print("| what | requests | time | min - max |")
    print("| --- | ---: | ---: | ---: |")
    for row in rows.values():
        print(row.line())


if __name__ == "__main__":
    main()
