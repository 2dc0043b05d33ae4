"""Run inside the peers' virtual environment: what ``gto check-ref --json`` and ``gto history --json``
print for registries.

Reads a JSON list on stdin, each {"repo": path, "refs": [tag names]}, and writes a JSON list, one
per repository: {"check_ref": {ref: <printed JSON, null when gto prints nothing, or {"error": ...}>},
"history": <printed JSON list, or {"error": ...}>}. The command line runs in this process (click's
test runner), so gto is imported once; its exact output is parsed.
"""

import json
import sys


def run(*arguments):
    """gto's output parsed (None if it printed nothing), or {"error": ...} when it failed."""
    from click.testing import CliRunner
    from gto.cli import app

    result = CliRunner().invoke(app, list(arguments))
    if result.exit_code != 0:
        return {"error": (result.output or repr(result.exception)).strip()[:300]}
    return json.loads(result.stdout) if result.stdout.strip() else None


def main():
    import logging

    logging.disable(logging.CRITICAL)
    answers = []
    for job in json.load(sys.stdin):
        answers.append({
            "check_ref": {ref: run("check-ref", "--json", "--repo", job["repo"], ref) for ref in job["refs"]},
            "history": run("history", "--json", "--repo", job["repo"]),
        })
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
