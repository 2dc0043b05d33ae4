"""The CI recipes of docs/ci.md, run exactly as written.

The GitHub Actions job's steps and the GitLab CI job's script, taken from the page's code blocks,
run on a tag-push checkout (depth 1, the pushed tag alone) of the example registry served over
smart HTTP, with the variables a runner sets (``GITHUB_REF`` and a ``GITHUB_OUTPUT`` file per
step; ``CI_COMMIT_TAG``). ``artifacts-show`` is this checkout's; ``aws`` records its arguments;
``pip install`` and ``actions/checkout`` are the runner's business. The outputs are read as the
runner reads them, the ``if:`` conditions and ``${{ }}`` expressions evaluated as it does for
the forms the recipe uses.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

import pytest
import yaml

from fixtures import ROOT
from fixtures.builder import Registry as Data
from fixtures.builder import Tag, build
from fixtures.registries import EXAMPLE_REGISTRY, EXAMPLE_URLS
from fixtures.servers import SmartHttpServer
from fixtures.checkouts import lightweight_tag_checkout, tag_push_checkout
from tests.helpers import github_outputs

REGISTRY = Data(EXAMPLE_REGISTRY.commits, [*EXAMPLE_REGISTRY.tags, Tag("release@vNext", "churn-3")])
"""The example registry, and a tag the recipe's filter lets through that is no registry event."""


def recipes() -> Tuple[dict, dict]:
    """The GitHub Actions workflow and the GitLab CI job of docs/ci.md, parsed."""
    with open(os.path.join(ROOT, "docs", "ci.md"), encoding="utf-8") as page:
        blocks = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", page.read(), re.S)]
    (github,) = [block for block in blocks if "jobs" in block]
    (gitlab,) = [block for block in blocks if "jobs" not in block]
    return github, gitlab


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("served")
    built = build(REGISTRY, str(base / "registry.git"), bare=True)
    server = SmartHttpServer(str(base))
    yield server.url("registry.git"), built
    server.stop()


@pytest.fixture
def runner(tmp_path, monkeypatch):
    """A PATH with artifacts-show (this checkout) and an ``aws`` that records its arguments."""
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "artifacts-show").write_text(f'#!/bin/sh\nexec {sys.executable} -m artifacts_show "$@"\n')
    (tools / "aws").write_text('#!/bin/sh\nprintf "%s\\n" "$@" >> "$AWS_CALLS"\n')
    for tool in tools.iterdir():
        tool.chmod(0o755)
    monkeypatch.setenv("ARTIFACTS_SHOW_CACHE_DIR", str(tmp_path / "cache"))
    return dict(os.environ, PATH=f"{tools}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=ROOT,
                AWS_CALLS=str(tmp_path / "aws-calls"))


def aws_calls(env: Dict[str, str]) -> List[str]:
    try:
        with open(env["AWS_CALLS"]) as calls:
            return calls.read().split("\n")[:-1]
    except FileNotFoundError:
        return []


def github_filter(pattern: str, tag: str) -> bool:
    """A tag filter of ``on.push.tags``: ``**`` any characters, ``*`` any but ``/``."""
    expression = "".join(".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
                         for part in re.split(r"(\*\*|\*)", pattern))
    return re.fullmatch(expression, tag) is not None


def github_condition(condition: str, outputs: Dict[str, Dict[str, str]]) -> bool:
    """``steps.ID.outputs.KEY == 'value'`` terms joined by ``&&``; an unset output is ''."""
    terms = []
    for term in condition.split("&&"):
        match = re.fullmatch(r"\s*steps\.(\w+)\.outputs\.(\w+) == '([^']*)'\s*", term)
        assert match, f"the recipe's condition is not of the form this runner reads: {term}"
        terms.append(outputs.get(match.group(1), {}).get(match.group(2), "") == match.group(3))
    return all(terms)


def github_expression(value: str, outputs: Dict[str, Dict[str, str]]) -> str:
    return re.sub(r"\$\{\{\s*steps\.(\w+)\.outputs\.(\w+)\s*\}\}",
                  lambda match: outputs.get(match.group(1), {}).get(match.group(2), ""), value)


def run_github(workflow: dict, tag: str, checkout: str, env: Dict[str, str], scratch) -> Dict[str, Dict[str, str]]:
    """The job's steps, as the runner runs them on a push of ``tag``; the outputs of each step."""
    assert any(github_filter(pattern, tag) for pattern in workflow[True]["push"]["tags"])  # `on:` is YAML's True
    (job,) = workflow["jobs"].values()
    outputs: Dict[str, Dict[str, str]] = {}
    for index, step in enumerate(job["steps"]):
        if "uses" in step or step["run"].startswith("pip install "):
            continue
        if "if" in step and not github_condition(step["if"], outputs):
            continue
        output = scratch / f"github_output-{index}"
        output.write_text("")
        step_env = {key: github_expression(str(value), outputs) for key, value in step.get("env", {}).items()}
        result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=checkout, capture_output=True, text=True,
                                env={**env, "GITHUB_REF": f"refs/tags/{tag}", "GITHUB_OUTPUT": str(output),
                                     **step_env})
        assert result.returncode == 0, (step["run"], result.stderr)
        if "id" in step:
            outputs[step["id"]] = github_outputs(output.read_text())
        outputs.setdefault("log", {})[str(index)] = result.stdout
    return outputs


def run_gitlab(job: dict, tag: str, checkout: str, env: Dict[str, str]) -> Optional[subprocess.CompletedProcess]:
    """The job's script as the runner runs it (one shell, ``set -eo pipefail``), if its rule lets it."""
    (rule,) = job["rules"]
    variable, pattern = re.fullmatch(r"\$(\w+) =~ /(.*)/", rule["if"]).groups()
    assert variable == "CI_COMMIT_TAG"
    if not re.search(pattern, tag):
        return None
    script = "\n".join(["set -eo pipefail", *(line for line in job["script"] if not line.startswith("pip install "))])
    result = subprocess.run(["bash", "-c", script], cwd=checkout, capture_output=True, text=True,
                            env={**env, "CI_COMMIT_TAG": tag})
    assert result.returncode == 0, result.stderr
    return result


def test_the_recipes_are_on_the_page():
    github, gitlab = recipes()
    steps = github["jobs"]["deploy"]["steps"]
    assert "artifacts-show --check-ref \"$GITHUB_REF\"" in steps[2]["run"]
    assert any("artifacts-show --check-ref \"$CI_COMMIT_TAG\"" in line for line in gitlab["deploy"]["script"])


def test_only_registry_tags_start_the_workflow():
    github, _ = recipes()
    patterns = github[True]["push"]["tags"]
    started = [tag.name for tag in REGISTRY.tags if any(github_filter(pattern, tag.name) for pattern in patterns)]
    assert "v0.1" not in started and "build-42" not in started
    assert {"churn-model#prod#7", "nlp=bert@v0.2.0", "churn-model#staging!#6", "release@vNext"} <= set(started)


@pytest.mark.parametrize("checkout_kind", ["annotated", "lightweight"])
@pytest.mark.parametrize(("tag", "deployed"), [
    ("churn-model#prod#7", ("v1.0.0", EXAMPLE_URLS[("churn-model", "v1.0.0")])),  # the rollback
    ("churn-model#prod#4", ("v1.1.0", EXAMPLE_URLS[("churn-model", "v1.1.0")])),
    ("nlp=bert#prod#1", ("v0.2.0", EXAMPLE_URLS[("nlp:bert", "v0.2.0")])),
    ("churn-model@v1.1.0", None),  # a registration: nothing deployed
    ("churn-model#staging!#6", None),
    ("release@vNext", None),  # no registry event: exit 1, empty outputs
])
def test_the_github_actions_recipe(served, runner, tmp_path, tag, deployed, checkout_kind):
    url, built = served
    github, _ = recipes()
    checkout = str(tmp_path / "workspace")
    if checkout_kind == "annotated":  # actions/checkout v6.0.2 and later
        tag_push_checkout(url, [tag], checkout)
    else:  # earlier versions fetch +SHA:refs/tags/X
        commit = next(tag_.target for tag_ in REGISTRY.tags if tag_.name == tag)
        lightweight_tag_checkout(url, tag, built.commits[commit], checkout)
    outputs = run_github(github, tag, checkout, runner, tmp_path)
    if tag == "release@vNext":
        assert outputs["artifact"] == {}
    else:
        assert outputs["artifact"]["tag"] == tag and outputs["artifact"]["rev"] == built.commits[
            next(tag_.target for tag_ in REGISTRY.tags if tag_.name == tag)]
        assert outputs["artifact"]["type"] == "model"
    if deployed is None:
        assert aws_calls(runner) == []
        return
    version, location = deployed
    assert (outputs["artifact"]["event"], outputs["artifact"]["stage"], outputs["artifact"]["version"]) == (
        "assignment", "prod", version)
    assert aws_calls(runner) == ["s3", "cp", location, "model.pkl"]
    assert f"deploying {version}\n" in outputs["log"].values()


@pytest.mark.parametrize(("tag", "deployed"), [
    ("churn-model#prod#7", EXAMPLE_URLS[("churn-model", "v1.0.0")]),
    ("nlp=bert#prod#1", EXAMPLE_URLS[("nlp:bert", "v0.2.0")]),  # a folder's artifact: '=' in its tag
    ("churn-model@v1.1.0", None),
    ("release@vNext", None),
    ("v0.1", "not run"),  # the rule keeps it out
])
def test_the_gitlab_ci_recipe(served, runner, tmp_path, tag, deployed):
    url, _ = served
    _, gitlab = recipes()
    checkout = tag_push_checkout(url, [tag], str(tmp_path / "project"))
    result = run_gitlab(gitlab["deploy"], tag, checkout, runner)
    if deployed == "not run":
        assert result is None
        return
    assert result is not None
    assert aws_calls(runner) == ([] if deployed is None else ["s3", "cp", deployed, "model.pkl"])
