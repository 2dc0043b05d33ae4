"""Check that the registries of fixtures/gto_registry.py read as intended, with real ``gto``.

    python -m benchmarks.check_shapes [--full] [--other-artifacts 500]

Builds the small shapes (and with ``--full`` the benchmark's sizes), and for
every lookup each shape lists, asks gto (in .peers/) and artifacts-show (this
checkout, on a local clone) for the answer, and compares both with the
answer the data names. Also checks that the greatest version of the main
artifact is deregistered, so that *latest* is not the greatest version.
Exits non-zero on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Callable, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from fixtures.builder import build, git  # noqa: E402
from fixtures.gto_registry import ShapedRegistry, gto_shaped, nightly  # noqa: E402
from parity.peers_env import peers_python  # noqa: E402

GTO_ANSWERS = """
import json, sys
from gto.api import find_latest_version, find_versions_in_stage
from gto.registry import GitRegistry
repo, lookups = sys.argv[1], json.loads(sys.argv[2])
answers = []
with GitRegistry.from_url(repo) as registry:
    for name, version, stage in lookups:
        if version:
            found = registry.find_artifact(name).find_version(name=version)
        elif stage:
            found = (find_versions_in_stage(repo, name, stage) or [None])[0]
        else:
            found = find_latest_version(repo, name)
        answers.append(found.commit_hexsha if found else None)
print(json.dumps(answers))
"""


def check(label: str, shaped: ShapedRegistry, scratch: str) -> List[str]:
    """Differences between the data's answers, gto's and artifacts-show's."""
    built = build(shaped.registry, os.path.join(scratch, label), bare=False)
    lookups = [[lookup.name, lookup.version, lookup.stage] for lookup in shaped.lookups]
    gto = subprocess.run([peers_python(), "-c", GTO_ANSWERS, built.path, json.dumps(lookups)],
                         capture_output=True, text=True, check=True)
    problems = []
    for lookup, by_gto in zip(shaped.lookups, json.loads(gto.stdout)):
        expected = built.commits[lookup.commit]
        ours = subprocess.run([sys.executable, "-m", "artifacts_show", *lookup.cli_args(),
                               "--repo", built.path], cwd=ROOT, capture_output=True, text=True)
        answer = json.loads(ours.stdout) if ours.returncode == 0 else {"error": ours.stderr.strip()}
        named = git("rev-parse", f"refs/tags/{lookup.tag}^{{commit}}", cwd=built.path).strip()
        for who, got in [("gto", by_gto), ("artifacts-show", answer.get("rev")), ("the answer's tag", named)]:
            if got != expected:
                problems.append(f"{label} {lookup.kind}: {who} answers {got or answer}, the data {expected}")
        if answer.get("path") not in (None, lookup.path):
            problems.append(f"{label} {lookup.kind}: artifacts-show's path {answer['path']}, "
                            f"the data {lookup.path}")
    tags = git("tag", "--list", "model@v*", cwd=built.path).split("\n")
    greatest = max((tag for tag in tags if tag and not tag.endswith("!")),
                   key=lambda tag: tuple(int(part) for part in tag.split("@v")[1].split(".")))
    if f"{greatest}!" not in tags:
        problems.append(f"{label}: the greatest version {greatest} of model is not deregistered")
    print(f"{label}: {len(shaped.registry.commits)} commits, {len(shaped.registry.tags)} tags, "
          f"{len(shaped.lookups)} lookups checked")
    return problems


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="also the benchmark's sizes")
    parser.add_argument("--other-artifacts", type=int, default=0,
                        help="with --full, also the GTO-shaped registry with this many other artifacts")
    args = parser.parse_args(argv)
    shapes: List[Tuple[str, Callable[[], ShapedRegistry]]] = [
        ("gto-small", lambda: gto_shaped(small=True)),
        ("nightly-small", lambda: nightly(small=True)),
    ]
    if args.full:
        # Small model files: the tags and so the answers do not depend on their size.
        shapes += [("gto", lambda: gto_shaped(blob_size=256)), ("nightly", nightly)]
        if args.other_artifacts:
            others = args.other_artifacts
            shapes.append(("gto-others", lambda: gto_shaped(blob_size=256, other_artifacts=others)))
    with tempfile.TemporaryDirectory(prefix="shapes-") as scratch:
        problems = [problem for label, make in shapes for problem in check(label, make(), scratch)]
    print("\n".join(problems) or "every answer as intended")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
