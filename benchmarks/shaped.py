"""Remote lookups on registries shaped like real ones, against the same answer got by hand.

Each registry of fixtures/gto_registry.py is served by git http-backend on
127.0.0.1 through :class:`fixtures.servers.SmartHttpServer`, on two networks:
a wide one (a delay added to every request and a bandwidth limit, 50 ms and
20 Mbit/s unless told otherwise) and plain loopback. Per lookup kind it
measures, as whole processes taken in turns:

- **cold**: the installed ``artifacts-show`` with a cache that has seen no
  lookup of this URL (the git version already remembered, as after any earlier
  lookup);
- **warm**: the same lookup again, with a cache warmed by that lookup;
- **floor**: the same answer by hand, as a shell script of git commands:
  ``git ls-remote --tags``, a depth-1 blobless fetch of the answer's tag into
  a fresh bare repository that has the remote as promisor, ``git cat-file -p
  <commit>:<dvc.yaml>`` (its blob comes by a lazy fetch): 7 requests. The
  fetch says ``--no-tags``: without it git also follows the other tags that
  point at the fetched commit, with a second listing of every tag and three
  more requests, which no one needs for the answer;

and, once per registry and network, ``git ls-remote --tags`` alone, ``git
clone --bare`` of the whole registry, and (where asked) ``dvc.api.artifacts_show``.
Every process's HTTP requests and bytes are counted by the server. Medians.

Lookup kinds are data (:class:`Kind`): what artifacts-show is asked, and what
the floor fetches and reads for the same answer. Kinds to come (``--list``,
several names in one call, ``--url``) are rows of :func:`kinds_of`.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import shlex
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from fixtures import builder, gto_registry
from fixtures.builder import BuiltRepo, build, git
from fixtures.gto_registry import ShapedRegistry
from fixtures.servers import SmartHttpServer

from .processes import VENVS, Failed, measure_once

ROUND_BUDGET = 60.0
"""Seconds: rounds of a block go on until ``--runs`` are taken or this much time has passed (3 at least)."""
QUICK_CLONE_LIMIT = 32 << 20
"""Bytes of history above which --quick does not clone the registry (a clone of the
GTO-shaped registry takes half a minute at 20 Mbit/s, far from any lookup)."""
SLOW_BUDGET = 40.0
"""Seconds: a slow row (clone, dvc.api) takes another sample only while it has taken less than this."""


@dataclass(frozen=True)
class Network:
    label: str
    delay: float  # seconds added to every request
    rate: Optional[float]  # bytes per second, each way; None: no limit

    @property
    def wide(self) -> bool:
        return bool(self.delay or self.rate)


def networks(delay_ms: float, mbit: float) -> Tuple[Network, Network]:
    """The wide network of the options, and plain loopback."""
    parts = [f"{delay_ms:g} ms per request" if delay_ms else "", f"{mbit:g} Mbit/s" if mbit else ""]
    wide = Network(", ".join(part for part in parts if part) or "plain loopback", delay_ms / 1000,
                   mbit * 1e6 / 8 if mbit else None)
    return wide, Network("plain loopback", 0.0, None)


@dataclass(frozen=True)
class Kind:
    """A lookup kind: how artifacts-show is called, and how the floor gets the same answer."""

    label: str
    args: Tuple[str, ...]  # artifacts-show's arguments; "--repo URL" is appended
    reads: Tuple[Tuple[str, str], ...]  # (tag, file): the floor fetches the tag's commit, reads the file
    expected: Optional[Dict[str, str]] = None  # what the JSON output must hold; None: not checked
    single: bool = True  # one lookup (issue 9's targets); False: several names, --list, --url


def kinds_of(shaped: ShapedRegistry, built: BuiltRepo) -> List[Kind]:
    """The lookup kinds measured on a registry: one per lookup its data names, then
    several names in one call, the overview (``--list``) and the storage URL (``--url``),
    where the registry has them. The floor of each reads what the answers read."""
    kinds = [
        Kind(lookup.kind, tuple(lookup.cli_args()), ((lookup.tag, lookup.dvc_yaml),),
             {"rev": built.commits[lookup.commit], "path": lookup.path})
        for lookup in shaped.lookups
    ]
    from artifacts_show import Registry

    stage_names = [name for name in ("model", "tokenizer", "embedder", "ranker")
                   if any(tag.name.startswith(f"{name}#prod") for tag in shaped.registry.tags)]
    if len(stage_names) > 1:
        with Registry(built.path, artifacts=stage_names) as registry:
            answers = [registry.show(name, stage="prod") for name in stage_names]
        reads = tuple((_tag_of(built, name, answer["rev"]), "dvc.yaml")
                      for name, answer in zip(stage_names, answers))
        kinds.append(Kind(f"{len(stage_names)} names, stage prod", (*stage_names, "--stage", "prod"), reads,
                          single=False))
    kinds.append(Kind("--list", ("--list",), (), single=False))
    if any(path.endswith(".dvc") for commit in shaped.registry.commits for path in commit.files):
        lookup = shaped.lookup("stage prod")
        tag = lookup.tag
        kinds.append(Kind("stage prod --url", (*lookup.cli_args(), "--url"),
                          ((tag, lookup.dvc_yaml), (tag, lookup.path + ".dvc"), (tag, ".dvc/config")),
                          {"rev": built.commits[lookup.commit]}, single=False))
    return kinds


def _tag_of(built: BuiltRepo, artifact: str, commit: str) -> str:
    """A tag of ``artifact`` naming ``commit`` (the floor fetches the commit by it)."""
    tags = git("tag", "--points-at", commit, cwd=built.path).split()
    prefix = artifact.replace(":", "=")
    return next(tag for tag in tags if tag.startswith((prefix + "@", prefix + "#")))


@dataclass(frozen=True)
class Shape:
    key: str
    title: str
    make: Callable[[argparse.Namespace], ShapedRegistry]
    kinds: Optional[Tuple[str, ...]] = None  # the kinds measured; None: all
    loopback: bool = True  # also on plain loopback
    dvc: bool = False  # also dvc.api.artifacts_show (stage prod), cold
    local: bool = False  # also each kind on a local clone


SHAPES = [
    Shape("gto", "GTO-shaped: {commits} commits, 20 artifacts, 822 tags",
          lambda args: gto_registry.gto_shaped(args.commits, args.blob_kib * 1024), dvc=True, local=True),
    Shape("others", "the same plus {others_tags:,} tags of {others} other artifacts",
          lambda args: gto_registry.gto_shaped(args.commits, args.blob_kib * 1024,
                                               other_artifacts=args.others),
          kinds=("stage prod", "latest"), loopback=False),
    Shape("nightly", "nightly: {nightly:,} versions of one artifact, {nightly_deregistered} deregistered",
          lambda args: gto_registry.nightly(args.nightly)),
]


@dataclass
class Sample:
    seconds: float
    memory: int  # KiB
    requests: int
    sent: int  # response bytes
    received: int  # request bytes


@dataclass
class Row:
    samples: List[Sample] = field(default_factory=list)
    failure: str = ""

    def median(self, what: str) -> float:
        if not self.samples:
            return float("nan")
        return statistics.median(getattr(sample, what) for sample in self.samples)

    @property
    def seconds(self) -> float:
        return self.median("seconds")

    @property
    def requests(self) -> float:
        return self.median("requests")

    @property
    def sent(self) -> float:
        return self.median("sent")

    def as_json(self) -> Dict[str, object]:
        return {"runs": len(self.samples), "seconds": self.seconds, "requests": self.requests,
                "sent": self.sent, "received": self.median("received"), "failure": self.failure}


@dataclass
class Block:
    """One registry on one network."""

    shape: Shape
    title: str
    network: Network
    history: int  # bytes of objects
    kinds: List[Kind]
    rows: Dict[Tuple[str, str], Row]  # (kind, "cold" | "warm" | "floor" | "local") -> row
    listing: Row
    clone: Row
    steps: Row  # the slowest single kind's git steps alone (steps_script), measured with the clone
    dvc: Optional[Row]
    answers: Dict[str, str]  # kind -> "ok" or what went wrong

    def row(self, kind: str, mode: str) -> Row:
        return self.rows.get((kind, mode)) or Row(failure="not measured")


def built_registry(shape: Shape, args: argparse.Namespace) -> Tuple[str, ShapedRegistry, BuiltRepo]:
    """The shape's registry as ``<folder>/registry.git``, built once per content in
    .bench/registries/ (the key covers the generator's source and the arguments).
    Its refs are packed, as a hosting service keeps them: 20,000 loose ref files
    would make the server, not the lookup, slow."""
    shaped = shape.make(args)
    sources = "".join(inspect.getsource(module) for module in (builder, gto_registry)) + "packed refs"
    key = hashlib.sha256(f"{sources}{shape.key}{args.commits}{args.blob_kib}{args.others}{args.nightly}"
                         .encode()).hexdigest()[:16]
    folder = os.path.join(VENVS, "registries", f"{shape.key}-{key}")
    commits_file = os.path.join(folder, "commits.json")
    if not os.path.exists(commits_file):
        shutil.rmtree(folder, ignore_errors=True)
        built = build(shaped.registry, os.path.join(folder, "registry.git"), bare=True)
        git("pack-refs", "--all", cwd=built.path)
        with open(commits_file + ".tmp", "w") as out:
            json.dump(built.commits, out)
        os.replace(commits_file + ".tmp", commits_file)
    with open(commits_file) as commits:
        return folder, shaped, BuiltRepo(os.path.join(folder, "registry.git"), json.load(commits))


def objects_size(repo: str) -> int:
    return sum(os.path.getsize(os.path.join(folder, name))
               for folder, _, names in os.walk(os.path.join(repo, "objects")) for name in names)


def floor_script(url: str, reads: Sequence[Tuple[str, str]], target: str) -> List[str]:
    """The same answer by hand: list the tags, fetch each answer's tag (depth 1, no
    blobs) into a fresh bare repository with the remote as promisor, read the file."""
    promisor = (f"git -c remote.origin.url={shlex.quote(url)} -c remote.origin.promisor=true "
                "-c remote.origin.partialclonefilter=blob:none")
    lines = ["set -e", f"rm -rf {shlex.quote(target)}", f"listing=$(git ls-remote --tags {shlex.quote(url)})",
             f"git init -q --bare {shlex.quote(target)}", f"cd {shlex.quote(target)}"]
    for tag, path in reads:
        peeled = shlex.quote(f"refs/tags/{tag}^{{}}")
        lines += [
            f"commit=$(printf '%s\\n' \"$listing\" | awk -v ref={peeled} '$2 == ref {{print $1}}')",
            f"{promisor} fetch -q --no-tags --depth=1 --filter=blob:none origin tag {shlex.quote(tag)}",
            f"{promisor} cat-file -p \"$commit\":{shlex.quote(path)} > /dev/null",
        ]
    return ["sh", "-c", "\n".join(lines)]


def steps_script(url: str, kind: Kind, target: str) -> List[str]:
    """A cold lookup's git steps alone, by hand, its answer known: the clone of the
    artifact's tags, ``for-each-ref``, one fetch of the answer's file. The lookup's
    time over this is Python's; this over ``git clone --bare`` is the design's."""
    from artifacts_show.names import parse_full_name
    from artifacts_show.objects import TAG_FORMAT, tag_patterns, tag_refspecs

    assert kind.expected is not None
    artifact = parse_full_name(kind.args[0])
    spec = f"{kind.expected['rev']}:{kind.reads[0][1]}"
    refspecs = " ".join(f"-c {shlex.quote(f'remote.origin.fetch=+{pattern}:{pattern}')}"
                        for pattern in tag_refspecs([artifact]))
    repo = shlex.quote(target)
    lines = [
        "set -e",
        "git clone --quiet --bare --template= --no-tags --no-single-branch --depth=1 --filter=blob:none "
        f"{refspecs} -- {shlex.quote(url)} {repo}",
        f"git -C {repo} for-each-ref --format={shlex.quote(TAG_FORMAT)} "
        + " ".join(shlex.quote(pattern) for pattern in tag_patterns([artifact])) + " > /dev/null",
        f"blob=$(git -C {repo} rev-parse {shlex.quote(spec)})",
        f"echo \"$blob\" | git -C {repo} -c fetch.negotiationAlgorithm=noop fetch --quiet --no-tags "
        "--no-write-fetch-head --filter=blob:none --stdin origin",
        f"git -C {repo} cat-file blob \"$blob\" > /dev/null",
    ]
    return ["sh", "-c", "\n".join(lines)]


class Bench:
    """Runs measured processes against one server, counting what each one asked of it."""

    def __init__(self, server: SmartHttpServer) -> None:
        self.server = server

    def sample(self, command: List[str], env: Optional[Dict[str, str]] = None,
               cwd: Optional[str] = None) -> Sample:
        self.server.wait_idle()
        self.server.stats.clear()
        seconds, memory = measure_once(command, cwd=cwd, env=env)
        self.server.wait_idle()
        stats = self.server.stats
        return Sample(seconds, memory, len(stats.requests), stats.bytes_sent, stats.bytes_received)

    def into(self, row: Row, command: List[str], before: Optional[Callable[[], None]] = None,
             env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None) -> None:
        if row.failure:
            return
        if before:
            before()
        try:
            row.samples.append(self.sample(command, env=env, cwd=cwd))
        except Failed as failed:
            row.failure = str(failed)[-300:]

    def slow(self, command: List[str], runs: int, before: Optional[Callable[[], None]] = None,
             cwd: Optional[str] = None) -> Row:
        """Up to ``runs`` samples, another only while less than SLOW_BUDGET seconds were spent."""
        row = Row()
        while len(row.samples) < runs and not row.failure and \
                sum(sample.seconds for sample in row.samples) < SLOW_BUDGET:
            self.into(row, command, before, cwd=cwd)
        return row


def run_block(shape: Shape, network: Network, args: argparse.Namespace, tool: str, ours: str,
              peers: Optional[str], scratch: str) -> Block:
    folder, shaped, built = built_registry(shape, args)
    kinds = [kind for kind in kinds_of(shaped, built) if shape.kinds is None or kind.label in shape.kinds]
    title = shape.title.format(commits=args.commits, others=args.others, others_tags=args.others * 40,
                               nightly=args.nightly, nightly_deregistered=args.nightly // 2 + 1)
    server = SmartHttpServer(folder, delay=network.delay, bytes_per_second=network.rate)
    url = server.url("registry.git")
    bench = Bench(server)
    rows: Dict[Tuple[str, str], Row] = {}
    answers: Dict[str, str] = {}
    work = os.path.join(scratch, "work")
    os.makedirs(work, exist_ok=True)

    def cache_env(name: str) -> Dict[str, str]:
        return dict(os.environ, ARTIFACTS_SHOW_CACHE_DIR=os.path.join(scratch, "caches", name))

    def fresh(name: str) -> Callable[[], None]:
        def empty() -> None:
            shutil.rmtree(cache_env(name)["ARTIFACTS_SHOW_CACHE_DIR"], ignore_errors=True)
            # The git version is remembered after any earlier lookup; not a cost of this URL.
            subprocess.run([ours, "-c", "import artifacts_show.git as g; g.ensure_supported_git()"],
                           env=cache_env(name), capture_output=True, check=False)
        return empty

    try:
        for number, kind in enumerate(kinds):
            command = [tool, *kind.args, "--repo", url]
            warm = cache_env(f"warm{number}")
            fresh(f"warm{number}")()
            done = subprocess.run(command, env=warm, capture_output=True, text=True)
            answers[kind.label] = check_answer(kind, done)
            for mode in ("cold", "warm", "floor"):
                rows[kind.label, mode] = Row()
            if answers[kind.label] != "ok" and done.returncode:
                for mode in ("cold", "warm"):
                    rows[kind.label, mode].failure = answers[kind.label]
        listing = Row()
        started = time.monotonic()
        rounds = 0
        while rounds < args.runs and (rounds < 3 or time.monotonic() - started < ROUND_BUDGET):
            rounds += 1
            for number, kind in enumerate(kinds):  # in turns: a machine slower for a while slows all alike
                command = [tool, *kind.args, "--repo", url]
                bench.into(rows[kind.label, "cold"], command, fresh(f"cold{number}"),
                           env=cache_env(f"cold{number}"))
                bench.into(rows[kind.label, "warm"], command, env=cache_env(f"warm{number}"))
                bench.into(rows[kind.label, "floor"],
                           floor_script(url, kind.reads, os.path.join(scratch, "floor")))
            bench.into(listing, ["git", "ls-remote", "--tags", url])
        target = os.path.join(scratch, "clone.git")
        history = objects_size(built.path)
        if args.quick and history > QUICK_CLONE_LIMIT:
            clone = Row(failure="not measured (--quick, large history)")
        else:
            clone = bench.slow(["git", "clone", "-q", "--bare", url, target], 1 if args.quick else args.runs,
                               lambda: shutil.rmtree(target, ignore_errors=True))
        shutil.rmtree(target, ignore_errors=True)
        steps = Row(failure="not measured")
        if clone.samples:
            slowest = max((kind for kind in kinds if kind.single and kind.expected),
                          key=lambda kind: rows[kind.label, "cold"].seconds)
            steps = bench.slow(steps_script(url, slowest, target), len(clone.samples),
                               lambda: shutil.rmtree(target, ignore_errors=True))
            shutil.rmtree(target, ignore_errors=True)
        dvc = None
        if shape.dvc and peers:
            stage = next(kind for kind in kinds if kind.label == "stage prod")
            code = (f"import dvc.api; print(dvc.api.artifacts_show({stage.args[0]!r}, stage='prod', "
                    f"repo={url!r}))")
            dvc = bench.slow([peers, "-c", code], 3, cwd=work)
        if shape.local and network.wide is False:
            local_rows(kinds, built, rows, scratch, tool, args.runs, cache_env("local"))
    finally:
        server.stop()
    return Block(shape, title, network, history, kinds, rows, listing, clone, steps, dvc, answers)


def local_rows(kinds: List[Kind], built: BuiltRepo, rows: Dict[Tuple[str, str], Row], scratch: str,
               tool: str, runs: int, env: Dict[str, str]) -> None:
    """Each kind on a local clone (a work tree), cache as after earlier lookups."""
    clone = os.path.join(scratch, "local")
    shutil.rmtree(clone, ignore_errors=True)
    git("clone", "-q", built.path, clone)
    for kind in kinds:
        row = rows[kind.label, "local"] = Row()
        command = [tool, *kind.args, "--repo", clone]
        subprocess.run(command, env=env, capture_output=True, check=False)
        for _ in range(runs):
            try:
                seconds, memory = measure_once(command, env=env)
            except Failed as failed:
                row.failure = str(failed)[-300:]
                break
            row.samples.append(Sample(seconds, memory, 0, 0, 0))


def check_answer(kind: Kind, done: "subprocess.CompletedProcess[str]") -> str:
    if done.returncode:
        return f"failed ({done.returncode}): {done.stderr.strip()[-200:]}"
    if kind.expected is None:
        return "ok"
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        return f"not JSON: {done.stdout[:200]!r}"
    wrong = {key: answer.get(key) for key, value in kind.expected.items() if answer.get(key) != value}
    return "ok" if not wrong else f"WRONG: {wrong}, expected {kind.expected}"


def run_blocks(args: argparse.Namespace, keys: Sequence[str], tool: str, ours: str, peers: Optional[str],
               scratch: str, loopback: bool = True, progress: Callable[[str], None] = print) -> List[Block]:
    wide, plain = networks(args.delay_ms, args.mbit)
    blocks = []
    for shape in SHAPES:
        if shape.key not in keys:
            continue
        for network in [wide] + ([plain] if loopback and shape.loopback and wide.wide else []):
            progress(f"benchmark: {shape.key} on {network.label}")
            blocks.append(run_block(shape, network, args, tool, ours, peers, scratch))
    return blocks


# Tables


def kib(size: float) -> str:
    return f"{size / 1024:,.1f}"


def _cells(row: Row) -> str:
    if row.failure and not row.samples:
        return "failed | | "
    return f"{row.requests:g} | {kib(row.sent)} | {row.seconds:.3f}"


def block_table(block: Block) -> List[str]:
    """Per kind: requests, KiB served and seconds, cold, warm and floor; their ratios."""
    lines = [
        f"**{block.title}** ({block.history / 2**20:,.1f} MiB of objects), {block.network.label}; "
        f"medians of {len(block.listing.samples)} runs.",
        "",
        "| lookup | cold req | cold KiB | cold s | warm req | warm KiB | warm s | floor req | floor KiB "
        "| floor s | cold / floor s | warm - ls-remote s | answer |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind in block.kinds:
        cold, warm, floor = (block.row(kind.label, mode) for mode in ("cold", "warm", "floor"))
        lines.append(f"| {kind.label} | {_cells(cold)} | {_cells(warm)} | {_cells(floor)} "
                     f"| {cold.seconds / floor.seconds:.2f}x | {warm.seconds - block.listing.seconds:+.3f} "
                     f"| {block.answers.get(kind.label, '')} |")
    lines += [
        "",
        "| git itself, and dvc.api | requests | KiB | s | runs |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| git ls-remote --tags | {_cells(block.listing)} | {len(block.listing.samples)} |",
        f"| git clone --bare (the whole registry) | {_cells(block.clone)} | {len(block.clone.samples)} |",
    ]
    if block.dvc is not None:
        lines.append(f"| dvc.api.artifacts_show, stage prod, cold | {_cells(block.dvc)} "
                     f"| {len(block.dvc.samples)} |")
    local = [kind for kind in block.kinds if (kind.label, "local") in block.rows]
    if local:
        lines += ["", "| lookup on a local clone | s |", "| --- | ---: |"]
        lines += [f"| {kind.label} | {block.row(kind.label, 'local').seconds:.3f} |" for kind in local]
    failures = [f"- {kind} {mode}: {row.failure}" for (kind, mode), row in block.rows.items() if row.failure]
    return lines + ([""] + failures if failures else []) + [""]


def compact_table(blocks: Sequence[Block]) -> str:
    """The --quick table: one line per kind."""
    out = []
    for block in blocks:
        clone = f"{block.clone.seconds:.3f} s" if block.clone.samples else block.clone.failure
        if block.steps.samples:
            clone += f"; a cold lookup's git steps alone {block.steps.seconds:.3f} s"
        out.append(f"{block.title}, {block.network.label} ({len(block.listing.samples)} runs; "
                   f"ls-remote {block.listing.requests:g} req {block.listing.seconds:.3f} s; "
                   f"clone --bare {clone})")
        out.append(f"  {'kind':<26}{'cold req/KiB/s':>22}{'warm req/KiB/s':>22}{'floor req/KiB/s':>22}"
                   f"{'cold/floor':>11}{'warm-ls':>9}  answer")
        for kind in block.kinds:
            cold, warm, floor = (block.row(kind.label, mode) for mode in ("cold", "warm", "floor"))
            cells = [f"{row.requests:g}/{kib(row.sent)}/{row.seconds:.3f}" for row in (cold, warm, floor)]
            out.append(f"  {kind.label:<26}{cells[0]:>22}{cells[1]:>22}{cells[2]:>22}"
                       f"{cold.seconds / floor.seconds:>10.2f}x{warm.seconds - block.listing.seconds:>+9.3f}"
                       f"  {block.answers.get(kind.label, '')}")
    return "\n".join(out)


def find(blocks: Sequence[Block], key: str, wide: bool) -> Optional[Block]:
    return next((block for block in blocks if block.shape.key == key and block.network.wide == wide), None)


def tags_table(blocks: Sequence[Block]) -> List[str]:
    """The same lookups with and without the other artifacts' tags (wide network)."""
    base, more = find(blocks, "gto", True), find(blocks, "others", True)
    if not (base and more):
        return []
    lines = [
        f"**{more.title}**, against the registry without them, {more.network.label}:",
        "",
        "| lookup | mode | KiB without | KiB with | bytes ratio | s without | s with | time ratio "
        "| requests without / with |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in more.kinds:
        for mode in ("cold", "warm"):
            without, with_ = base.row(kind.label, mode), more.row(kind.label, mode)
            lines.append(f"| {kind.label} | {mode} | {kib(without.sent)} | {kib(with_.sent)} "
                         f"| {with_.sent / without.sent:.2f}x | {without.seconds:.3f} | {with_.seconds:.3f} "
                         f"| {with_.seconds / without.seconds:.2f}x "
                         f"| {without.requests:g} / {with_.requests:g} |")
    return lines + [""]


def clone_table(blocks: Sequence[Block]) -> List[str]:
    lines = ["| registry | network | git clone --bare | slowest cold lookup of one artifact | cold / clone "
             "| its git steps alone (steps_script) | steps / clone |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for block in blocks:
        if not block.clone.samples:
            continue
        singles = [kind for kind in block.kinds if kind.single]
        slowest = max(singles, key=lambda kind: block.row(kind.label, "cold").seconds)
        cold = block.row(slowest.label, "cold").seconds
        lines.append(f"| {block.title} | {block.network.label} | {block.clone.seconds:.3f} s "
                     f"({kib(block.clone.sent)} KiB) | {cold:.3f} s ({slowest.label}) "
                     f"| {cold / block.clone.seconds:.2f}x | {block.steps.seconds:.3f} s "
                     f"| {block.steps.seconds / block.clone.seconds:.2f}x |")
    return lines + [""]


def targets(blocks: Sequence[Block],
            baseline: Optional[Dict[str, object]]) -> List[Tuple[str, str, Optional[bool]]]:
    """(target, measured, met) for issue 9's targets and issue 13's clone row."""
    out: List[Tuple[str, str, Optional[bool]]] = []
    for wide in (True, False):
        block = find(blocks, "gto", wide)
        if not block:
            continue
        limit = 1.1 if wide else 1.3
        singles = [k for k in block.kinds if k.single]
        worst_requests = [(block.row(k.label, "cold").requests, block.row(k.label, "floor").requests, k.label)
                          for k in singles]
        ratios = [(block.row(k.label, "cold").seconds / block.row(k.label, "floor").seconds, k.label)
                  for k in singles]
        out.append((f"cold, {block.network.label}: no more HTTP requests than the floor, every kind",
                    ", ".join(f"{label} {cold:g} vs {floor:g}" for cold, floor, label in worst_requests),
                    all(cold <= floor for cold, floor, _ in worst_requests)))
        out.append((f"cold, {block.network.label}: at most {limit}x the floor's time, every kind",
                    ", ".join(f"{label} {ratio:.2f}x" for ratio, label in ratios),
                    all(ratio <= limit for ratio, _ in ratios)))
        warm = [(block.row(k.label, "warm"), k.label) for k in singles]
        out.append((f"warm, {block.network.label}: at most 2 requests, within 0.05 s of git ls-remote",
                    ", ".join(f"{label} {row.requests:g} req {row.seconds - block.listing.seconds:+.3f} s"
                              for row, label in warm),
                    all(row.requests <= 2 and row.seconds - block.listing.seconds <= 0.05
                        for row, _ in warm)))
        if block.dvc is not None and block.dvc.samples:
            stage = block.row("stage prod", "cold").seconds
            out.append((f"at least 40x faster than dvc.api cold (stage prod), {block.network.label}",
                        f"{block.dvc.seconds / stage:.1f}x ({block.dvc.seconds:.2f} s vs {stage:.3f} s)",
                        block.dvc.seconds / stage >= 40))
    base, more = find(blocks, "gto", True), find(blocks, "others", True)
    if base and more:
        growth = [(more.row(k.label, mode).sent / base.row(k.label, mode).sent,
                   more.row(k.label, mode).seconds / base.row(k.label, mode).seconds, f"{k.label} {mode}")
                  for k in more.kinds for mode in ("cold", "warm")]
        out.append((f"{more.title}: at most 1.2x the bytes and 1.2x the time without them, cold and warm "
                    f"({more.network.label})",
                    ", ".join(f"{label} {size:.2f}x / {slower:.2f}x" for size, slower, label in growth),
                    all(size <= 1.2 and slower <= 1.2 for size, slower, _ in growth)))
    for block in blocks:
        out += _other_targets(block)
        if not block.clone.samples:
            continue
        cold = max(block.row(k.label, "cold").seconds for k in block.kinds if k.single)
        out.append((f"cold at most 1.5x git clone --bare: {block.title}, {block.network.label}",
                    f"{cold / block.clone.seconds:.2f}x ({cold:.3f} s vs {block.clone.seconds:.3f} s)",
                    cold / block.clone.seconds <= 1.5))
    plain = find(blocks, "gto", False)
    if plain and baseline:
        before = baseline.get("local", {})
        assert isinstance(before, dict)
        now = {k.label: plain.row(k.label, "local").seconds for k in plain.kinds
               if (k.label, "local") in plain.rows}
        compared = [(label, seconds, before[label]) for label, seconds in now.items() if label in before]
        if compared:
            out.append(("local lookups unchanged or faster (at most 1.1x the baseline's, for noise)",
                        ", ".join(f"{label} {seconds:.3f} s vs {old:.3f} s"
                                  for label, seconds, old in compared),
                        all(seconds <= 1.1 * old for _, seconds, old in compared)))
    return out


def _other_targets(block: Block) -> List[Tuple[str, str, Optional[bool]]]:
    """Issue 11's and issue 10's costs, in requests: several names and the overview cost no more
    than one lookup (one listing, one fetch of files); a storage URL costs at most 2 more."""
    out: List[Tuple[str, str, Optional[bool]]] = []
    single = next((k.label for k in block.kinds if k.single and k.label == "stage prod"), None)
    if single is None:
        return out
    one_cold, one_warm = block.row(single, "cold").requests, block.row(single, "warm").requests
    for kind in block.kinds:
        if kind.single:
            continue
        cold, warm = block.row(kind.label, "cold").requests, block.row(kind.label, "warm").requests
        extra = 2 if kind.label.endswith("--url") else 0
        out.append((f"{kind.label}: at most {one_cold:g}{f' + {extra}' if extra else ''} requests cold and "
                    f"{one_warm:g} warm (one stage lookup's), {block.title}, {block.network.label}",
                    f"{cold:g} cold, {warm:g} warm", cold <= one_cold + extra and warm <= one_warm))
    return out


def targets_table(rows: Sequence[Tuple[str, str, Optional[bool]]]) -> List[str]:
    return ["| target | measured | met |", "| --- | --- | --- |",
            *[f"| {target} | {measured} | {'yes' if met else 'no'} |" for target, measured, met in rows], ""]


def as_json(blocks: Sequence[Block]) -> Dict[str, object]:
    """Medians of every row, for results.json (and a baseline to compare later runs with)."""
    out: Dict[str, object] = {}
    for block in blocks:
        rows = {f"{kind} {mode}": row.as_json() for (kind, mode), row in block.rows.items()}
        rows["ls-remote"] = block.listing.as_json()
        rows["clone --bare"] = block.clone.as_json()
        rows["git steps alone"] = block.steps.as_json()
        if block.dvc is not None:
            rows["dvc.api"] = block.dvc.as_json()
        out[f"{block.shape.key}, {block.network.label}"] = rows
    plain = find(blocks, "gto", False)
    if plain:
        out["local"] = {k.label: plain.row(k.label, "local").seconds for k in plain.kinds
                        if (k.label, "local") in plain.rows}
    return out


def chart_data(blocks: Sequence[Block]) -> List[Dict[str, object]]:
    """Per block of the GTO-shaped registry, per kind: seconds and requests of cold, warm and floor."""
    data: List[Dict[str, object]] = []
    for block in blocks:
        if block.shape.key != "gto":
            continue
        for kind in block.kinds:
            data.append({"label": f"{kind.label} ({block.network.label})",
                         **{mode: [block.row(kind.label, mode).seconds, block.row(kind.label, mode).requests]
                            for mode in ("cold", "warm", "floor")}})
    return data
