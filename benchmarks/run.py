"""Side-by-side benchmarks: artifacts-show, dvc.api.artifacts_show, gto show, and git itself.

    python -m benchmarks.run --quick            # under a minute: artifacts-show against the floor
    python -m benchmarks.run --quick --registries gto,others,nightly --delay-ms 0 --mbit 0
    python -m benchmarks.run                    # everything, about 13 minutes on 2 cores

Two sections. **Registries shaped like real ones** (benchmarks/shaped.py): the
registries of fixtures/gto_registry.py served by git http-backend on
127.0.0.1 with ``--delay-ms`` added to every request and ``--mbit`` of
bandwidth (50 ms and 20 Mbit/s; 0 for none), and again on plain loopback; per
lookup kind, cold and warm artifacts-show against the same answer by hand with
git (the floor), in HTTP requests, bytes and time; git clone --bare and
dvc.api beside them. ``--quick`` measures only this section's artifacts-show
rows on the GTO-shaped registry (or ``--registries``), on the wide network
alone (git clone --bare once, where the history is small), and prints a
compact table and the targets. **The large registry on plain loopback**:
the registry of fixtures/large.py, served likewise without delay; remote and
local lookups against dvc.api and gto, import time and memory.

Makes two virtual environments in .bench/ (artifacts-show alone, reinstalled
from this checkout on every run; dvc, gto and matplotlib, pinned as in
parity/peers_env.py) and times whole processes: medians with min-max, peak
memory (largest resident set of the process and anything it waited for),
bytes served. Built registries are kept in .bench/registries/. Writes
benchmarks/RESULTS.md, results.png and results.json (``--baseline`` compares
local lookups with an earlier results.json). Prints figures; asserts nothing.
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
import time
from typing import Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import shaped  # noqa: E402
from benchmarks.processes import measure, venv  # noqa: E402
from fixtures.builder import build, git  # noqa: E402
from fixtures.large import large_registry  # noqa: E402
from fixtures.servers import SmartHttpServer  # noqa: E402
from parity.peers_env import PINS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
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
    server = SmartHttpServer(os.path.join(scratch, "served"))  # plain loopback
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
        server.wait_idle()
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
                server.wait_idle()
                sent[name] += server.stats.bytes_sent
        rows += [Row(name, samples[name], sent[name] // args.runs) for name in compared]
        slow_runs = max(3, args.runs // 2)
        dvc_code = f"import dvc.api; print(dvc.api.artifacts_show('model', stage='prod', repo={url!r}))"
        served("dvc.api.artifacts_show, remote",
               lambda: measure([peers, "-c", dvc_code], slow_runs, cwd=work))
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
    parser.add_argument("--blob-kib", type=int, default=16,
                        help="size of the model file each commit rewrites")
    parser.add_argument("--more-blob-kib", type=int, nargs="*", default=[64],
                        help="remote lookups again on histories with these model-file sizes")
    parser.add_argument("--runs", type=int, default=None, help="rounds of measures (7; with --quick, 3)")
    parser.add_argument("--delay-ms", type=float, default=50.0,
                        help="added to every HTTP request of the shaped registries' wide network")
    parser.add_argument("--mbit", type=float, default=20.0, help="its bandwidth, Mbit/s (0: no limit)")
    parser.add_argument("--quick", action="store_true",
                        help="only artifacts-show's remote rows on the shaped registries, wide network")
    parser.add_argument("--registries", default=None,
                        help="shaped registries, comma-separated, of: "
                        + ", ".join(shape.key for shape in shaped.SHAPES) + " (--quick: gto; otherwise all)")
    parser.add_argument("--others", type=int, default=500, help="other artifacts (40 tags each) of 'others'")
    parser.add_argument("--nightly", type=int, default=1500, help="versions of 'nightly' (even)")
    parser.add_argument("--baseline", default=os.path.join(HERE, "baseline.json"),
                        help="an earlier results.json: local lookups are compared with it")
    parser.add_argument("--output", default=HERE, help="where RESULTS.md, results.png and results.json go")
    args = parser.parse_args(argv)
    args.runs = args.runs or (3 if args.quick else 7)
    keys = (args.registries or ("gto" if args.quick else ",".join(s.key for s in shaped.SHAPES))).split(",")
    started, load = time.monotonic(), os.getloadavg()[0]

    ours = venv("ours", ["pyyaml", "packaging"], refresh=ROOT)
    tool = os.path.join(os.path.dirname(ours), "artifacts-show")
    if args.quick:
        scratch = tempfile.mkdtemp(prefix="bench-")
        try:
            blocks = shaped.run_blocks(args, keys, tool, ours, None, scratch, loopback=False)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        print(shaped.compact_table(blocks))
        for target, measured, met in shaped.targets(blocks, None):
            print(f"{'met    ' if met else 'NOT MET'}  {target}: {measured}")
        print(f"({time.monotonic() - started:.0f} s)")
        return
    peers = venv("peers", [*PINS, "matplotlib==3.11.2"])
    gto = os.path.join(os.path.dirname(peers), "gto")
    scratch = tempfile.mkdtemp(prefix="bench-")
    more: List[Tuple[int, List[Row]]] = []
    try:
        blocks = shaped.run_blocks(args, keys, tool, ours, peers, scratch)
        print("benchmark: the large registry on plain loopback")
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
        rows.append(Row("gto show, local clone",
                        measure([gto, "show", "model#prod", "-r", clone], slow_runs)))
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

    baseline = None
    if args.baseline and os.path.exists(args.baseline):
        with open(args.baseline) as earlier:
            baseline = json.load(earlier)
    by_name = {row.name: row for row in rows}
    elapsed = time.monotonic() - started
    report = render(rows, by_name, args, history, python_peak, more, blocks, baseline, elapsed,
                    (load, os.getloadavg()[0]))
    print(report)
    with open(os.path.join(args.output, "RESULTS.md"), "w") as results:
        results.write(report)
    with open(os.path.join(args.output, "results.json"), "w") as out:
        json.dump({**shaped.as_json(blocks), "large registry": {row.name: row.median for row in rows}},
                  out, indent=1)
        out.write("\n")
    chart(peers, rows, blocks, os.path.join(args.output, "results.png"))


def render(rows: List[Row], by_name: Dict[str, Row], args: argparse.Namespace, history: int,
           python_peak: float, more: List[Tuple[int, List[Row]]], blocks: List[shaped.Block],
           baseline: Optional[Dict[str, object]], elapsed: float, load: Tuple[float, float]) -> str:
    wide, _ = shaped.networks(args.delay_ms, args.mbit)
    shaped_lines = [
        "# Benchmark results",
        "",
        f"`python -m benchmarks.run --commits {args.commits} --blob-kib {args.blob_kib} --runs {args.runs} "
        f"--delay-ms {args.delay_ms:g} --mbit {args.mbit:g} --others {args.others} --nightly {args.nightly}` "
        f"({elapsed / 60:.0f} minutes) on artifacts-show {_measured_code()}; {os.cpu_count()} cores "
        f"(load average {load[0]:.1f} at the start, "
        f"{load[1]:.1f} at the end); git {_git_version()}; {PINS[0]}, {PINS[1]}. Whole processes; medians.",
        "",
        "## Registries shaped like real ones",
        "",
        "Registries of fixtures/gto_registry.py, served by git http-backend on 127.0.0.1 "
        f"({wide.label}, and plain loopback). *cold*: a cache that has seen no lookup of the URL; *warm*: "
        "the same lookup again; *floor*: the same answer by hand (`git ls-remote --tags`, a depth-1 blobless "
        "fetch of the answer's tag into a fresh bare repository with the remote as promisor, "
        "`git cat-file -p` of the dvc.yaml blob). *req*: HTTP requests; *KiB*: response bodies served. "
        "*answer*: the artifacts-show answer checked against the registry's data.",
        "",
        "### Targets",
        "",
        *shaped.targets_table(shaped.targets(blocks, baseline) + _local_target(by_name, baseline)),
        "### Per registry and network",
        "",
        *[line for block in blocks for line in shaped.block_table(block)],
        "### Extra tags",
        "",
        *shaped.tags_table(blocks),
        "### Against cloning the whole registry",
        "",
        *shaped.clone_table(blocks),
        "![requests and times](results.png)",
        "",
    ]
    return "\n".join(shaped_lines) + "\n" + render_large(rows, by_name, args, history, python_peak, more)


def _local_target(by_name: Dict[str, Row],
                  baseline: Optional[Dict[str, object]]) -> List[Tuple[str, str, Optional[bool]]]:
    """Local lookups on the large registry against the baseline's (at most 1.1x, for noise)."""
    before = (baseline or {}).get("large registry") or {}
    assert isinstance(before, dict)
    names = [name for name in ("artifacts-show, local clone", "artifacts-show, local clone, no cache")
             if name in before and name in by_name]
    if not names:
        return []
    return [("local lookups on the large registry unchanged or faster (at most 1.1x the baseline's)",
             ", ".join(f"{name[15:]} {by_name[name].median:.3f} s vs {before[name]:.3f} s" for name in names),
             all(by_name[name].median <= 1.1 * before[name] for name in names))]


def _measured_code() -> str:
    """The commit of this checkout, and whether artifacts_show/ differs from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode:
        return "(not a git checkout)"
    changed = subprocess.run(["git", "status", "--porcelain", "--", "artifacts_show"], cwd=ROOT,
                             capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if changed else "")


def _git_version() -> str:
    return subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.split()[-1]


def render_large(rows: List[Row], by_name: Dict[str, Row], args: argparse.Namespace, history: int,
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
        "## The large registry on plain loopback",
        "",
        f"The registry of fixtures/large.py: {args.commits} commits ({history / 2**20:.0f} MiB of objects) "
        "served by git http-backend on 127.0.0.1 with no delay; medians (min-max).",
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
        f"| warm remote: {TARGETS['warm']} | {warm - listing:+.3f} s "
        f"| {'yes' if warm - listing <= 0.1 else 'no'} |",
        f"| local: {TARGETS['local']} | {dvc_local / local:.1f}x; with no cache {dvc_local / uncached:.1f}x "
        f"| {'yes' if dvc_local / local >= 10 else 'no'} |",
        f"| import: {TARGETS['import']} | {ours_import / bare_import:.2f}x "
        f"| {'yes' if ours_import / bare_import <= 1.5 else 'no'} |",
        f"| memory: {TARGETS['memory']} | the Python process {python_peak:.1f} MiB; "
        f"with the git processes it waits for, {ours_memory:.1f} MiB "
        f"| {'yes' if ours_memory < 30 else 'Python yes, git no'} |",
        "",
        "Peak memory is that of the process and of anything it waited for (git included); "
        "the memory target is read for the process itself, measured apart (RUSAGE_SELF).",
        "",
        "### Remote lookups by size of history",
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
            f"| {warm - listing:+.3f} s | {dvc:.2f} s | {dvc / cold:.1f}x | {dvc / floor:.1f}x "
            f"| {', '.join(met)} |")


def chart(peers: str, rows: List[Row], blocks: List[shaped.Block], path: str) -> None:
    """Bar charts drawn by matplotlib in the peers' environment: for the GTO-shaped
    registry, seconds and HTTP requests of cold, warm and floor per lookup kind and
    network; below, the medians of the large registry's rows."""
    data = json.dumps([[row.name, row.median, row.low, row.high] for row in rows])
    lookups = json.dumps(shaped.chart_data(blocks))
    code = f"""
import json, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = json.loads({data!r})[::-1]
lookups = json.loads({lookups!r})[::-1]
modes = [("cold", "#2b8a3e"), ("warm", "#8ce99a"), ("floor", "#868e96")]
figure = plt.figure(figsize=(11, 0.42 * len(rows) + 0.55 * len(lookups) + 3))
grid = figure.add_gridspec(2, 2, height_ratios=[0.55 * len(lookups) + 1, 0.42 * len(rows) + 1],
                           width_ratios=[3, 2])
times, requests = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
height = 0.27
for offset, (mode, color) in enumerate(modes):
    where = [index + (1 - offset) * height for index in range(len(lookups))]
    times.barh(where, [lookup[mode][0] for lookup in lookups], height, color=color, label=mode)
    requests.barh(where, [lookup[mode][1] for lookup in lookups], height, color=color, label=mode)
    for y, lookup in zip(where, lookups):
        times.text(lookup[mode][0] * 1.02, y, f"{{lookup[mode][0]:.3f}}", va="center", fontsize=6)
        requests.text(lookup[mode][1] + 0.1, y, f"{{lookup[mode][1]:g}}", va="center", fontsize=6)
times.set_yticks(range(len(lookups)), [lookup["label"] for lookup in lookups], fontsize=8)
requests.set_yticks(range(len(lookups)), [""] * len(lookups))
times.set_xlabel("seconds, whole process (median)")
requests.set_xlabel("HTTP requests (median)")
times.set_title("GTO-shaped registry: artifacts-show cold and warm, and the same answer by hand", fontsize=9)
requests.legend(fontsize=8, loc="lower right")
axes = figure.add_subplot(grid[1, :])
colors = ["#2b8a3e" if name.startswith(("artifacts-show", "python -c 'import artifacts_show")) else "#868e96"
          for name, *_ in rows]
axes.barh([name for name, *_ in rows], [median for _, median, *_ in rows], color=colors,
          xerr=[[median - low for _, median, low, _ in rows], [high - median for _, median, _, high in rows]])
axes.set_xscale("log")
axes.set_xlabel("seconds, whole process (median, min-max), log scale")
axes.set_title("The large registry on plain loopback", fontsize=9)
for index, (_, median, *_ ) in enumerate(rows):
    axes.text(median * 1.08, index, f"{{median:.3f}} s", va="center", fontsize=8)
figure.tight_layout()
figure.savefig({path!r}, dpi=110)
"""
    subprocess.run([peers, "-c", code], check=True)


if __name__ == "__main__":
    main()
