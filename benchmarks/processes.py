"""Whole processes, measured (time, peak memory), and the virtual environments they run in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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


class Failed(Exception):
    """A measured command failed: its message, so that one broken row does not end a run."""


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


def measure_once(command: List[str], cwd: Optional[str] = None,
                 env: Optional[Dict[str, str]] = None) -> Tuple[float, int]:
    """Seconds and peak resident set (KiB) of ``command`` and what it waited for."""
    # A small measuring process: resident-set peaks survive exec, so it must not be this one.
    result = subprocess.run([sys.executable, "-S", "-c", MEASURE, *command], cwd=cwd, env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise Failed(f"{' '.join(command)} failed: {result.stderr.strip()}")
    elapsed, memory = json.loads(result.stdout)
    return elapsed, memory


def measure(command: List[str], runs: int, before: Optional[Callable[[], None]] = None,
            cwd: Optional[str] = None, env: Optional[Dict[str, str]] = None) -> List[Tuple[float, int]]:
    samples = []
    for _ in range(runs):
        if before:
            before()
        try:
            samples.append(measure_once(command, cwd=cwd, env=env))
        except Failed as failed:
            raise SystemExit(str(failed)) from None
    return samples
