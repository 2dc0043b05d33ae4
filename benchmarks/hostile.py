"""Time and peak memory of lookups in a hostile registry: prints figures, asserts nothing.

    python -m benchmarks.hostile

Each lookup runs in its own process, on the repository (local) and through
file:// (remote, cold cache). Peak memory is the largest resident set of the
Python process and, separately, of any git process it waited for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from fixtures.builder import build  # noqa: E402
from fixtures.hostile import HOSTILE  # noqa: E402

PROBE = """
import json, resource, sys
from artifacts_show import artifacts_show, ArtifactsShowError
name, version, stage, repo = json.loads(sys.argv[1])
try:
    outcome = artifacts_show(name, version=version, stage=stage, repo=repo)["rev"][:12]
except ArtifactsShowError as error:
    outcome = type(error).__name__ + ": " + str(error)[:60]
usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps([outcome, *usage]))
"""

LOOKUPS = [
    ("alias bomb, declared path", ("m", "v1.1.0", None)),
    ("alias bomb, interpolated", ("bomb:m", None, None)),
    ("50 MiB dvc.yaml", ("m", "v2.0.0", None)),
    ("binary dvc.yaml", ("m", "v3.0.0", None)),
    ("3,200 look-alike tags, stage", ("m", None, "prod")),
    ("3,200 look-alike tags, pinned", ("m", "v1.0.399-x", None)),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        built = build(HOSTILE, os.path.join(scratch, "hostile.git"), bare=True)
        print(f"{'lookup':34} {'where':6} {'seconds':>8} {'python MiB':>10} {'git MiB':>8}  outcome")
        for label, (name, version, stage) in LOOKUPS:
            for where, repo in (("local", built.path), ("remote", f"file://{built.path}")):
                env = dict(os.environ, PYTHONPATH=ROOT,
                           ARTIFACTS_SHOW_CACHE_DIR=tempfile.mkdtemp(dir=scratch))
                started = time.perf_counter()
                # Forked by a small shell, so that the peak memory is not this process's (it survives exec).
                probe = [sys.executable, "-c", PROBE, json.dumps([name, version, stage, repo])]
                result = subprocess.run(["sh", "-c", '"$@"; exit $?', "sh", *probe],
                                        capture_output=True, text=True, env=env, check=True)
                elapsed = time.perf_counter() - started
                outcome, python_kib, git_kib = json.loads(result.stdout)
                print(f"{label:34} {where:6} {elapsed:8.3f} {python_kib / 1024:10.1f} "
                      f"{git_kib / 1024:8.1f}  {outcome}")


if __name__ == "__main__":
    main()
