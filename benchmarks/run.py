"""Side-by-side benchmarks: artifacts-show, dvc.api.artifacts_show, gto show, and git itself.

    python -m benchmarks.run [--commits 5000] [--blob-kib 16] [--runs 7] [--delay-ms 0]

Builds the large registry of fixtures/large.py, serves it with git http-backend
on 127.0.0.1 (optionally adding a delay to every request, to stand in for a
wide-area round trip), makes two virtual environments in .bench/ (artifacts-show
alone; dvc, gto and matplotlib, pinned as in parity/peers_env.py), and times
whole processes: medians with min-max, peak memory (largest resident set of the
process and anything it waited for), bytes served. Writes benchmarks/RESULTS.md
and benchmarks/results.png. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from typing import Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from fixtures.builder import build, git  # noqa: E402
from fixtures.large import large_registry  # noqa: E402
from fixtures.servers import SmartHttpServer  # noqa: E402
from parity.peers_env import PINS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VENVS = os.path.join(ROOT, ".bench")
MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - started
if done.returncode:
    sys.exit(done.stderr.decode()[-2000:])
print(json.dumps([elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))
"""
SELF_PEAK = """
import resource, sys
from artifacts_show.cli import main
code = main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""
TARGETS = {
    "cold": "at least 40x faster than dvc.api, within 1.5x of the git floor",
    "warm": "within 0.1 s of a bare git ls-remote",
    "local": "at least 10x faster than dvc.api",
    "import": "at most 1.5x a process that only imports subprocess",
    "memory": "peak under 30 MiB",
}


class Row:
    def __init__(self, name: str, samples: List[Tuple[float, int]], served: Optional[int] = None) -> None:
        self.name = name
        times = [elapsed for elapsed, _ in samples]
        self.median, self.low, self.high = statistics.median(times), min(times), max(times)
        self.memory = max(memory for _, memory in samples) / 1024
        self.served = served


def venv(name: str, packages: List[str], refresh: Optional[str] = None) -> str:
    """A virtual environment in .bench/ with ``packages``, made once; ``refresh`` is
    reinstalled every time (artifacts-show itself, so that this very checkout is measured)."""
    folder = os.path.join(VENVS, name)
    python = os.path.join(folder, "bin", "python")
    marker = os.path.join(folder, "installed.json")
    if not (os.path.exists(marker) and json.load(open(marker)) == packages):
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", folder], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", *packages], check=True)
        json.dump(packages, open(marker, "w"))
    if refresh:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", refresh],
                       check=True)
    return python


def measure(command: List[str], runs: int, before: Optional[Callable[[], None]] = None,
            cwd: Optional[str] = None, env: Optional[Dict[str, str]] = None) -> List[Tuple[float, int]]:
    samples = []
    for _ in range(runs):
        if before:
            before()
        # A small measuring process: resident-set peaks survive exec, so it must not be this one.
        result = subprocess.run([sys.executable, "-S", "-c", MEASURE, *command], cwd=cwd, env=env,
                                capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(f"{' '.join(command)} failed: {result.stderr}")
        samples.append(tuple(json.loads(result.stdout)))
    return samples


def remote_rows(args: argparse.Namespace, blob_kib: int, scratch: str, ours: str, peers: str,
                gto: Optional[str]) -> Tuple[List[Row], int, str]:
    """The remote lookups on a registry with ``blob_kib``-KiB model files, served over
    smart HTTP; gto too if given. Returns the rows, the size of the history and the
    path of a local clone (for the local rows)."""
    built = build(large_registry(args.commits, blob_kib * 1024),
                  os.path.join(scratch, "served", "registry.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    history = sum(os.path.getsize(os.path.join(folder, name)) for folder, _, names
                  in os.walk(os.path.join(built.path, "objects")) for name in names)
    server = SmartHttpServer(os.path.join(scratch, "served"), delay=args.delay_ms / 1000)
    url = server.url("registry.git")
    clone = os.path.join(scratch, "clone")
    git("clone", "-q", built.path, clone)
    cache = os.path.join(scratch, "cache")
    env = dict(os.environ, ARTIFACTS_SHOW_CACHE_DIR=cache)
    tag = "model#prod#%d" % ((args.commits - 1) // 200 + 1)
    work = os.path.join(scratch, "work")
    os.makedirs(work, exist_ok=True)
    tool = os.path.join(os.path.dirname(ours), "artifacts-show")
    rows = []

    def fresh_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        subprocess.run([ours, "-c", "import artifacts_show.git as g; g.ensure_supported_git()"],
                       env=env, check=True)

    def floor_script() -> List[str]:
        target = os.path.join(scratch, "floor")
        promisor = (f"-c remote.origin.url={url} -c remote.origin.promisor=true "
                    "-c remote.origin.partialclonefilter=blob:none")
        return ["sh", "-c", (
            f"rm -rf {target} && commit=$(git ls-remote --tags {url} | grep '{tag}^{{}}' | cut -f1) && "
            f"git init -q --bare {target} && cd {target} && "
            f"git {promisor} fetch -q --depth=1 --filter=blob:none origin 'refs/tags/{tag}' && "
            f"git {promisor} cat-file -p $commit:dvc.yaml")]

    def served(name: str, run: Callable[[], List[Tuple[float, int]]]) -> None:
        server.stats.clear()
        samples = run()
        rows.append(Row(name, samples, server.stats.bytes_sent // len(samples)))

    try:
        lookup = [tool, "model", "--stage", "prod", "--repo", url]
        # Taken in turns, so that a machine slower for a while slows each of the four alike.
        compared = {
            "artifacts-show, remote, cold cache": (lookup, fresh_cache, env),
            "artifacts-show, remote, warm cache": (lookup, None, env),
            "git floor: ls-remote, depth-1 blobless fetch, cat-file": (floor_script(), None, None),
            "git ls-remote --tags": (["git", "ls-remote", "--tags", url], None, None),
        }
        samples: Dict[str, List[Tuple[float, int]]] = {name: [] for name in compared}
        sent = dict.fromkeys(compared, 0)
        for _ in range(args.runs):
            for name, (command, before, command_env) in compared.items():
                server.stats.clear()
                samples[name] += measure(command, 1, before, env=command_env)
                sent[name] += server.stats.bytes_sent
        rows += [Row(name, samples[name], sent[name] // args.runs) for name in compared]
        slow_runs = max(3, args.runs // 2)
        dvc_code = f"import dvc.api; print(dvc.api.artifacts_show('model', stage='prod', repo={url!r}))"
        served("dvc.api.artifacts_show, remote", lambda: measure([peers, "-c", dvc_code], slow_runs, cwd=work))
        if gto:
            served("gto show, remote",
                   lambda: measure([gto, "show", "model#prod", "-r", url], slow_runs, cwd=work))
    finally:
        server.stop()
    return rows, history, clone


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--blob-kib", type=int, default=16, help="size of the model file each commit rewrites")
    parser.add_argument("--more-blob-kib", type=int, nargs="*", default=[64],
                        help="remote lookups again on histories with these model-file sizes")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--output", default=HERE, help="where RESULTS.md and results.png go")
    args = parser.parse_args(argv)

    ours = venv("ours", ["pyyaml", "packaging"], refresh=ROOT)
    peers = venv("peers", [*PINS, "matplotlib==3.11.2"])
    tool = os.path.join(os.path.dirname(ours), "artifacts-show")
    gto = os.path.join(os.path.dirname(peers), "gto")
    scratch = tempfile.mkdtemp(prefix="bench-")
    more: List[Tuple[int, List[Row]]] = []
    try:
        rows, history, clone = remote_rows(args, args.blob_kib, scratch, ours, peers, gto)
        env = dict(os.environ, ARTIFACTS_SHOW_CACHE_DIR=os.path.join(scratch, "cache"))
        local = [tool, "model", "--stage", "prod", "--repo", clone]
        rows.append(Row("artifacts-show, local clone, no cache",
                        measure(local, args.runs, env=dict(env, ARTIFACTS_SHOW_NO_CACHE="1"))))
        rows.append(Row("artifacts-show, local clone", measure(local, args.runs, env=env)))
        # Through a shell, so that the fork does not carry this process's peak (it survives exec).
        probe = ["sh", "-c", '"$@"; exit $?', "sh", ours, "-c", SELF_PEAK, "model", "--stage", "prod",
                 "--repo", clone]
        own = [int(subprocess.run(probe, env=env, capture_output=True, text=True, check=True)
                   .stderr.split()[-1]) for _ in range(3)]
        python_peak = max(own) / 1024
        slow_runs = max(3, args.runs // 2)
        dvc_code = f"import dvc.api; print(dvc.api.artifacts_show('model', stage='prod', repo={clone!r}))"
        rows.append(Row("dvc.api.artifacts_show, local clone", measure([peers, "-c", dvc_code], slow_runs)))
        rows.append(Row("gto show, local clone", measure([gto, "show", "model#prod", "-r", clone], slow_runs)))
        for python, module in [(ours, "artifacts_show"), (ours, "subprocess"),
                               (peers, "dvc.api"), (peers, "gto.api")]:
            rows.append(Row(f"python -c 'import {module}'",
                            measure([python, "-c", f"import {module}"], args.runs)))
        for blob_kib in args.more_blob_kib:
            shutil.rmtree(scratch, ignore_errors=True)
            os.makedirs(scratch)
            extra, extra_history, _ = remote_rows(args, blob_kib, scratch, ours, peers, None)
            more.append((extra_history, extra))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    by_name = {row.name: row for row in rows}
    report = render(rows, by_name, args, history, python_peak, more)
    print(report)
    with open(os.path.join(args.output, "RESULTS.md"), "w") as results:
        results.write(report)
    chart(peers, rows, os.path.join(args.output, "results.png"))


def render(rows: List[Row], by_name: Dict[str, Row], args: argparse.Namespace, history: int,
           python_peak: float, more: List[Tuple[int, List[Row]]]) -> str:
    cold = by_name["artifacts-show, remote, cold cache"].median
    warm = by_name["artifacts-show, remote, warm cache"].median
    floor = by_name["git floor: ls-remote, depth-1 blobless fetch, cat-file"].median
    listing = by_name["git ls-remote --tags"].median
    dvc_remote = by_name["dvc.api.artifacts_show, remote"].median
    local = by_name["artifacts-show, local clone"].median
    uncached = by_name["artifacts-show, local clone, no cache"].median
    dvc_local = by_name["dvc.api.artifacts_show, local clone"].median
    ours_import = by_name["python -c 'import artifacts_show'"].median
    bare_import = by_name["python -c 'import subprocess'"].median
    ours_memory = max(row.memory for row in rows if row.name.startswith("artifacts-show"))
    lines = [
        "# Benchmark results",
        "",
        f"`python -m benchmarks.run --commits {args.commits} --blob-kib {args.blob_kib} --runs {args.runs} "
        f"--delay-ms {args.delay_ms:g}`: a registry of {args.commits} commits ({history / 2**20:.0f} MiB of "
        f"objects) served by git http-backend on 127.0.0.1"
        + (f" with {args.delay_ms:g} ms added to every request" if args.delay_ms else "")
        + f"; {os.cpu_count()} cores; {PINS[0]}, {PINS[1]}. Whole processes; medians (min-max).",
        "",
        "| what | median | min - max | peak memory | served per run |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        sent = f"{row.served / 1024:,.1f} KiB" if row.served is not None else ""
        lines.append(f"| {row.name} | {row.median:.3f} s | {row.low:.3f} - {row.high:.3f} s | "
                     f"{row.memory:.1f} MiB | {sent} |")
    lines += [
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| cold remote: {TARGETS['cold']} | {dvc_remote / cold:.1f}x faster; {cold / floor:.2f}x the floor "
        f"| {'yes' if dvc_remote / cold >= 40 and cold / floor <= 1.5 else 'no'} |",
        f"| warm remote: {TARGETS['warm']} | {warm - listing:+.3f} s | {'yes' if warm - listing <= 0.1 else 'no'} |",
        f"| local: {TARGETS['local']} | {dvc_local / local:.1f}x; with no cache {dvc_local / uncached:.1f}x "
        f"| {'yes' if dvc_local / local >= 10 else 'no'} |",
        f"| import: {TARGETS['import']} | {ours_import / bare_import:.2f}x "
        f"| {'yes' if ours_import / bare_import <= 1.5 else 'no'} |",
        f"| memory: {TARGETS['memory']} | the Python process {python_peak:.1f} MiB; with the git processes it "
        f"waits for, {ours_memory:.1f} MiB | {'yes' if ours_memory < 30 else 'Python yes, git no'} |",
        "",
        "Peak memory is that of the process and of anything it waited for (git included); "
        "the memory target is read for the process itself, measured apart (RUSAGE_SELF).",
        "",
        "## Remote lookups by size of history",
        "",
        "The same registry with larger model files: our lookups move the same bytes whatever the "
        "history; dvc.api clones it. The floor bounds any tool built on git: no lookup can be "
        "more times faster than dvc.api than the floor is.",
        "",
        "| history | cold | git floor | cold / floor | warm - ls-remote | dvc.api | dvc.api / cold "
        "| dvc.api / floor | targets met |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *[_size_line(size, {row.name: row for row in sized}) for size, sized in [(history, rows), *more]],
        "",
        "![median times](results.png)",
        "",
    ]
    return "\n".join(lines)


def _size_line(history: int, by_name: Dict[str, Row]) -> str:
    cold = by_name["artifacts-show, remote, cold cache"].median
    warm = by_name["artifacts-show, remote, warm cache"].median
    floor = by_name["git floor: ls-remote, depth-1 blobless fetch, cat-file"].median
    listing = by_name["git ls-remote --tags"].median
    dvc = by_name["dvc.api.artifacts_show, remote"].median
    met = [f"1.5x floor {'yes' if cold / floor <= 1.5 else 'no'}",
           f"+0.1 s {'yes' if warm - listing <= 0.1 else 'no'}",
           f"40x dvc.api {'yes' if dvc / cold >= 40 else 'no'}"]
    return (f"| {history / 2**20:.0f} MiB | {cold:.3f} s | {floor:.3f} s | {cold / floor:.2f}x "
            f"| {warm - listing:+.3f} s | {dvc:.2f} s | {dvc / cold:.1f}x | {dvc / floor:.1f}x | {', '.join(met)} |")


def chart(peers: str, rows: List[Row], path: str) -> None:
    """A bar chart of the medians, drawn by matplotlib in the peers' environment."""
    data = json.dumps([[row.name, row.median, row.low, row.high] for row in rows])
    code = f"""
import json, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = json.loads({data!r})[::-1]
figure, axes = plt.subplots(figsize=(9, 0.42 * len(rows) + 1))
colors = ["#2b8a3e" if name.startswith(("artifacts-show", "python -c 'import artifacts_show")) else "#868e96"
          for name, *_ in rows]
axes.barh([name for name, *_ in rows], [median for _, median, *_ in rows], color=colors,
          xerr=[[median - low for _, median, low, _ in rows], [high - median for _, median, _, high in rows]])
axes.set_xscale("log")
axes.set_xlabel("seconds, whole process (median, min-max), log scale")
for index, (_, median, *_ ) in enumerate(rows):
    axes.text(median * 1.08, index, f"{{median:.3f}} s", va="center", fontsize=8)
figure.tight_layout()
figure.savefig({path!r}, dpi=110)
"""
    subprocess.run([peers, "-c", code], check=True)


if __name__ == "__main__":
    main()
