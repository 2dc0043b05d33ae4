"""Make (once) the virtual environment of the peers: dvc and gto at the pinned versions.

    python parity/peers_env.py      # prints the peers' Python

Nothing here is a dependency of artifacts-show: the peers live apart, in .peers/.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PINS = ["dvc==3.67.1", "gto==1.10.1"]
FOLDER = os.environ.get("ARTIFACTS_SHOW_PEERS_DIR", os.path.join(ROOT, ".peers"))


def peers_python() -> str:
    return os.path.join(FOLDER, "bin", "python")


def ensure() -> str:
    python = peers_python()
    marker = os.path.join(FOLDER, "pins.txt")
    if os.path.exists(marker) and open(marker).read() == "\n".join(PINS):
        return python
    subprocess.run([sys.executable, "-m", "venv", FOLDER], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", *PINS], check=True)
    with open(marker, "w") as pins:
        pins.write("\n".join(PINS))
    return python


if __name__ == "__main__":
    print(ensure())
