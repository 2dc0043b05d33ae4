"""Differential test: storage URLs next to ``dvc.api.get_url``, on random registries through file://.

Each history is a registry whose artifacts are ``.dvc`` files of both formats
(some with cloud versions), directories, outputs in the root ``dvc.lock`` and in
a subfolder's (``../`` paths, an output with its own remote, ``cache: false``,
a stage never run), files in git, files inside tracked directories, paths that
nothing records, and artifacts of a DVC sub-project; its ``.dvc/config`` holds
remotes of every kind (s3, gs, azure, http(s), webdav(s), ssh, hdfs, local
absolute and relative, ``remote://`` references, version-aware ones) whose URLs,
default and set change from commit to commit, written in the dialect's variants
(quotes, comments, upper case). Every version of every artifact is looked up
with the default remote and with a named one (existing, upper-cased or unknown).

An answer must equal dvc.api's, or both must be errors, or the difference must
be one named in the README (counted per name):

- **inside-directory**: DVC answers a file inside a tracked directory when it can
  read the directory's listing from storage (here, a local remote holding it);
  here that is an error naming the directory.
- **subproject-remote**: for a path in a DVC sub-project DVC ignores ``remote=``
  (answering with the sub-project's default) and looks the name up in the root
  project; here the name is the sub-project's.

Nothing leaves the machine: DVC forms these URLs without connecting, a file
inside a tracked directory is only asked about with a local remote, the peers
run with cloud metadata look-ups disabled and, where the machine allows it, in a
network namespace of their own (``unshare -n``: no interface but a down loopback).

    PARITY_SEED=7 PARITY_URL_HISTORIES=100 pytest parity/test_url_parity.py -s
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import pytest

from artifacts_show import ArtifactsShowError, artifacts_show, artifacts_url, dvcconfig
from fixtures.builder import Commit, Registry, Tag, build
from fixtures.registries import EXAMPLE_REGISTRY, EXAMPLE_URLS
from parity.peers_env import peers_python

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = int(os.environ.get("PARITY_SEED", "20261128"))
HISTORIES = int(os.environ.get("PARITY_URL_HISTORIES", "30"))
NAMED_DIFFERENCES = ("inside-directory", "subproject-remote")
KINDS = ("s3", "gs", "azure", "https", "http", "webdav", "webdavs", "ssh", "hdfs", "local", "relative",
         "versioned", "reference")
TARGETS = ("dvc3", "dvc2", "dir", "inside", "lock-root", "lock-sub", "pinned", "lock-dir", "no-cache",
           "never-run", "git", "nothing")
WORDS = ("models", "dvc-store", "team/ml", "a", "cache-1")


# -- random registries --

def _hex(rng: random.Random) -> str:
    return rng.choice("abcdef") + "".join(rng.choice("0123456789abcdef") for _ in range(31))


def _remote(rng: random.Random, kind: str, storage_root: str, number: int) -> Tuple[str, Dict[str, str]]:
    """A remote's URL and options; hosts are names that nothing here ever contacts."""
    word, slash = rng.choice(WORDS), rng.choice(["", "/"])
    user, port = rng.choice(["", "user@"]), rng.choice(["", ":2222"])
    urls = {
        "s3": [f"s3://bucket-{number}/{word}{slash}", f"s3://bucket-{number}", f"s3://user@b-{number}:9000/{word}"],
        "gs": [f"gs://g-{number}/{word}{slash}"],
        "azure": [f"azure://container-{number}/{word}{slash}"],
        "https": [f"https://dvc.example.com/{word}{slash}", f"https://user:pw@dvc.example.com:8443/{word}"],
        "http": [f"http://dvc.example.com/{number}/{word}"],
        "webdav": [f"webdav://dav.example.com:8080/{word}{slash}"],
        "webdavs": [f"webdavs://user@dav.example.com/remote.php/{word}{slash}"],
        "ssh": [f"ssh://{user}ssh.example.com{port}/{rng.choice(['srv/', '', '~/'])}{word}"],
        "hdfs": [f"hdfs://{user}nn.example.com{port.replace('2222', '8020')}/{word}"],
        "local": [f"{storage_root}/store-{number}{slash}"],
        "relative": [f"../storage-{number}", f"storage-{number}", f"../../up-{number}/{word}"],
        "versioned": [f"s3://versioned-{number}/{word}", f"gs://gv-{number}/{word}",
                      f"azure://cv-{number}/{word}"],
    }[kind]
    options = {}
    if kind == "ssh" and rng.random() < 0.3:
        options["port"] = "2200"
    if kind == "versioned":
        options[rng.choice(["version_aware", "worktree"])] = rng.choice(["true", "True"])
    return rng.choice(urls), options


@dataclass
class Remotes:
    """One project's remotes at one commit: name -> (url, options), and the default."""

    urls: Dict[str, Tuple[str, Dict[str, str]]]
    default: Optional[str]
    fixed: Tuple[str, ...] = ()  # never removed: outputs and references name them

    def text(self, rng: random.Random) -> str:
        lines = []
        if self.default:
            shown = self.default if rng.random() < 0.8 else self.default.upper()
            lines += [rng.choice(["[core]", "[CORE]"]), f"    {rng.choice(['remote', 'Remote'])} = {shown}"]
        for name, (url, options) in self.urls.items():
            section = rng.choice([f"['remote \"{name}\"']", f'[remote "{name}"]'])
            value = rng.choice([url, f'"{url}"', f"'{url}'", f"{url}  # where the data is"])
            lines += [section, f"    {rng.choice(['url', 'URL'])} = {value}"]
            lines += [f"    {key} = {option}" for key, option in options.items()]
        return "\n".join(lines) + "\n"

    def changed(self, rng: random.Random, storage_root: str, number: int) -> Remotes:
        urls = dict(self.urls)
        movable = [name for name in urls if name not in self.fixed]
        if movable and rng.random() < 0.5:
            name = rng.choice(movable)
            kind = rng.choice(KINDS[:-1])
            urls[name] = _remote(rng, kind, storage_root, number)
        if rng.random() < 0.15:
            urls[f"r{number}"] = _remote(rng, rng.choice(KINDS[:-1]), storage_root, number)
        default = self.default
        if rng.random() < 0.25:
            default = rng.choice([*urls, None] if rng.random() < 0.2 else list(urls))
        removable = [name for name in movable if name != default]
        if removable and rng.random() < 0.1:
            del urls[rng.choice(removable)]
        return Remotes(urls, default, self.fixed)


def _root_remotes(rng: random.Random, storage_root: str) -> Remotes:
    urls = {"local": (f"{storage_root}/store", {}),
            "pinned": _remote(rng, rng.choice(KINDS[:-3]), storage_root, 0)}
    for number in range(1, rng.randint(2, 4)):
        urls[rng.choice(["r", "Store", "backup"]) + str(number)] = _remote(
            rng, rng.choice(KINDS[:-1]), storage_root, number)
    base = rng.choice([name for name in urls if not urls[name][1]])
    if rng.random() < 0.6:
        urls["derived"] = (f"remote://{base}/{rng.choice(WORDS)}", {})
    fixed = ["local", "pinned", base]
    if rng.random() < 0.5:  # a version-aware remote for the whole history, so that records keep versions
        urls["cloud"] = _remote(rng, "versioned", storage_root, 0)
        fixed.append("cloud")
    default = rng.choice(list(urls)) if rng.random() < 0.9 else None
    return Remotes(urls, default, tuple(fixed))


@dataclass
class Artifact:
    name: str  # as looked up
    target: str  # one of TARGETS
    path: str  # where the lookup says it is, relative to the git root
    subproject: bool = False


@dataclass
class Query:
    history: int
    name: str
    version: str
    remote: Optional[str]
    path: str
    commit: str  # label
    target: str
    subproject: bool

    def __str__(self) -> str:
        return (f"{self.name}@{self.version} (commit {self.commit}, {self.target}) remote={self.remote!r}")


@dataclass
class History:
    seed: int
    registry: Registry
    queries: List[Query]
    configs: Dict[str, Dict[str, str]] = field(default_factory=dict)  # commit label -> files


def _artifacts(rng: random.Random, subproject: bool) -> List[Artifact]:
    chosen = rng.sample(TARGETS, 5)
    paths = {"dvc3": "models/{n}.pkl", "dvc2": "models/{n}.pkl", "dir": "data/{n}",
             "inside": "data/{n}/inner.bin",
             "lock-root": "models/{n}.bin", "lock-sub": "models/{n}.bin", "pinned": "models/{n}.bin",
             "lock-dir": "data/{n}", "no-cache": "src/{n}.json", "never-run": "models/{n}.bin",
             "git": "models/{n}.txt", "nothing": "models/{n}.none"}
    found = [Artifact(f"m{index}", target, paths[target].format(n=f"m{index}"))
             for index, target in enumerate(chosen)]
    if subproject:
        for index in range(rng.randint(1, 2)):
            target = rng.choice(("dvc3", "dvc2", "lock-root"))
            name = f"s{index}"
            path = f"proj/models/{name}.{'bin' if target == 'lock-root' else 'pkl'}"
            found.append(Artifact(f"proj:{name}", target, path, subproject=True))
    return found


def _record(rng: random.Random, name: str, md5: str, dvc3: bool, versions: Optional[str] = None,
            directory: bool = False) -> str:
    text = f"outs:\n- md5: {md5}{'.dir' if directory else ''}\n  size: {rng.randint(1, 10**6)}\n"
    if directory:
        text += "  nfiles: 1\n"
    if dvc3:
        text += "  hash: md5\n"
    text += f"  path: {name}\n"
    if versions:
        version = f"v{int(md5[1:5], 16)}"
        text += f"  cloud:\n    {versions}:\n      etag: abcdef12\n      version_id: '{version}'\n"
    return text


def _lock(outs: List[Tuple[str, str, bool, bool]], stage: str) -> str:
    """A dvc.lock with one stage: (path, md5, dvc3, directory) per output."""
    text = f"schema: '2.0'\nstages:\n  {stage}:\n    cmd: make\n    outs:\n"
    for path, md5, dvc3, directory in outs:
        text += f"    - path: {path}\n      md5: {md5}{'.dir' if directory else ''}\n      size: 3\n"
        text += "      hash: md5\n" if dvc3 else ""
    return text


def _commit_files(rng: random.Random, artifacts: List[Artifact], hashes: Dict[str, str],
                  styles: Dict[str, bool], storage_root: str, root: Remotes, sub: Optional[Remotes],
                  versioned_names: List[str]) -> Dict[str, str]:
    files = {".dvc/config": root.text(rng), ".dvc/.gitignore": "/config.local\n/tmp\n/cache\n"}
    root_yaml = {"stages": [], "artifacts": []}
    src_outs, src_metrics, src_never, src_lock = [], [], [], []
    root_lock, proj_yaml, proj_lock = [], [], []
    for artifact in artifacts:
        n = artifact.name.split(":")[-1]
        md5, dvc3 = hashes[artifact.name], styles[artifact.name]
        if artifact.subproject:
            relative = artifact.path[len("proj/"):]
            proj_yaml.append(f"  {n}:\n    path: {relative}\n")
            if artifact.target == "lock-root":
                proj_lock.append((relative, md5, dvc3, False))
            else:
                files[f"proj/{relative}.dvc"] = _record(rng, posixbase(relative), md5, dvc3)
            continue
        root_yaml["artifacts"].append(f"  {artifact.name}:\n    path: {artifact.path}\n    type: model\n")
        target = artifact.target
        if target in ("dvc3", "dvc2"):
            # one content, one pushed version: DVC caches what it read of an output by the
            # hashes of all outputs, so a version that changed alone would answer from that cache
            versions = (versioned_names or ["elsewhere"])[0] if int(md5[-1], 16) < 10 else None
            files[f"{artifact.path}.dvc"] = _record(rng, posixbase(artifact.path), md5, target == "dvc3",
                                                    versions)
        elif target in ("dir", "inside"):
            folder = f"data/{n}"
            files[f"{folder}.dvc"] = _record(rng, n, md5, dvc3, directory=True)
            if target == "inside" and rng.random() < 0.5:  # the directory's listing in the local remote
                inner = _hex(rng)
                where = ("files/md5/" if dvc3 else "") + f"{md5[:2]}/{md5[2:]}.dir"
                os.makedirs(os.path.dirname(os.path.join(storage_root, "store", where)), exist_ok=True)
                with open(os.path.join(storage_root, "store", where), "w") as listing:
                    json.dump([{"md5": inner, "relpath": "inner.bin"}], listing)
        elif target == "lock-root":
            root_yaml["stages"].append(artifact.path)
            root_lock.append((artifact.path, md5, dvc3, False))
        elif target in ("lock-sub", "pinned", "lock-dir"):
            relative = "../" + artifact.path
            src_outs.append(f"    - {relative}:\n        remote: pinned\n" if target == "pinned"
                            else f"    - {relative}\n")
            src_lock.append((relative, md5, dvc3, target == "lock-dir"))
        elif target == "no-cache":
            src_metrics.append(f"    - {n}.json:\n        cache: false\n")
            src_lock.append((f"{n}.json", md5, dvc3, False))
        elif target == "never-run":
            src_never.append(f"    - ../{artifact.path}\n")
        elif target == "git":
            files[artifact.path] = f"kept in git {md5}\n"
    text = ""
    if root_yaml["stages"]:
        text += "stages:\n  build:\n    cmd: make\n    outs:\n"
        text += "".join(f"    - {path}\n" for path in root_yaml["stages"])
        files["dvc.lock"] = _lock(root_lock, "build")
    files["dvc.yaml"] = text + "artifacts:\n" + "".join(root_yaml["artifacts"])
    if src_outs or src_metrics or src_never:
        text = "stages:\n"
        if src_outs or src_metrics:
            text += "  train:\n    cmd: python train.py\n"
            text += ("    outs:\n" + "".join(src_outs)) if src_outs else ""
            text += ("    metrics:\n" + "".join(src_metrics)) if src_metrics else ""
            files["src/dvc.lock"] = _lock(src_lock, "train")
        if src_never:
            text += "  extra:\n    cmd: python extra.py\n    outs:\n" + "".join(src_never)
        files["src/dvc.yaml"] = text
    if sub is not None:
        files["proj/.dvc/config"] = sub.text(rng)
        files["proj/.dvc/.gitignore"] = "/config.local\n/tmp\n/cache\n"
        text = ""
        if proj_lock:
            text = "stages:\n  build:\n    cmd: make\n    outs:\n"
            text += "".join(f"    - {out[0]}\n" for out in proj_lock)
            files["proj/dvc.lock"] = _lock(proj_lock, "build")
        files["proj/dvc.yaml"] = text + "artifacts:\n" + "".join(proj_yaml)
    return files


def posixbase(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def random_history(seed: int, index: int, storage_root: str) -> History:
    rng = random.Random(seed)
    subproject = rng.random() < 0.4
    artifacts = _artifacts(rng, subproject)
    root = _root_remotes(rng, storage_root)
    sub = (Remotes({"sub": _remote(rng, rng.choice(KINDS[:-2]), storage_root, 90)}, "sub", ("sub",))
           if subproject else None)
    commits, remotes_at = [], {}
    hashes = {artifact.name: _hex(rng) for artifact in artifacts}
    styles = {artifact.name: rng.random() < 0.6 for artifact in artifacts}
    for number in range(rng.randint(3, 6)):
        if number:
            root = root.changed(rng, storage_root, number)
            sub = sub.changed(rng, storage_root, 90 + number) if sub is not None else None
            for artifact in artifacts:
                if rng.random() < 0.5:
                    hashes[artifact.name] = _hex(rng)
                    styles[artifact.name] = rng.random() < 0.6
        versioned = [name for name, (url, options) in root.urls.items() if options.get("version_aware")
                     or options.get("worktree")]
        label = f"c{number}"
        files = _commit_files(rng, artifacts, hashes, styles, storage_root, root, sub, versioned)
        commits.append(Commit(label, files))
        remotes_at[label] = (root, sub)
    tags, queries = [], []
    for artifact in artifacts:
        labels = sorted(rng.sample([commit.label for commit in commits], rng.randint(1, 3)))
        for minor, label in enumerate(labels):
            version = f"v1.{minor}.0"
            tags.append(Tag(f"{artifact.name.replace(':', '=')}@{version}", label))
            project_remotes = remotes_at[label][1 if artifact.subproject else 0]
            choices: List[Optional[str]] = [None]
            if artifact.target in ("inside", "never-run"):
                choices = ["local"]  # DVC reads the directory's listing, or the file's size, from it
            else:
                named = rng.choice(list(project_remotes.urls) + list(remotes_at[label][0].urls))
                versioned = [name for name, (_, options) in project_remotes.urls.items()
                             if options.get("version_aware") or options.get("worktree")]
                if versioned and artifact.target in ("dvc3", "dvc2") and rng.random() < 0.5:
                    named = rng.choice(versioned)
                choices.append(rng.choice([named, named, named.upper(), "nope"]))
            for remote in choices:
                queries.append(Query(index, artifact.name, version, remote, artifact.path, label,
                                     artifact.target, artifact.subproject))
    return History(seed, Registry(commits, tags), queries,
                   {commit.label: dict(commit.files) for commit in commits})


# -- ours --

def ours(query: Query, repo: str) -> dict:
    """Our answer for ``query``: ``artifacts_url`` on the registry, through ``file://`` unless
    ``repo`` is already a URL or meant as a local path (``local=True`` callers pass it as is)."""
    try:
        return {"url": artifacts_url(query.name, version=query.version, repo=repo, remote=query.remote)}
    except ArtifactsShowError as error:
        return {"error": type(error).__name__, "message": str(error)}


# -- the peers --

def _offline_prefix() -> List[str]:
    """``unshare -n`` where the machine lets this process make a network namespace."""
    try:
        works = subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    except OSError:
        works = False
    return ["unshare", "-n"] if works else []


def start_peers(folder: str) -> List[subprocess.Popen]:
    """Two peer processes, each to answer half of the jobs that ``collect`` sends them,
    with no user DVC config and no network."""
    python = os.environ.get("ARTIFACTS_SHOW_PEERS_PYTHON", peers_python())
    if not os.path.exists(python):
        pytest.fail(f"no peers at {python}: run `python parity/peers_env.py` (tox -e parity does)")
    for name in ("system", "global", "site"):
        os.makedirs(os.path.join(folder, name), exist_ok=True)
    env = dict(os.environ, DVC_SYSTEM_CONFIG_DIR=os.path.join(folder, "system"),
               DVC_GLOBAL_CONFIG_DIR=os.path.join(folder, "global"),
               DVC_SITE_CACHE_DIR=os.path.join(folder, "site"), DVC_NO_ANALYTICS="1",
               DVC_STUDIO_OFFLINE="1", AWS_EC2_METADATA_DISABLED="true", NO_GCE_CHECK="true",
               GCE_METADATA_HOST="127.0.0.1:9", GCE_METADATA_IP="127.0.0.1:9")
    prefix = _offline_prefix()
    return [subprocess.Popen([*prefix, python, os.path.join(HERE, "url_peers.py")], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
            for _ in range(2)]


def collect(processes: List[subprocess.Popen], jobs: List[dict]) -> List[dict]:
    halves = [jobs[: len(jobs) // 2], jobs[len(jobs) // 2:]]

    def talk(pair):
        process, part = pair
        out, err = process.communicate(json.dumps(part), timeout=600)
        assert process.returncode == 0, err[-2000:]
        return json.loads(out)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(talk, zip(processes, halves))
    return first + second


# -- comparing --

OUR_ERRORS = {  # what our message says -> the kind of failure
    "kept in git": "no-output", "no DVC output": "no-output", "cache: false": "no-output",
    "lies inside": "inside", "has not been run": "no-hash", "no default remote": "no-remote",
    "records no version": "no-remote", "no remote '": "unknown-remote",
}
DVC_ERRORS = {  # dvc.api's exception -> the kinds of failure it stands for
    "OutputNotFoundError": {"no-output"}, "DataIndexDirError": {"inside"},
    "NoRemoteError": {"no-hash", "no-remote"}, "RemoteNotFoundError": {"unknown-remote"},
}


def same_failure(query: Query, mine: dict, dvc: dict) -> bool:
    """Both failed for the same reason (DVC builds its whole index first, so an unknown
    ``remote=`` fails there before DVC looks for the output)."""
    kinds = {kind for fragment, kind in OUR_ERRORS.items() if fragment in mine["message"]}
    expected = DVC_ERRORS.get(dvc["error"], set())
    return bool(kinds & expected) or (dvc["error"] == "RemoteNotFoundError" and query.remote is not None)


def explain(query: Query, mine: dict, dvc: dict) -> Optional[str]:
    """The named difference that explains the two answers, or None if none does."""
    if query.target == "inside" and "error" in mine and "url" in dvc:
        return "inside-directory"
    if query.subproject and query.remote is not None:
        return "subproject-remote"
    return None


def scheme_of(url: str) -> str:
    if "?versionId=" in url or "?versionid=" in url or (url.startswith("gs://") and "#" in url):
        return "versioned"
    return url.split("://")[0] if "://" in url else "local"


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    folder = tmp_path_factory.mktemp("url-histories")
    made = []
    for index, seed in enumerate(range(SEED, SEED + HISTORIES)):
        history = random_history(seed, index, str(folder / f"storage{index}"))
        made.append((history, build(history.registry, str(folder / f"h{index}.git"), bare=True)))
    return made


def test_urls_equal_dvc_api_get_url(histories, tmp_path):
    jobs, queries = [], []
    for history, built in histories:
        for query in history.queries:
            queries.append((query, history, built))
            jobs.append(dict(repo="file://" + built.path, path=query.path, rev=built.commits[query.commit],
                             remote=query.remote))
    peers = start_peers(str(tmp_path))  # the peers work while we answer
    mine = [ours(query, "file://" + built.path) for query, _, built in queries]
    answers = collect(peers, jobs)
    counts: Counter = Counter()
    schemes: Counter = Counter()
    for (query, history, _), my, dvc in zip(queries, mine, answers):
        if "url" in my and my == dvc:
            counts["same-url"] += 1
            schemes[scheme_of(my["url"])] += 1
        elif "error" in my and "error" in dvc and same_failure(query, my, dvc):
            counts["both-errors"] += 1
        else:
            named = explain(query, my, dvc)
            if named is None:
                files = history.configs[query.commit]
                shown = "\n".join(f"--- {name}\n{text}" for name, text in sorted(files.items())
                                  if name.endswith(("config", ".dvc", "dvc.yaml", "dvc.lock")))
                pytest.fail(f"seed {history.seed}: {query}\n  ours:    {my}\n  dvc.api: {dvc}\n"
                            f"files at {query.commit}:\n{shown}")
            counts[named] += 1
    print(f"\nURL parity: {len(histories)} histories, {len(queries)} lookups; "
          + ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
          + "; URLs by kind: " + ", ".join(f"{name} {count}" for name, count in sorted(schemes.items())))
    assert counts["same-url"] >= len(queries) // 3, counts  # most lookups must have an answer to compare
    if HISTORIES >= 30:  # every kind of URL was compared at least once
        assert set(schemes) >= {"s3", "gs", "azure", "http", "https", "ssh", "hdfs", "local", "versioned"}


def test_local_repository_differences(tmp_path):
    """For a local work tree DVC takes the default remote's definition from the work tree's
    config (HEAD's, uncommitted edits included), or answers with its local cache when the work
    tree names no default remote; here the answer is the commit's, as for a clone.
    The README names these **local-worktree-config** and **local-cache**."""
    record = "outs:\n- md5: 0123456789abcdef0123456789abcdef\n  hash: md5\n  path: m.pkl\n"
    declared = "artifacts:\n  m:\n    path: models/m.pkl\n"

    def config(url: str, default: bool = True) -> str:
        return ("[core]\n    remote = a\n" if default else "") + f"['remote \"a\"']\n    url = {url}\n"

    worktrees = {
        "moved": Registry([Commit("c0", {".dvc/config": config("s3://one/x"), "dvc.yaml": declared,
                                         "models/m.pkl.dvc": record}),
                           Commit("c1", {".dvc/config": config("s3://one/moved")})], [Tag("m@v1.0.0", "c0")]),
        "no-default": Registry([Commit("c0", {".dvc/config": config("s3://one/x"), "dvc.yaml": declared,
                                              "models/m.pkl.dvc": record}),
                                Commit("c1", {".dvc/config": config("s3://one/x", default=False)})],
                               [Tag("m@v1.0.0", "c0")]),
    }
    built = {name: build(registry, str(tmp_path / name)) for name, registry in worktrees.items()}
    jobs = [dict(repo=repo.path if local else "file://" + repo.path, path="models/m.pkl",
                 rev=repo.commits["c0"], remote=None) for repo in built.values() for local in (True, False)]
    answers = collect(start_peers(str(tmp_path / "peers")), jobs)
    expected = "s3://one/x/files/md5/01/23456789abcdef0123456789abcdef"
    for repo in built.values():
        query = Query(0, "m", "v1.0.0", None, "models/m.pkl", "c0", "dvc3", False)
        assert ours(query, repo.path) == ours(query, "file://" + repo.path) == {"url": expected}
    moved_local, moved_clone, cache_local, cache_clone = answers
    assert moved_clone == cache_clone == {"url": expected}
    assert moved_local == {"url": "s3://one/moved/files/md5/01/23456789abcdef0123456789abcdef"}
    cache = os.path.join(built["no-default"].path, ".dvc", "cache")
    assert cache_local == {"url": os.path.join(cache, "files", "md5", "01", "23456789abcdef0123456789abcdef")}


def test_example_registry_urls(tmp_path):
    """The URLs the README shows for fixtures/example-registry.bundle are dvc.api's."""
    built = build(EXAMPLE_REGISTRY, str(tmp_path / "example.git"), bare=True)
    queries, jobs = [], []
    for name, version in EXAMPLE_URLS:
        answer = artifacts_show(name, version=version, repo=built.path)
        queries.append(Query(0, name, version, None, answer["path"], "", "example", False))
        jobs.append(dict(repo="file://" + built.path, path=answer["path"], rev=answer["rev"], remote=None))
    answers = collect(start_peers(str(tmp_path / "peers")), jobs)
    expected = [{"url": url} for url in EXAMPLE_URLS.values()]
    assert answers == expected
    assert [ours(query, "file://" + built.path) for query in queries] == expected
    bundle = os.path.join(os.path.dirname(HERE), "fixtures", "example-registry.bundle")
    assert [ours(query, bundle) for query in queries] == expected  # the README's registry


def _config_text(rng: random.Random) -> str:
    """A DVC config file in the variants people and tools write, now and then a broken line."""
    values = ["s3://b/p", "s3://b/p # a comment", "s3://b/p#comment", '"s3://b/p#kept"', "'single'",
              "a, b", "a,", "'a, b', c", "", '"spaced value"', "with 'inner' quote", "true", "/abs/path",
              "%20encoded", " padded "]
    interpolating = ["s3://%(region)s/p", "%(jobs)s-%(port)s", "%(url)s"]
    broken = ["x, , y", '"unclosed', "'quoted' junk"]
    keys = ["url", "URL", "remote", "version_aware", "port", "region", '"quoted key"', "jobs"]
    sections = [["[core]", "[ core ]"], ["[DEFAULT]"], ["['remote \"s\"']", "['remote \"s\"'] # c"],
                ['[remote "S"]'],
                ["[remote 'q']"], ["[cache]", "[cache]   # the cache"]]
    lines: List[str] = []
    for spellings in rng.sample(sections, rng.randint(1, 3)):
        lines.append(rng.choice(spellings))
        for key in rng.sample(keys, rng.randint(0, 4)):
            draw = rng.random()
            value = rng.choice(broken if draw < 0.02 else interpolating if draw < 0.1 else values)
            lines.append(rng.choice([f"{key} = {value}", f"    {key}={value}", f"\t{key} =  {value}"]))
            if rng.random() < 0.2:
                lines.append(rng.choice(["# a comment", "", "   "]))
    if rng.random() < 0.05:
        lines.insert(rng.randint(1, len(lines)), rng.choice(["just words", "[core", lines[-1]]))
    return "\n".join(lines) + "\n"


def test_config_dialect_is_read_as_dvc_reads_it(tmp_path):
    """Random config files: the same sections and values as DVC's reader (configobj), or both refuse."""
    rng = random.Random(SEED)
    texts = [_config_text(rng) for _ in range(400)]
    answers = collect(start_peers(str(tmp_path / "peers")), [{"config": text} for text in texts])
    refused = 0
    for text, dvc in zip(texts, answers):
        try:
            mine = dvcconfig.parse_config(text, "config")
        except ArtifactsShowError as error:
            assert "error" in dvc, f"{text!r}: ours refuses ({error}), DVC reads {dvc}"
            refused += 1
            continue
        assert "parsed" in dvc, f"{text!r}: ours reads {mine}, DVC refuses: {dvc}"
        theirs = {key: value for key, value in dvc["parsed"].items() if value or key not in ("machine", "db")}
        assert mine == theirs, text
    assert 0 < refused < len(texts) // 2  # most files are read, some refused
