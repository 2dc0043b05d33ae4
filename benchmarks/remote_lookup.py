"""Whole-process timings of a remote lookup over loopback smart HTTP: prints figures, asserts nothing.

    python -m benchmarks.remote_lookup [--commits 5000] [--runs 7] [--delay-ms 0]
                                       [--dvc-python /path/to/venv/bin/python]

Builds the large registry of fixtures/large.py, serves it with git http-backend
on 127.0.0.1 and times, each several runs (median, min-max):

- artifacts-show, cold cache and warm cache;
- the by-hand git floor: ls-remote, a depth-1 blobless fetch of the tag, cat-file of the blob;
- a bare ``git ls-remote --tags``;
- ``dvc.api.artifacts_show`` when ``--dvc-python`` names a Python that has DVC.

Targets (from the remote issue): cold within 1.5x of the floor and at least 40x
faster than dvc.api; warm within 0.1 s of a bare ls-remote.
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
from typing import Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from fixtures.builder import build, git  # noqa: E402
from fixtures.large import large_registry  # noqa: E402
from fixtures.servers import SmartHttpServer  # noqa: E402

Timing = Tuple[float, float, float]


def timed(command: Callable[[], None], runs: int, before: Optional[Callable[[], None]] = None) -> Timing:
    samples = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        command()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), min(samples), max(samples)


def run(*args: str, env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None) -> str:
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.stderr}")
    return result.stdout


def install(venv: str) -> str:
    """A new virtual environment with artifacts-show and its two dependencies only."""
    run(sys.executable, "-m", "venv", venv)
    python = os.path.join(venv, "bin", "python")
    run(python, "-m", "pip", "install", "-q", ROOT)
    return python


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--blob-kib", type=int, default=16, help="size of the model file each commit rewrites")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="added to every HTTP request")
    parser.add_argument("--dvc-python", help="a Python with dvc installed, to time dvc.api.artifacts_show")
    parser.add_argument("--python", help="the Python of a virtual environment with artifacts-show "
                        "installed (default: a new one, so that nothing else loads at start-up)")
    args = parser.parse_args(argv)

    scratch = tempfile.mkdtemp(prefix="bench-")
    try:
        started = time.perf_counter()
        built = build(large_registry(args.commits, args.blob_kib * 1024), os.path.join(scratch, "served", "registry.git"), bare=True)
        git("config", "uploadpack.allowFilter", "true", cwd=built.path)
        history = sum(os.path.getsize(os.path.join(folder, name)) for folder, _, names
                      in os.walk(os.path.join(built.path, "objects")) for name in names)
        print(f"built {args.commits} commits ({history / 2**20:.0f} MiB of objects) "
              f"in {time.perf_counter() - started:.1f} s")
        server = SmartHttpServer(os.path.join(scratch, "served"), delay=args.delay_ms / 1000)
        url = server.url("registry.git")
        tag = "model#prod#%d" % ((args.commits - 1) // 200 + 1)
        cache = os.path.join(scratch, "cache")
        env = dict(os.environ, ARTIFACTS_SHOW_CACHE_DIR=cache)
        python = args.python or install(os.path.join(scratch, "venv"))
        lookup = [os.path.join(os.path.dirname(python), "artifacts-show"), "model", "--stage", "prod", "--repo", url]
        expected = run(*lookup, env=env)

        def fresh_cache() -> None:
            shutil.rmtree(cache, ignore_errors=True)
            run(python, "-c", "import artifacts_show.git as g; g.ensure_supported_git()", env=env)

        def floor() -> None:
            target = os.path.join(scratch, "floor")
            shutil.rmtree(target, ignore_errors=True)
            listing = run("git", "ls-remote", "--tags", url)
            commit = next(line.split()[0] for line in listing.splitlines() if line.endswith(f"{tag}^{{}}"))
            run("git", "init", "-q", "--bare", target)
            promisor = ["-c", f"remote.origin.url={url}", "-c", "remote.origin.promisor=true",
                        "-c", "remote.origin.partialclonefilter=blob:none"]
            run("git", *promisor, "fetch", "-q", "--depth=1", "--filter=blob:none", "origin",
                f"refs/tags/{tag}", cwd=target)
            run("git", *promisor, "cat-file", "-p", f"{commit}:dvc.yaml", cwd=target)

        server.stats.clear()
        results = {"artifacts-show, cold cache": timed(lambda: run(*lookup, env=env), args.runs, fresh_cache)}
        cold_bytes = server.stats.bytes_sent // args.runs
        results["artifacts-show, warm cache"] = timed(lambda: run(*lookup, env=env), args.runs)
        results["git floor (ls-remote + fetch + cat-file)"] = timed(floor, args.runs)
        results["git ls-remote --tags"] = timed(lambda: run("git", "ls-remote", "--tags", url), args.runs)
        if args.dvc_python:
            code = ("import dvc.api, sys; print(dvc.api.artifacts_show('model', stage='prod', "
                    f"repo={url!r}))")
            results["dvc.api.artifacts_show"] = timed(
                lambda: run(args.dvc_python, "-c", code, cwd=scratch), max(3, args.runs // 2))
        server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"answer: {expected.strip()}")
    print(f"bytes served per cold lookup: {cold_bytes}")
    print(f"{'what':45} {'median':>9} {'min':>9} {'max':>9}")
    for name, (median, low, high) in results.items():
        print(f"{name:45} {median:8.3f}s {low:8.3f}s {high:8.3f}s")
    cold = results["artifacts-show, cold cache"][0]
    warm = results["artifacts-show, warm cache"][0]
    floor_time = results["git floor (ls-remote + fetch + cat-file)"][0]
    listing = results["git ls-remote --tags"][0]
    print(f"cold / floor: {cold / floor_time:.2f}x (target at most 1.5x)")
    print(f"warm - ls-remote: {warm - listing:+.3f} s (target at most +0.1 s)")
    if "dvc.api.artifacts_show" in results:
        print(f"dvc.api / cold: {results['dvc.api.artifacts_show'][0] / cold:.1f}x (target at least 40x)")


if __name__ == "__main__":
    main()
