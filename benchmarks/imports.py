"""What each trick of ``artifacts_show/_speed.py`` saves, measured.

    python -m benchmarks.imports [--runs 15]

Each import row is the median of ``--runs`` fresh interpreters that first import what a warm
lookup loads anyway (the CLI, the API, the remote side, argparse, subprocess, threading), then
the module the trick avoids: ``-X importtime``'s cumulative figure for that last import, so
what is already loaded costs nothing. The teardown row times a whole warm lookup of the
example bundle ending as Python ends, against one ending with ``exit_now``. A trick that
saves under 1 ms has no place there.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADED = ("import artifacts_show.cli, artifacts_show.api, artifacts_show.remote, artifacts_show.mirror, "
          "artifacts_show.local, argparse, subprocess, threading")
AVOIDED = [
    ("typing", "TYPE_CHECKING, NamedTuple"),
    ("json", "to_json"),
    ("shutil", "terminal_columns, executable_identity"),
    ("logging", "debug"),
]


def import_cost(module: str, runs: int) -> List[float]:
    """Milliseconds ``import module`` adds to a process that loaded what a lookup loads."""
    samples = []
    for _ in range(runs):
        report = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"{LOADED}\nimport {module}"],
            capture_output=True, text=True, check=True, env=dict(os.environ, PYTHONPATH=ROOT),
        ).stderr
        rows = [line for line in report.split("\n") if re.search(rf"\|\s+{re.escape(module)}$", line)]
        samples.append(int(rows[-1].split("|")[1]) / 1000 if rows else 0.0)
    return samples


TEARDOWN = """
import os, sys, time
from artifacts_show.cli import main
code = main(["churn-model", "--stage", "prod", "--repo", os.path.join({root!r}, "fixtures", "example-registry.bundle")])
sys.stdout.flush()
{end}
"""


def lookup_seconds(end: str, runs: int, cache: str) -> List[float]:
    """Seconds of whole warm lookups (a new interpreter each) ending with ``end``."""
    import time

    samples = []
    script = TEARDOWN.format(root=ROOT, end=end)
    env = dict(os.environ, PYTHONPATH=ROOT, ARTIFACTS_SHOW_CACHE_DIR=cache)
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)  # warm
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    print(f"| avoided import | saved by (`_speed.py`) | median | range | kept (>= 1 ms) |")
    print("| --- | --- | ---: | ---: | --- |")
    for module, tricks in AVOIDED:
        samples = import_cost(module, runs)
        median = statistics.median(samples)
        print(f"| `{module}` | {tricks} | {median:.1f} ms | {min(samples):.1f} - {max(samples):.1f} ms "
              f"| {'yes' if median >= 1 else 'no'} |")
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        ended = lookup_seconds("sys.exit(code)", runs, cache)
        cut = lookup_seconds("from artifacts_show._speed import exit_now; exit_now(code)", runs, cache)
    median = statistics.median(ended) - statistics.median(cut)
    print(f"| (the teardown) | exit_now | {median:.1f} ms | medians {statistics.median(ended):.1f} against "
          f"{statistics.median(cut):.1f} ms (a warm lookup of the example bundle) | {'yes' if median >= 1 else 'no'} |")


if __name__ == "__main__":
    main()
