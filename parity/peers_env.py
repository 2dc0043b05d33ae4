"""Make (once) the virtual environment of the peers: dvc, gto and dvc's storage plugins, pinned.

    python parity/peers_env.py      # prints the peers' Python

Nothing here is a dependency of artifacts-show: the peers live apart, in .peers/.
The plugins let ``dvc.api.get_url`` understand every kind of remote; each
version is the newest on the registry that keeps dvc at 3.67.1.

A venv that exists already is kept: missing pins are installed into it (others
may be running the peers from it at that moment), under a lock so that two
``ensure()`` calls never run pip at once.
"""

import fcntl
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PINS = [
    "dvc==3.67.1", "gto==1.10.1",
    "dvc-s3==3.3.0", "dvc-gs==3.1.0", "dvc-azure==3.1.1", "dvc-ssh==4.3.0",
    "dvc-webdav==3.0.1", "dvc-hdfs==3.0.0",
]
FOLDER = os.environ.get("ARTIFACTS_SHOW_PEERS_DIR", os.path.join(ROOT, ".peers"))


def peers_python() -> str:
    return os.path.join(FOLDER, "bin", "python")


def _installed(marker: str) -> set:
    try:
        with open(marker) as pins:
            return set(pins.read().split("\n"))
    except OSError:
        return set()


def ensure() -> str:
    python = peers_python()
    marker = os.path.join(FOLDER, "pins.txt")
    if set(PINS) <= _installed(marker):
        return python
    os.makedirs(FOLDER, exist_ok=True)
    with open(os.path.join(FOLDER, ".ensure.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another ensure() may have finished meanwhile
        missing = [pin for pin in PINS if pin not in _installed(marker)]
        if missing:
            if not os.path.exists(python):
                subprocess.run([sys.executable, "-m", "venv", FOLDER], check=True)
            # all pins on one command line, so that pip keeps dvc and gto where they are
            subprocess.run([python, "-m", "pip", "install", "--quiet", *PINS], check=True)
            with open(marker, "w") as pins:
                pins.write("\n".join(PINS))
    return python


def ask(script: str, jobs: list) -> list:
    """The answers of ``script`` (a file of parity/, run in the peers' Python, reading a JSON list
    on stdin and writing one) to ``jobs``, from two processes working on halves of them."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    python = os.environ.get("ARTIFACTS_SHOW_PEERS_PYTHON", peers_python())
    if not os.path.exists(python):
        import pytest

        pytest.fail(f"no peers at {python}: run `python parity/peers_env.py` (tox -e parity does)")

    def run(part: list) -> list:
        if not part:
            return []
        result = subprocess.run([python, os.path.join(ROOT, "parity", script)], input=json.dumps(part),
                                capture_output=True, text=True, check=True)
        return json.loads(result.stdout)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(run, [jobs[: len(jobs) // 2], jobs[len(jobs) // 2:]])
    return first + second


if __name__ == "__main__":
    print(ensure())
