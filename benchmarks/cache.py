"""The shared cache, CI checkouts and offline mode (issue 17, items 1 and 4-9), measured.

    python -m benchmarks.cache              # everything, about 4 minutes on 2 cores
    python -m benchmarks.cache --quick      # fewer runs, smaller registries: about a minute

Every lookup is a process of its own, ``python -m artifacts_show`` from this checkout, as
users run it (``PYTHONPATH`` this checkout, ``ARTIFACTS_SHOW_CACHE_DIR`` a scratch folder,
no system or global git configuration). Registries are built by fixtures/builder.py and
served by ``git http-backend`` (fixtures/servers.py ``SmartHttpServer``), which counts the
HTTP requests of each row and adds a delay to every request where a row says so. Times
are medians of ``--runs`` processes (batches, for parallel rows), with min-max; requests
are per process (per batch, for parallel rows). Rows stand beside the figure issue 17
quotes as "before", where it quotes one. Sections:

1. a tag-push CI checkout (shallow, depth 1, only ``churn-model#prod#4`` of the example
   registry) answering ``churn-model --stage prod`` from its upstream, cold and warm,
   beside the same lookup with ``--repo URL`` (100 ms per request);
2. not-found names on a warm cache: requests, packs of the shared repository before and
   after, 10 typos among the names of one call (100 ms), 300 typos (plain loopback);
3. a registry whose root ``dvc.yaml`` declares N artifacts: 100, 200, 400 (and 800) names
   in one call (local, cold and warm memo), against one name and ``--list``; and 2,500
   artifacts with 10,000 tags over HTTP, ``--list`` against ``--list --paths`` (cold), memo
   files, with rich ``dvc.yaml`` entries (path, type, desc, labels) and with the path alone;
4. 16 warm lookups started together on one cache (100 ms) against the same 16 with
   ``ARTIFACTS_SHOW_NO_CACHE=1``, one lookup alone and the bare minimum (import, listing,
   ``for-each-ref``), and the batch again with a tag pushed before each batch;
5. 300 pushes with a lookup after each (plain loopback): packs, size and objects of the
   shared repository against a blobless clone, memo files, warm time after the first push
   against after the last (as measured then, and interleaved with a twin registry that had
   one push, beside ``git ls-remote`` of the same tags);
6. ``--offline`` and ``ARTIFACTS_SHOW_MAX_AGE`` on a warm cache, the server up (100 ms).

Every answer is checked; a wrong one, an unexpected exit status or a count that
contradicts docs/remote.md is listed under "Problems" at the end. Prints markdown tables;
asserts nothing about times.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from fixtures.builder import Commit, Registry, Tag, build, count_objects, git  # noqa: E402
from fixtures.checkouts import tag_push_checkout  # noqa: E402
from fixtures.registries import EXAMPLE_REGISTRY  # noqa: E402
from fixtures.servers import SmartHttpServer  # noqa: E402

T = TypeVar("T")
PROBLEMS: List[str] = []
BASE_ENV = dict(os.environ, PYTHONPATH=ROOT, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
for _name in ("ARTIFACTS_SHOW_NO_CACHE", "ARTIFACTS_SHOW_OFFLINE", "ARTIFACTS_SHOW_MAX_AGE",
              "ARTIFACTS_SHOW_REPO", "GITHUB_REF"):
    BASE_ENV.pop(_name, None)
LOOKUP = [sys.executable, "-m", "artifacts_show"]


# ---------------------------------------------------------------- processes, counts, tables

class Run:
    """One finished process: seconds, exit status, output."""

    def __init__(self, seconds: float, code: int, out: str, err: str) -> None:
        self.seconds, self.code, self.out, self.err = seconds, code, out, err


def lookup_env(cache: str, **extra: str) -> Dict[str, str]:
    return dict(BASE_ENV, ARTIFACTS_SHOW_CACHE_DIR=cache, **extra)


def run(args: Sequence[str], env: Dict[str, str], cwd: Optional[str] = None) -> Run:
    started = time.perf_counter()
    done = subprocess.run(list(args), env=env, cwd=cwd, capture_output=True, text=True)
    return Run(time.perf_counter() - started, done.returncode, done.stdout, done.stderr)


def counted(server: SmartHttpServer, action: Callable[..., T], *args: object,
            **kwargs: object) -> Tuple[T, int]:
    """What ``action(*args, **kwargs)`` returns, and the HTTP requests it made."""
    server.wait_idle()
    server.stats.clear()
    result = action(*args, **kwargs)
    server.wait_idle()
    return result, len(server.stats.requests)


def package_state() -> str:
    """A digest of the package's sources: others may change them while this runs."""
    import hashlib

    digest = hashlib.sha1()
    for path in sorted(glob.glob(os.path.join(ROOT, "artifacts_show", "*.py"))):
        with open(path, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()[:12]


def problem(text: str) -> None:
    PROBLEMS.append(text)
    print(f"PROBLEM: {text}", file=sys.stderr)


def expect(done: Run, what: str, code: int = 0, revs: Optional[Sequence[str]] = None) -> None:
    """Check the exit status and, one JSON object per line, the ``rev`` of each answer."""
    if done.code != code:
        said = " / ".join(done.err.strip().split("\n")[-3:])[-400:]
        problem(f"{what}: exit {done.code}, expected {code}; stderr: {said}")
        return
    if revs is not None:
        got = [json.loads(line).get("rev") for line in done.out.strip().split("\n") if line.strip()]
        if got != list(revs):
            problem(f"{what}: answered {summarize(got)}, expected {summarize(list(revs))}")


def summarize(revs: List[Optional[str]]) -> str:
    if len(revs) <= 3:
        return str([rev[:10] if rev else rev for rev in revs])
    distinct = sorted({str(rev)[:10] for rev in revs})
    return f"{len(revs)} answers, distinct revs {distinct[:4]}"


def seconds(samples: Sequence[float]) -> str:
    median = statistics.median(samples)
    if len(samples) == 1:
        return f"{median:.3f} s"
    return f"{median:.3f} s ({min(samples):.3f}-{max(samples):.3f})"


def span(values: Sequence[int]) -> str:
    return str(values[0]) if min(values) == max(values) else f"{min(values)}-{max(values)}"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" if index == 0 else "---:" for index in range(len(header))) + " |")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    sys.stdout.flush()


def packs(cache: str) -> int:
    return len(glob.glob(os.path.join(cache, "*", "repo.git", "objects", "pack", "*.pack")))


def memo_files(cache: str) -> int:
    return len(glob.glob(os.path.join(cache, "memo", "declared-in*")))


def shared_repo(cache: str) -> str:
    (found,) = glob.glob(os.path.join(cache, "*", "repo.git"))
    return found


def du_kib(path: str) -> int:
    du = subprocess.run(["du", "-sk", path], capture_output=True, text=True, check=True)
    return int(du.stdout.split()[0])


def tag(repo: str, name: str, target: str) -> None:
    """A registry tag pushed to the served repository (written there directly)."""
    git("tag", "-a", "-m", f"registry tag {name}", name, target, cwd=repo)


def served_example(base: str) -> Dict[str, str]:
    return build(EXAMPLE_REGISTRY, os.path.join(base, "registry.git"), bare=True).commits


# ---------------------------------------------------------------- 1. a tag-push CI checkout

def ci_checkout(scratch: str, runs: int) -> None:
    base = os.path.join(scratch, "ci")
    commits = served_example(base)
    server = SmartHttpServer(base, delay=0.1)
    try:
        url = server.url("registry.git")
        checkout = tag_push_checkout(url, ["churn-model#prod#4"], os.path.join(scratch, "ci-checkout"))
        shallow = git("rev-parse", "--is-shallow-repository", cwd=checkout).strip()
        if shallow != "true":
            problem(f"the tag-push checkout is not shallow ({shallow})")
        complete = os.path.join(scratch, "ci-complete")
        git("clone", "-q", os.path.join(base, "registry.git"), complete)
        want = [commits["churn-1"]]  # #prod#7: rolled back to v1.0.0
        rows: List[Tuple[object, ...]] = []
        cases = [
            ("shallow tag-push checkout (cwd), cold cache", [], checkout, True),
            ("shallow tag-push checkout (cwd), warm cache", [], checkout, False),
            ("`--repo URL`, cold cache", ["--repo", url], None, True),
            ("`--repo URL`, warm cache", ["--repo", url], None, False),
            ("complete clone (not shallow), local tags", [], complete, False),
        ]
        samples: Dict[str, Tuple[List[float], List[int]]] = {name: ([], []) for name, *_ in cases}
        caches = {name: os.path.join(scratch, f"ci-cache-{index}") for index, (name, *_) in enumerate(cases)}
        for name, extra, cwd, cold in cases:  # warm the warm ones
            if not cold:
                run(LOOKUP + ["churn-model", "--stage", "prod"] + extra, lookup_env(caches[name]), cwd=cwd)
        for _ in range(runs):
            for name, extra, cwd, cold in cases:
                if cold:
                    shutil.rmtree(caches[name], ignore_errors=True)
                done, requests = counted(server, run, LOOKUP + ["churn-model", "--stage", "prod"] + extra,
                                                             lookup_env(caches[name]), cwd=cwd)
                expect(done, f"item 1, {name}", revs=want)
                samples[name][0].append(done.seconds)
                samples[name][1].append(requests)
        before = {
            cases[0][0]: "v1.1.0's commit (wrong), exit 0, no request",
            cases[1][0]: "v1.1.0's commit (wrong), exit 0, no request",
        }
        expected = {cases[0][0]: 5, cases[1][0]: 2, cases[2][0]: 5, cases[3][0]: 2, cases[4][0]: 0}
        for name, (times, counts) in samples.items():
            if set(counts) != {expected[name]}:
                problem(f"item 1, {name}: {span(counts)} requests, docs/ci.md and remote.md say "
                        f"{expected[name]}")
            rows.append((name, span(counts), seconds(times), before.get(name, "")))
        table(f"Item 1: a tag-push CI checkout (only `churn-model#prod#4`, depth 1), "
              f"`churn-model --stage prod`, 100 ms per request ({runs} runs)",
              ["lookup", "requests", "time", "before (issue 17)"], rows)
    finally:
        server.stop()


# ---------------------------------------------------------------- 2. not-found names

def not_found(scratch: str, runs: int, many_typos: int) -> None:
    base = os.path.join(scratch, "nf")
    commits = served_example(base)
    slow = SmartHttpServer(base, delay=0.1)
    fast = SmartHttpServer(base)
    rows: List[Tuple[object, ...]] = []
    try:
        url = slow.url("registry.git")
        cache = os.path.join(scratch, "nf-cache")
        env = lookup_env(cache)
        good = LOOKUP + ["churn-model", "--stage", "prod", "--repo", url]
        expect(run(good, env), "item 2, warming")
        expect(run(good, env), "item 2, warming")
        warm_times, warm_requests = [], []
        for _ in range(runs):
            done, requests = counted(slow, run, good, env)
            expect(done, "item 2, warm lookup", revs=[commits["churn-1"]])
            warm_times.append(done.seconds)
            warm_requests.append(requests)
        rows.append(("warm lookup, one name found (reference)", span(warm_requests), seconds(warm_times),
                     f"{packs(cache)}", "2 requests"))
        times, requests_seen, packs_seen, next_requests = [], [], [], []
        for attempt in range(runs):  # a name never asked before, each time
            before = packs(cache)
            missing = LOOKUP + [f"not-registered-yet-{attempt}", "--repo", url]
            done, requests = counted(slow, run, missing, env)
            expect(done, "item 2, not-registered-yet", code=1)
            after = packs(cache)
            packs_seen.append(f"{before} -> {after}")
            times.append(done.seconds)
            requests_seen.append(requests)
            done, requests = counted(slow, run, good, env)
            expect(done, "item 2, the good lookup after a not-found", revs=[commits["churn-1"]])
            next_requests.append(requests)
        rows.append(("`not-registered-yet-<n>` (a new name each run), warm", span(requests_seen),
                     seconds(times),
                     ", ".join(sorted(set(packs_seen))), "5-7 requests; packs 2 -> 0"))
        rows.append(("the good lookup right after it", span(next_requests), "", f"{packs(cache)}",
                     "5 (cold again)"))
        if max(requests_seen) > 4:
            problem(f"item 4: a warm not-found made {span(requests_seen)} requests (docs: 4)")
        if any(before != after for before, after in (seen.split(" -> ") for seen in packs_seen)):
            problem(f"item 4: a not-found changed the packs of the shared repository: {packs_seen}")
        if max(next_requests) > 2:
            problem(f"item 4: the good lookup after a not-found made {span(next_requests)} requests "
                    "(warm: 2)")

        expect(run(LOOKUP + ["churn-model", "--repo", url], env), "item 5, warming churn-model (latest)")
        for label, fresh in (("new typos each run", True), ("the same typos again", False)):
            times, requests_seen, packs_seen = [], [], []
            for attempt in range(runs):
                batch_of = attempt if fresh else runs - 1  # again: the last run's new typos
                typos = [f"typo{batch_of}-{index}-model" for index in range(10)]
                before = packs(cache)
                done, requests = counted(slow, run, LOOKUP + ["churn-model", *typos, "--repo", url], env)
                expect(done, f"item 5, 10 typos ({label})", code=1)
                first = done.out.strip().split("\n")[0] if done.out.strip() else "{}"
                if json.loads(first).get("rev") != commits["churn-3"]:
                    problem(f"item 5, 10 typos: the found name answered {first[:120]}")
                times.append(done.seconds)
                requests_seen.append(requests)
                packs_seen.append(f"{before} -> {packs(cache)}")
            rows.append((f"`churn-model` + 10 typos, one call, warm ({label})", span(requests_seen),
                         seconds(times),
                         ", ".join(packs_seen), "22 requests, 2.5 s"))
            if max(requests_seen) > 4:
                problem(f"item 5: 10 typos ({label}) in one call made {requests_seen} requests, warm "
                        "(bound: 4), "
                        f"packs {packs_seen}")

        fast_url = fast.url("registry.git")
        fast_good = LOOKUP + ["churn-model", "--stage", "prod", "--repo", fast_url]
        expect(run(fast_good, env), "item 5, warming loopback")
        expect(run(fast_good, env), "item 5, warming loopback")
        times, requests_seen, single = [], [], []
        for attempt in range(runs):
            many = [f"typo{attempt}-{index}-model" for index in range(many_typos)]  # new typos each run
            done, requests = counted(fast, run, LOOKUP + ["churn-model", *many, "--repo", fast_url], env)
            expect(done, f"item 5, {many_typos} typos", code=1)
            times.append(done.seconds)
            requests_seen.append(requests)
            single.append(run(fast_good, env).seconds)
        rows.append(("warm lookup, one name found, plain loopback (reference)", "", seconds(single), "", ""))
        rows.append((f"`churn-model` + {many_typos} new typos, one call, warm, plain loopback",
                     span(requests_seen),
                     seconds(times), "", "9 s" if many_typos == 300 else ""))
    finally:
        slow.stop()
        fast.stop()
    table(f"Items 4-5: names not found, warm cache, 100 ms per request unless said ({runs} runs)",
          ["lookup", "requests", "time", "packs in the shared repository", "before (issue 17)"], rows)


# ---------------------------------------------------------------- 3. many artifacts in one dvc.yaml

def monorepo(artifacts: int, rich: bool = True) -> Tuple[Registry, List[str]]:
    """A root dvc.yaml declaring ``artifacts`` artifacts (``rich``: path, type, desc and labels each;
    else the path alone), rewritten by the second commit; four tags each: v1.0.0 on C0, v1.1.0 on
    C1, #dev#1 on C1, #prod#2 on C0 (prod at the first file)."""
    names = [f"model-{index:04d}" for index in range(artifacts)]

    def dvc_yaml(generation: int) -> str:
        return "artifacts:\n" + "".join(
            f"  {name}:\n    path: models/{name}-g{generation}.pkl\n" + (
                f"    type: model\n    desc: model {name}, generation {generation}\n"
                f"    labels: [team-{index % 7}, monorepo]\n" if rich else "")
            for index, name in enumerate(names))

    commits = [Commit("C0", {"dvc.yaml": dvc_yaml(0), "README.md": "a monorepo registry\n"}),
               Commit("C1", {"dvc.yaml": dvc_yaml(1)}),
               Commit("C2", {"README.md": "a monorepo registry, later\n"})]
    tags = []
    for name in names:
        tags += [Tag(f"{name}@v1.0.0", "C0"), Tag(f"{name}@v1.1.0", "C1"),
                 Tag(f"{name}#dev#1", "C1"), Tag(f"{name}#prod#2", "C0")]
    return Registry(commits, tags), names


def many_names(scratch: str, runs: int, sizes: Sequence[int], target: int, wide: int) -> None:
    rows: List[Tuple[object, ...]] = []
    results: Dict[int, Tuple[float, float]] = {}
    before = {100: "0.25 s", 200: "0.82 s", 400: "3.3 s"}
    for size in sizes:
        registry, names = monorepo(size)
        built = build(registry, os.path.join(scratch, f"mono-{size}"))
        cache = os.path.join(scratch, f"mono-cache-{size}")
        args = LOOKUP + names + ["--repo", built.path]
        cold, warm = [], []
        memo_after = 0
        for _ in range(runs):
            shutil.rmtree(cache, ignore_errors=True)
            done = run(args, lookup_env(cache))
            expect(done, f"item 6, {size} names, cold", revs=[built.commits["C1"]] * size)
            cold.append(done.seconds)
            memo_after = memo_files(cache)
            done = run(args, lookup_env(cache))
            expect(done, f"item 6, {size} names, warm", revs=[built.commits["C1"]] * size)
            warm.append(done.seconds)
        results[size] = (statistics.median(cold), statistics.median(warm))
        rows.append((f"{size} names, one call", seconds(cold), seconds(warm), memo_after,
                     before.get(size, "")))
        if size == target:
            one: List[float] = []
            listing: List[float] = []
            for _ in range(runs):
                shutil.rmtree(cache, ignore_errors=True)
                done = run(LOOKUP + [names[0], "--repo", built.path], lookup_env(cache))
                expect(done, "item 6, one name", revs=[built.commits["C1"]])
                one.append(done.seconds)
                shutil.rmtree(cache, ignore_errors=True)
                done = run(LOOKUP + ["--list", "--repo", built.path], lookup_env(cache))
                expect(done, "item 6, --list")
                listing.append(done.seconds)
                if done.code == 0 and len(json.loads(done.out)) != size:
                    problem(f"item 6: --list on {size} artifacts listed {len(json.loads(done.out))}")
            rows.append((f"1 name of the {size}", seconds(one), "", "", ""))
            rows.append((f"`--list` of the {size}", seconds(listing), "", "", ""))
            results[0] = (statistics.median(one), statistics.median(listing))
    table(f"Item 6: N names of one commit, root dvc.yaml declaring N artifacts (4 tags each), "
          f"local repository ({runs} runs)",
          ["lookup", "cold cache", "warm cache", "memo files after cold", "before (issue 17)"], rows)
    for column, label in ((0, "cold"), (1, "warm")):
        grown = [(small, large, results[large][column] - results[small][column])
                 for small, large in zip(sizes, sizes[1:])]
        steps = [f"{small} -> {large} names: +{added * 1000:.0f} ms "
                 f"({added / (large - small) * 1000:.2f} ms a name)" for small, large, added in grown]
        print(f"\nGrowth, {label}: " + "; ".join(steps))
    one_name, whole_list = results[0]
    print(f"{target} names cold {results[target][0]:.3f} s against 2 x (one name {one_name:.3f} s + --list "
          f"{whole_list:.3f} s) = {2 * (one_name + whole_list):.3f} s")

    # 2,500 artifacts, 10,000 tags, over HTTP on plain loopback
    rows = []
    for rich in (True, False):
        wide_rows(scratch, runs, wide, rich, rows)
    table(f"Item 6: {wide} artifacts, {4 * wide} tags, over HTTP on plain loopback, cold = a new cache "
          f"({runs} runs)", ["lookup", "requests, cold", "cold cache", "warm cache", "memo files after cold",
                             "before (issue 17)"], rows)


def wide_rows(scratch: str, runs: int, wide: int, rich: bool, rows: List[Tuple[object, ...]]) -> None:
    """``--list`` and ``--list --paths`` of ``wide`` artifacts, taken in turns, cold then warm."""
    registry, names = monorepo(wide, rich)
    shape = "path, type, desc, labels" if rich else "path only"
    base = os.path.join(scratch, f"wide-{rich}")
    built = build(registry, os.path.join(base, "registry.git"), bare=True)
    server = SmartHttpServer(base)
    kinds: List[Tuple[str, List[str], str]] = [("`--list`", [], "0.85 s"),
                                               ("`--list --paths`", ["--paths"], "305 s")]
    cold: Dict[str, List[float]] = {label: [] for label, *_ in kinds}
    warm: Dict[str, List[float]] = {label: [] for label, *_ in kinds}
    requests_seen: Dict[str, List[int]] = {label: [] for label, *_ in kinds}
    memo_after: Dict[str, int] = {}
    try:
        url = server.url("registry.git")
        cache = os.path.join(scratch, f"wide-cache-{rich}")
        for _ in range(runs):
            for label, extra, _before in kinds:
                if cold[label] and max(cold[label]) > 60:
                    continue  # too slow to repeat
                shutil.rmtree(cache, ignore_errors=True)
                command = LOOKUP + ["--list", *extra, "--repo", url]
                done, requests = counted(server, run, command, lookup_env(cache))
                expect(done, f"item 6, {label} of {wide}")
                cold[label].append(done.seconds)
                requests_seen[label].append(requests)
                memo_after[label] = memo_files(cache)
                if done.code == 0:
                    listed = json.loads(done.out)
                    first = listed.get(names[0], {})
                    want_path = "models/model-0000-g0.pkl" if extra else None
                    prod = first.get("stages", {}).get("prod", {})
                    if len(listed) != wide or prod.get("rev") != built.commits["C0"] \
                            or first.get("latest", {}).get("rev") != built.commits["C1"] \
                            or prod.get("path") != want_path:
                        problem(f"item 6, {label}: {len(listed)} artifacts listed, {names[0]}: {first}")
                warm[label].append(run(command, lookup_env(cache)).seconds)
    finally:
        server.stop()
    ratio = statistics.median(cold[kinds[1][0]]) / statistics.median(cold[kinds[0][0]])
    for index, (label, _extra, before_figure) in enumerate(kinds):
        said = f"{label} (dvc.yaml entries: {shape})" + (f"; {ratio:.2f}x `--list`" if index else "")
        rows.append((said, span(requests_seen[label]), seconds(cold[label]), seconds(warm[label]),
                     memo_after[label], before_figure))


# ---------------------------------------------------------------- 4. parallel lookups

def batch(commands: List[Tuple[List[str], Dict[str, str]]]) -> Tuple[float, List[Run]]:
    """Start every command at once; seconds until the last ended, and each one's run."""
    started = time.perf_counter()
    processes = [(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True), time.perf_counter()) for command, env in commands]
    runs = []
    for process, began in processes:
        out, err = process.communicate()
        runs.append(Run(time.perf_counter() - began, process.returncode, out, err))
    return time.perf_counter() - started, runs


def parallel(scratch: str, runs: int, jobs: int) -> None:
    base = os.path.join(scratch, "par")
    commits = served_example(base)
    served = os.path.join(base, "registry.git")
    server = SmartHttpServer(base, delay=0.1)
    empty = os.path.join(scratch, "par-empty")
    git("init", "-q", "--bare", empty)
    try:
        url = server.url("registry.git")
        cache = os.path.join(scratch, "par-cache")
        lookup = LOOKUP + ["churn-model", "--stage", "prod", "--repo", url]
        expect(run(lookup, lookup_env(cache)), "item 7, warming")
        expect(run(lookup, lookup_env(cache)), "item 7, warming")
        minimum = ["sh", "-c", f"{sys.executable} -c 'import artifacts_show.cli' && "
                   f"git ls-remote --tags {url} 'refs/tags/churn-model*' >/dev/null && "
                   f"git -C {empty} for-each-ref >/dev/null"]
        variants: Dict[str, Callable[[], List[Tuple[List[str], Dict[str, str]]]]] = {
            f"{jobs} warm lookups at once, one shared cache": lambda: [(lookup, lookup_env(cache))] * jobs,
            f"{jobs} lookups at once, `ARTIFACTS_SHOW_NO_CACHE=1`":
                lambda: [(lookup, lookup_env(cache, ARTIFACTS_SHOW_NO_CACHE="1"))] * jobs,
            "one warm lookup alone": lambda: [(lookup, lookup_env(cache))],
            f"bare minimum x {jobs} (import + `ls-remote` by prefix + `for-each-ref`)":
                lambda: [(minimum, BASE_ENV)] * jobs,
        }
        before = ["4.0-4.2 s", "1.55 s", "0.26 s", "0.62-0.73 s"]
        samples: Dict[str, Tuple[List[float], List[int]]] = {name: ([], []) for name in variants}
        for _ in range(runs):
            for name, commands in variants.items():
                (wall, done), requests = counted(server, batch, commands())
                samples[name][0].append(wall)
                samples[name][1].append(requests)
                for each in done:
                    revs = None if name.startswith("bare") else [commits["churn-1"]]
                    expect(each, f"item 7, {name}", revs=revs)
        rows = [(name, span(requests), seconds(times), figure)
                for (name, (times, requests)), figure in zip(samples.items(), before)]

        # A tag pushed before each batch: the answer changes every time.
        targets = [commits["churn-3"], commits["churn-1"]]
        times, requests_seen, wrong = [], [], 0
        counter = 8
        pushed_runs = max(runs, 5)
        for index in range(pushed_runs):
            want = targets[index % 2]
            tag(served, f"churn-model#prod#{counter}", want)
            counter += 1
            (wall, done), requests = counted(server, batch, [(lookup, lookup_env(cache))] * jobs)
            times.append(wall)
            requests_seen.append(requests)
            for each in done:
                before_problems = len(PROBLEMS)
                expect(each, f"item 7, batch after pushing #prod#{counter - 1}", revs=[want])
                wrong += len(PROBLEMS) > before_problems
        rows.append((f"{jobs} warm lookups at once, one shared cache, a tag pushed before each batch "
                     f"({pushed_runs} batches; wrong or failed answers: {wrong} of {pushed_runs * jobs})",
                     span(requests_seen), seconds(times), ""))
    finally:
        server.stop()
    table(f"Item 7: parallel lookups, `churn-model --stage prod --repo URL`, 100 ms per request, "
          f"wall time of the whole batch ({runs} batches)",
          ["batch", "requests per batch", "time", "before (issue 17)"], rows)


# ---------------------------------------------------------------- 5. hundreds of pushes

def new_commit(repo: str, parent: str, dvc_yaml_blob: str, content: str) -> str:
    model = git("hash-object", "-w", "--stdin", cwd=repo, stdin=content.encode()).strip()
    tree = git("mktree", cwd=repo, stdin=f"100644 blob {dvc_yaml_blob}\tdvc.yaml\n"
               f"100644 blob {model}\tm.pkl.dvc\n".encode()).strip()
    commit = git("commit-tree", tree, "-p", parent, "-m", f"train {content}", cwd=repo).strip()
    git("update-ref", "refs/heads/main", commit, cwd=repo)
    return commit


class Pushed:
    """A registry of one artifact, ``m``, receiving pushes: a stage tag each, a new version (a new
    commit) every 7th; ``want`` is the commit in prod after the last push."""

    def __init__(self, path: str) -> None:
        yaml = "artifacts:\n  m:\n    path: m.pkl\n    type: model\n"
        first = Commit("C0", {"dvc.yaml": yaml, "m.pkl.dvc": "outs:\n- md5: 0\n  path: m.pkl\n"})
        built = build(Registry([first], [Tag("m@v1.0.0", "C0")]), path, bare=True)
        self.path = path
        self.yaml_blob = git("rev-parse", "main:dvc.yaml", cwd=path).strip()
        self.versions = [built.commits["C0"]]
        self.want = self.versions[0]

    def push(self, number: int) -> str:
        if number % 7 == 0:  # a new version: a new commit
            self.versions.append(new_commit(self.path, self.versions[-1], self.yaml_blob,
                                            f"outs:\n- md5: {number}\n  path: m.pkl\n"))
            tag(self.path, f"m@v1.{number}.0", self.versions[-1])
        self.want = self.versions[-1 - number % min(3, len(self.versions))]  # one of the last three versions
        tag(self.path, f"m#prod#{number}", self.want)
        return self.want


def pushes(scratch: str, count: int, timed: int) -> None:
    base = os.path.join(scratch, "push")
    registry = Pushed(os.path.join(base, "registry.git"))
    served = registry.path
    twin = Pushed(os.path.join(base, "twin.git"))  # the same registry after its first push, for interleaving
    server = SmartHttpServer(base)
    url = server.url("registry.git")
    cache = os.path.join(scratch, "push-cache")
    env = lookup_env(cache)
    lookup = LOOKUP + ["m", "--stage", "prod", "--repo", url]
    twin_env = lookup_env(os.path.join(scratch, "push-twin-cache"))
    twin_lookup = LOOKUP + ["m", "--stage", "prod", "--repo", server.url("twin.git")]

    def warm_times(want: str) -> Tuple[List[float], List[int]]:
        times, requests_seen = [], []
        for _ in range(timed):
            done, requests = counted(server, run, lookup, env)
            expect(done, "item 8, warm lookup", revs=[want])
            times.append(done.seconds)
            requests_seen.append(requests)
        return times, requests_seen

    rows: List[Tuple[object, ...]] = []
    try:
        started = time.perf_counter()
        first_times: List[float] = []
        lookup_requests = []
        for push in range(1, count + 1):
            want = registry.push(push)
            done, requests = counted(server, run, lookup, env)
            expect(done, f"item 8, lookup after push {push}", revs=[want])
            lookup_requests.append(requests)
            if push == 1:
                first_times, first_requests = warm_times(want)
                first_packs = packs(cache)
        last_times, last_requests = warm_times(want)
        elapsed = time.perf_counter() - started
        twin.push(1)
        expect(run(twin_lookup, twin_env), "item 8, the twin after one push", revs=[twin.want])
        interleaved: Dict[str, List[float]] = {"one": [], "all": [], "ls-one": [], "ls-all": []}
        for _ in range(timed):
            for key, command, command_env, registry_url, answer in (
                    ("one", twin_lookup, twin_env, server.url("twin.git"), twin.want),
                    ("all", lookup, env, url, want)):
                done = run(command, command_env)
                expect(done, f"item 8, interleaved warm lookup ({key})", revs=[answer])
                interleaved[key].append(done.seconds)
                listing = ["git", "ls-remote", registry_url, "refs/tags/m@*", "refs/tags/m#*"]
                interleaved["ls-" + key].append(run(listing, BASE_ENV).seconds)
        shared = shared_repo(cache)
        objects = count_objects(shared)
        blobless = os.path.join(scratch, "push-blobless.git")
        git("clone", "-q", "--bare", "--filter=blob:none", f"file://{served}", blobless)
        clone_objects = count_objects(blobless)
        full = os.path.join(scratch, "push-full.git")
        git("clone", "-q", "--bare", f"file://{served}", full)
        medians = {key: statistics.median(values) for key, values in interleaved.items()}
        rows = [
            ("packs in the shared repository",
             f"{first_packs} after push 1; {packs(cache)} after push {count}",
             "602", "at most 50"),
            ("size of the shared repository (`du -sk repo.git`)", f"{du_kib(shared)} KiB", "8.1 MB",
             f"bare clone {du_kib(full)} KiB, blobless bare clone {du_kib(blobless)} KiB"),
            ("objects, `count-objects -v` in-pack + count", f"{objects['in-pack'] + objects['count']} "
             f"(size-pack {objects['size-pack']} KiB, loose {objects['count']})", "",
             f"blobless clone {clone_objects['in-pack'] + clone_objects['count']} "
             f"(size-pack {clone_objects['size-pack']} KiB); at most 2x"),
            ("memo files (`memo/declared-in*`)", memo_files(cache), "302", "bounded (1,000 facts)"),
            ("requests per lookup after a push", span(sorted(lookup_requests)), "", ""),
            (f"warm lookup after push 1 ({timed} runs, measured then)",
             f"{seconds(first_times)}, {span(first_requests)} requests", "77 ms", ""),
            (f"warm lookup after push {count} ({timed} runs, measured then)",
             f"{seconds(last_times)}, {span(last_requests)} requests", "134 ms",
             f"ratio {statistics.median(last_times) / statistics.median(first_times):.2f}; at most 1.2x"),
            (f"warm lookup, interleaved: a twin registry after 1 push / this one after {count} "
             f"({timed} runs each)", f"{seconds(interleaved['one'])} / {seconds(interleaved['all'])}", "",
             f"ratio {medians['all'] / medians['one']:.2f}; at most 1.2x"),
            ("`git ls-remote` of `m`'s tags, interleaved likewise (the listing's own growth)",
             f"{seconds(interleaved['ls-one'])} / {seconds(interleaved['ls-all'])}", "",
             f"+{(medians['ls-all'] - medians['ls-one']) * 1000:.0f} ms"),
        ]
        if objects["in-pack"] + objects["count"] > 2 * (clone_objects["in-pack"] + clone_objects["count"]):
            problem(f"item 8: the shared repository holds {objects} against a blobless clone's "
                    f"{clone_objects}")
        if packs(cache) > 17:
            problem(f"item 8: {packs(cache)} packs after {count} pushes (docs/remote.md: at most 17)")
    finally:
        server.stop()
    table(f"Item 8: {count} pushes (a tag each, a new version and commit every 7th), a lookup after each, "
          f"HTTP on plain loopback ({elapsed:.0f} s in all)",
          ["measure", "now", "before (issue 17)", "target / beside"], rows)


# ---------------------------------------------------------------- 6. offline and a freshness window

def offline(scratch: str, runs: int) -> None:
    base = os.path.join(scratch, "off")
    commits = served_example(base)
    server = SmartHttpServer(base, delay=0.1)
    rows: List[Tuple[object, ...]] = []
    try:
        url = server.url("registry.git")
        cache = os.path.join(scratch, "off-cache")
        lookup = LOOKUP + ["churn-model", "--stage", "prod", "--repo", url]
        expect(run(lookup, lookup_env(cache)), "item 9, warming")
        cases = [
            ("normal warm lookup", [], {}),
            ("`--offline`", ["--offline"], {}),
            ("`ARTIFACTS_SHOW_OFFLINE=1`", [], {"ARTIFACTS_SHOW_OFFLINE": "1"}),
            ("`ARTIFACTS_SHOW_MAX_AGE=3600`", [], {"ARTIFACTS_SHOW_MAX_AGE": "3600"}),
        ]
        samples: Dict[str, Tuple[List[float], List[int], str]] = {name: ([], [], "") for name, *_ in cases}
        for _ in range(runs):
            for name, extra, variables in cases:
                done, requests = counted(server, run, lookup + extra, lookup_env(cache, **variables))
                expect(done, f"item 9, {name}", revs=[commits["churn-1"]])
                samples[name][0].append(done.seconds)
                samples[name][1].append(requests)
                samples[name] = (samples[name][0], samples[name][1], done.err.strip().split("\n")[-1][:90])
        for name, (times, counts, said) in samples.items():
            if name != "normal warm lookup" and max(counts) != 0:
                problem(f"item 9: {name} made {span(counts)} requests with the server up (docs: 0)")
            rows.append((name, span(counts), seconds(times), f"`{said}`" if said else ""))
        server.stop()
        times = []
        for _ in range(runs):
            done = run(lookup + ["--offline"], lookup_env(cache))
            expect(done, "item 9, --offline, the server stopped", revs=[commits["churn-1"]])
            times.append(done.seconds)
        rows.append(("`--offline`, the server stopped", 0, seconds(times), ""))
        done = run(LOOKUP + ["nlp:bert", "--offline", "--repo", url], lookup_env(cache))
        expect(done, "item 9, --offline without a listing of the artifact", code=3)
        rows.append(("`nlp:bert --offline` (never listed), the server stopped", 0, f"exit {done.code}",
                     f"`{done.err.strip().splitlines()[0][:120] if done.err.strip() else ''}`"))
    finally:
        server.stop()
    table(f"Item 9: offline and a freshness window, warm cache, the server up, 100 ms per request "
          f"({runs} runs)",
          ["lookup", "requests", "time", "stderr (last line)"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller registries")
    parser.add_argument("--runs", type=int, default=None, help="runs (batches) per row (5; --quick: 2)")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    started, load, state = time.monotonic(), os.getloadavg()[0], package_state()
    scratch = tempfile.mkdtemp(prefix="bench-cache-")
    try:
        git("--version")  # fails early without git
        ci_checkout(scratch, runs)
        not_found(scratch, runs, 60 if args.quick else 300)
        if args.quick:
            many_names(scratch, runs, [50, 100, 200], 100, 500)
        else:
            many_names(scratch, runs, [100, 200, 400, 800], 400, 2500)
        parallel(scratch, 2 if args.quick else 3, 16)
        pushes(scratch, 60 if args.quick else 300, 3 if args.quick else 9)
        offline(scratch, runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("\n### Problems\n")
    shown = PROBLEMS[:12] + ([f"... and {len(PROBLEMS) - 12} more"] if len(PROBLEMS) > 12 else [])
    print("\n".join(f"- {text}" for text in shown) if PROBLEMS
          else "none: every answer right, every count as documented")
    now = package_state()
    changed = "" if now == state else f"; THE PACKAGE CHANGED DURING THE RUN ({state} -> {now}): run again"
    print(f"\n({time.monotonic() - started:.0f} s; load average {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end; package sources {state}{changed})")


if __name__ == "__main__":
    main()
