"""The README's two commands: the lookup prints what the README says; CI runs the test command."""

import json
import os
import re
import subprocess
import sys

import pytest

from fixtures import ROOT


def readme_commands() -> list:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:
        text = readme.read()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    printed = re.search(r"The first prints `(\{.*?\})`", text).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")], printed


def test_first_command_prints_what_the_readme_says():
    (install_and_run, _), printed = readme_commands()
    lookup = install_and_run.split("&& ", 1)[1].split()
    assert lookup[0] == "artifacts-show"
    result = subprocess.run([sys.executable, "-m", "artifacts_show", *lookup[1:]], cwd=ROOT,
                            capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(printed)


def test_ci_runs_the_readme_test_command():
    (_, test_command), _ = readme_commands()
    with open(os.path.join(ROOT, ".ci", "run")) as ci:
        assert test_command in ci.read().splitlines()


def console_examples(page: str) -> list:
    """(command, output) of every ``$ artifacts-show ...`` line in a page's console blocks."""
    with open(os.path.join(ROOT, page), encoding="utf-8") as readme:
        text = readme.read()
    examples = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for chunk in block.split("$ ")[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command, output))
    return examples


PAGES = ["README.md", *sorted(f"docs/{name}" for name in os.listdir(os.path.join(ROOT, "docs")))]


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_show_real_output(page):
    examples = console_examples(page)
    assert len(examples) >= 3 or page != "README.md"
    for command, output in examples:
        arguments = command.split()
        assert arguments[0] == "artifacts-show"
        result = subprocess.run([sys.executable, "-m", "artifacts_show", *arguments[1:]], cwd=ROOT,
                                capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
        assert (result.returncode, result.stdout) == (0, output), command
