"""Helpers shared by the tests: a fixture lookup checked against a built repository, a folder's
state, the processes running, the CLI as a process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Callable, Dict, Optional

import pytest

from artifacts_show.dvcyaml import Declarations
from artifacts_show.storage import data_url
from artifacts_show.yaml12 import Where, load_yaml
from fixtures import ROOT
from fixtures.builder import BuiltRepo
from fixtures.registries import Lookup
from fixtures.servers import SmartHttpServer

VERSION = ["git", "--version"]
REV_PARSE = ["git", "rev-parse", "--is-bare-repository", "--is-shallow-repository", "--show-prefix"]
"""argv of the first git calls of a local lookup, for tests that pin argv (pytest-subprocess)."""
PROD = ("churn-model", "churn-1")  # the example registry: churn-model in prod is commit churn-1


def check(lookup: Lookup, built: BuiltRepo, show: Callable[..., Dict[str, str]],
          repo: Optional[str], relative_to: str = "") -> None:
    """Run ``lookup`` through ``show`` and compare with the fixture's expected answer."""
    if lookup.error is not None:
        with pytest.raises(lookup.error) as info:
            show(lookup.name, version=lookup.version, stage=lookup.stage, repo=repo)
        assert lookup.match in str(info.value)
        return
    result = show(lookup.name, version=lookup.version, stage=lookup.stage, repo=repo)
    expected_path = lookup.path
    if relative_to and "://" not in expected_path:
        expected_path = os.path.relpath(expected_path, relative_to)
    assert result == {"path": expected_path.replace("/", os.sep),
                      "rev": built.commits[lookup.commit]}


def snapshot(path: str) -> dict:
    state = {}
    for folder, _, files in os.walk(path):
        for name in files:
            full = os.path.join(folder, name)
            info = os.stat(full)
            state[full] = (info.st_size, info.st_mtime_ns)
    return state


def start_cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "artifacts_show", *args], env=dict(os.environ, PYTHONPATH=ROOT, **(env or {})),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )



def files_containing(folder: str, needle: bytes) -> list:
    found = []
    for parent, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            with open(path, "rb") as handle:
                if needle in handle.read():
                    found.append(path)
    return found



def command_lines() -> list:
    lines = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    lines.append(handle.read())
            except OSError:
                pass
    return lines



def git_processes_in(folder: str) -> list:
    """Processes whose working directory is inside ``folder`` (git left behind)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd").startswith(folder):
                    found.append(entry)
            except OSError:
                pass
    return found



def lookup_until(slow: SmartHttpServer, cache: str, ready: Callable[[], bool]) -> subprocess.Popen:
    """A prod lookup through ``slow`` into ``cache``, returned once ``ready()`` holds."""
    process = start_cli(PROD[0], "--stage", "prod", "--repo", slow.url("example.git"),
                  env={"ARTIFACTS_SHOW_CACHE_DIR": cache})
    deadline = time.monotonic() + 30
    while not ready():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return process



def corrupt(cache: str) -> None:
    for parent, _, names in os.walk(cache):
        for name in names:
            path = os.path.join(parent, name)
            if name.endswith((".pack", ".idx")) or name == "HEAD":
                with open(path, "r+b") as handle:
                    handle.write(b"garbage" * 4)
            elif "memo" in parent or "artifacts-show" in parent:  # remembered paths, listed patterns
                with open(path, "r+b") as handle:
                    handle.seek(20)
                    handle.write(b"not what was stored")

# -- files of a commit given as data: dvc.yaml, DVC's config and records --

H3 = "0123456789abcdef0123456789abcdef"
DVC3 = f"outs:\n- md5: {H3}\n  size: 3\n  hash: md5\n  path: m.pkl\n"
DVC2 = f"outs:\n- md5: {H3}\n  size: 3\n  path: m.pkl\n"
S3 = "[core]\n    remote = store\n['remote \"store\"']\n    url = s3://bucket/prefix\n"
NEW = f"files/md5/01/{H3[2:]}"
OLD = f"01/{H3[2:]}"


def _declarations(content: bytes, dvcyaml_path: str, commit: str, read_file) -> Declarations:
    where = Where(dvcyaml_path, commit)
    return Declarations(load_yaml(content, where), where, read_file)


def artifact_path(content: bytes, *, dvcyaml_path: str, name: str, commit: str, read_file) -> str:
    """The path of artifact ``name`` that ``content`` (a dvc.yaml) declares, as a lookup reads it."""
    return _declarations(content, dvcyaml_path, commit, read_file).path(name)


def artifact_declaration(content: bytes, *, dvcyaml_path: str, name: str, commit: str, read_file):
    """The declaration of artifact ``name`` that ``content`` holds, as ``--describe`` reads it."""
    return _declarations(content, dvcyaml_path, commit, read_file).declaration(name)


def path_of(content, name="m", dvcyaml="dvc.yaml", files=None):
    files = files or {}
    return artifact_path(
        content.encode() if isinstance(content, str) else content,
        dvcyaml_path=dvcyaml, name=name, commit="c0ffee", read_file=files.get,
    )


# YAML as DVC reads it: ruamel.yaml's YAML 1.2.
# Every expectation below is what dvc 3.67.1's dvc.api.artifacts_show answered
# (parity/test_yaml_parity.py asks it again), or one of the differences it names.



def interpolated(value, text="artifacts: {m: {path: 'v/${x}'}}"):
    return path_of(text, files={"params.yaml": f"x: {value}\n".encode()})



def url_of(files, path="models/m.pkl", read=None, **kwargs):
    """``data_url`` on a commit whose files are ``files`` (path -> text); ``read`` records reads."""
    data = {name: text.encode() for name, text in files.items()}

    def read_file(name):
        if read is not None:
            read.append(name)
        return data.get(name)

    return data_url(path, commit="c0ffee", listing=list(data), read_file=read_file, **kwargs)



def with_remote(url, extra=""):
    return f"[core]\n    remote = r\n['remote \"r\"']\n    url = {url}\n{extra}"


# -- remotes: default, named, missing --


# -- CI outputs as the runners read them --

def github_outputs(text: str) -> dict:
    """``$GITHUB_OUTPUT`` as the Actions runner reads it (``FileCommandManager``'s
    ``EnvFileKeyValuePairs``): lines split on ``\\n``, empty ones skipped; ``NAME=VALUE`` splits at
    the first ``=`` unless a ``<<`` comes first; ``NAME<<DELIMITER`` takes every line up to one that
    is exactly the delimiter, which must end with a line break. Raises what the runner refuses."""
    if text and not text.endswith("\n"):
        raise ValueError("EOF marker missing new line")
    lines, found, index = text.split("\n")[:-1], {}, 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            found[line[:equals]] = line[equals + 1:]
            continue
        if heredoc < 0:
            raise ValueError(f"Invalid format '{line}'")
        key, delimiter = line[:heredoc], line[heredoc + 2:]
        if not key or not delimiter:
            raise ValueError("Name must not be empty and delimiter must not be empty")
        value = []
        while index < len(lines) and lines[index] != delimiter:
            value.append(lines[index])
            index += 1
        if index == len(lines):
            raise ValueError(f"Matching delimiter not found '{delimiter}'")
        index += 1
        found[key] = "\n".join(value)
    return found


def gitlab_dotenv(text: str) -> dict:
    """A dotenv report as GitLab parses it (``Ci::ParseDotenvArtifactService``): each line split at
    its first ``=``, key and value stripped, the key of letters, digits and ``_``; any other line
    (an empty one too) rejects the whole report."""
    import re

    found = {}
    for line in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
        match = re.fullmatch(r"(.*?)=(.*)", line)
        if match is None or not re.fullmatch(r"[a-zA-Z0-9_]+", match.group(1).strip()):
            raise ValueError(f"Invalid Format: {line!r}")
        found[match.group(1).strip()] = match.group(2).strip()
    return found


def shell_variables(text: str, names: list) -> dict:
    """What ``eval "$(...)"`` of ``text`` sets in a POSIX shell, for ``names``."""
    script = 'eval "$1"; shift; for name in "$@"; do eval "printf \'%s\\0\' \\"\\${$name-(unset)}\\""; done'
    result = subprocess.run(["sh", "-c", script, "sh", text, *names], capture_output=True, check=True)
    return dict(zip(names, result.stdout.decode().split("\0")))
