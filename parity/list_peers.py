"""Run inside the peers' virtual environment: what ``gto show --json`` prints for whole registries.

Reads a JSON list of repository paths on stdin and writes a JSON list of answers, one per
path: {"show": <gto show --json>, "with_deprecated": <gto show --json --deprecated>}, or
{"error": <gto's message>} when gto fails. The command line runs in this process (click's
test runner), so gto is imported once for all the repositories, and its exact output is parsed.
"""

import json
import sys


def show(repo, *options):
    from click.testing import CliRunner
    from gto.cli import app

    result = CliRunner().invoke(app, ["show", "--json", "--repo", repo, *options])
    if result.exit_code != 0:
        return None, (result.output or repr(result.exception)).strip()[:300]
    return json.loads(result.stdout), None


def main():
    import logging

    logging.disable(logging.CRITICAL)
    answers = []
    for repo in json.load(sys.stdin):
        registry, error = show(repo)
        if error is None:
            everything, error = show(repo, "--deprecated")
        answers.append({"error": error} if error else {"show": registry, "with_deprecated": everything})
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
