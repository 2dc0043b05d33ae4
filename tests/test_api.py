"""Every rule of the spec on real repositories built from the fixtures."""

from __future__ import annotations

import os
import subprocess

import pytest

from artifacts_show import ArtifactsShowError, OutsideProjectError, artifacts_show
from artifacts_show import Registry as Session  # ``Registry`` is the fixtures' registry as data
from fixtures.builder import Commit, Registry, Tag, build, git
from fixtures.registries import CASES, EXAMPLE_LOOKUPS, EXAMPLE_REGISTRY, M_YAML, MONOREPO
from tests.helpers import check, snapshot

CASE_LOOKUPS = [
    pytest.param(case, lookup, id=f"{case.name}:{lookup.id}")
    for case in CASES for lookup in case.lookups
]


@pytest.mark.parametrize("bare", [False, True], ids=["worktree", "bare"])
@pytest.mark.parametrize(("case", "lookup"), CASE_LOOKUPS)
def test_rules(build_registry, case, lookup, bare):
    built = build_registry(case.name, case.registry, bare=bare)
    check(lookup, built, artifacts_show, built.path)


EXAMPLE = [pytest.param(lookup, id=lookup.id) for lookup in EXAMPLE_LOOKUPS]


@pytest.fixture(scope="module")
def example(build_registry):
    return build_registry("example", EXAMPLE_REGISTRY)


@pytest.mark.parametrize("lookup", EXAMPLE)
def test_from_the_work_tree_root_as_current_directory(example, lookup, monkeypatch):
    monkeypatch.chdir(example.path)
    check(lookup, example, artifacts_show, None)


@pytest.mark.parametrize("lookup", EXAMPLE)
def test_from_a_subfolder_as_current_directory(example, lookup, monkeypatch):
    monkeypatch.chdir(os.path.join(example.path, "nlp"))
    check(lookup, example, artifacts_show, None)


@pytest.mark.parametrize("lookup", EXAMPLE)
def test_repo_is_a_subfolder(example, lookup):
    check(lookup, example, artifacts_show, os.path.join(example.path, "models"))


@pytest.mark.parametrize("lookup", EXAMPLE)
def test_bare_repository(build_registry, lookup):
    built = build_registry("example", EXAMPLE_REGISTRY, bare=True)
    check(lookup, built, artifacts_show, built.path)


@pytest.mark.parametrize("lookup", EXAMPLE)
def test_linked_worktree(example, lookup, tmp_path_factory):
    worktree = str(tmp_path_factory.mktemp("linked") / "wt")
    if not os.path.exists(worktree):
        git("worktree", "add", "-q", "--detach", worktree, "main", cwd=example.path)
    check(lookup, example, artifacts_show, worktree)


@pytest.mark.parametrize("lookup", EXAMPLE)
def test_sha256_repository(build_registry, lookup):
    built = build_registry("example", EXAMPLE_REGISTRY, object_format="sha256")
    assert all(len(name) == 64 for name in built.commits.values())
    check(lookup, built, artifacts_show, built.path)


SUBPROJECT = Registry([
    Commit("A", {"sub/.dvc/config": "", "sub/dvc.yaml": M_YAML, "dvc.yaml": M_YAML,
                 "sub/models/m.pkl": "w"}),
], [Tag("sub=m@v1.0.0", "A"), Tag("m@v1.0.0", "A")])


@pytest.mark.parametrize(
    ("registry", "where", "name", "expected"),
    [
        ("subproject", "", "sub:m", "sub/models/m.pkl"),  # from the git root: relative to it
        ("subproject", "sub", "sub:m", "models/m.pkl"),  # inside the sub-project: relative to it, as DVC does
        ("subproject", "sub/models", "sub:m", "models/m.pkl"),
        ("subproject", "", "m", "models/m.pkl"),
        ("monorepo", "deep", "deep/proj2:xmodel", "proj2/m/x.bin"),  # no .dvc at or above: to repo
        ("monorepo", "deep/proj2", "deep/proj2:xmodel", "m/x.bin"),
        ("monorepo", "deep/proj2/m", "deep/proj2:xmodel", "m/x.bin"),  # the nearest .dvc above repo
        ("monorepo", "", "deep/proj2:xmodel", "deep/proj2/m/x.bin"),
        ("monorepo", "", "deep/proj2:up", "proj1/models/m.pkl"),
        ("monorepo", "proj1", "proj1:m", "models/m.pkl"),
    ],
)
def test_paths_are_relative_to_the_dvc_project_of_repo(build_registry, registry, where, name, expected):
    built = build_registry(registry, {"subproject": SUBPROJECT, "monorepo": MONOREPO}[registry])
    result = artifacts_show(name, repo=os.path.join(built.path, where))
    assert result == {"path": expected.replace("/", os.sep), "rev": built.commits["A"]}


def test_artifact_outside_the_subproject_is_an_error(build_registry):
    built = build_registry("subproject", SUBPROJECT)
    with pytest.raises(OutsideProjectError, match="outside the DVC sub-project sub"):
        artifacts_show("m", repo=os.path.join(built.path, "sub"))


@pytest.mark.parametrize(("where", "name", "folder"), [
    ("deep", "proj1:m", "deep"),  # dvc.api: ../proj1/models/m.pkl (a named difference)
    ("deep/proj2", "deep/proj2:up", "deep/proj2"),
])
def test_a_path_leaving_the_folder_paths_are_relative_to_is_an_error(build_registry, where, name, folder):
    built = build_registry("monorepo", MONOREPO)
    with pytest.raises(OutsideProjectError, match=f"outside the DVC sub-project {folder} "):
        artifacts_show(name, repo=os.path.join(built.path, where))


def test_repository_without_dvc_directory(build_registry):
    built = build_registry("worked-example-rollback", CASES[1].registry)
    assert not os.path.exists(os.path.join(built.path, ".dvc"))
    assert artifacts_show("m", stage="prod", repo=built.path)["rev"] == built.commits["A"]


def test_answers_come_from_git_objects_not_the_work_tree(tmp_path):
    built = build(CASES[0].registry, str(tmp_path / "r"))
    with open(os.path.join(built.path, "dvc.yaml"), "w") as dvc_yaml:
        dvc_yaml.write("artifacts: {m: {path: edited/in/work/tree}}\n")
    assert artifacts_show("m", repo=built.path)["path"] == os.path.join("models", "m.pkl")


def test_at_most_four_git_processes_whatever_the_number_of_tags(tmp_path, monkeypatch):
    tags = [Tag(f"m@v1.0.{index}", "A") for index in range(600)]
    tags += [Tag(f"other{index}#prod#{index}", "B") for index in range(600)]
    built = build(Registry(CASES[0].registry.commits, tags), str(tmp_path / "many"))
    started = []
    real_popen = subprocess.Popen

    def counting_popen(args, *rest, **kwargs):
        started.append(list(args))
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting_popen)
    assert artifacts_show("m", repo=built.path)["rev"] == built.commits["A"]
    assert len(started) <= 4, started
    assert all(args[0] == "git" for args in started)


def test_nothing_is_written_to_the_repository(tmp_path):
    built = build(EXAMPLE_REGISTRY, str(tmp_path / "r"))
    before = snapshot(built.path)
    for lookup in EXAMPLE_LOOKUPS:
        try:
            artifacts_show(lookup.name, version=lookup.version, stage=lookup.stage, repo=built.path)
        except ArtifactsShowError:
            pass
    assert snapshot(built.path) == before


def test_one_reading_of_each_distinct_dvc_yaml_and_one_memo_fact_per_file(tmp_path, monkeypatch):
    """400 artifacts of one dvc.yaml, tagged at two commits holding the same file: one parse,
    one fact remembered per (commit, file), and a warm call reads no YAML at all."""
    from artifacts_show import Registry as Session
    from artifacts_show import yaml12

    names = [f"model-{index}" for index in range(400)]
    declared = "artifacts:\n" + "".join(f"  {name}:\n    path: models/{name}.pkl\n" for name in names)
    built = build(Registry([Commit("A", {"dvc.yaml": declared}), Commit("B", {"other": "x"})],
                            [Tag(f"{name}@v1.0.{index % 2}", "AB"[index % 2]) for index, name in enumerate(names)]),
                  str(tmp_path / "many"))
    parsed = []
    real_load = yaml12.load_yaml
    monkeypatch.setattr(yaml12, "load_yaml", lambda *args, **kwargs: parsed.append(args[1].path) or
                        real_load(*args, **kwargs))
    for _ in range(2):  # cold, then warm
        with Session(built.path, artifacts=names) as registry:
            results = registry.show_many([(name, None, None) for name in names])
        assert [result["path"] for result in results] == [os.path.join("models", f"{name}.pkl") for name in names]
    assert parsed == ["dvc.yaml"]
    memo = os.listdir(os.path.join(os.environ["ARTIFACTS_SHOW_CACHE_DIR"], "memo"))
    assert len([name for name in memo if name.startswith("declared-in")]) == 2


def test_describe_reads_a_dvc_yaml_once_for_the_path_and_the_declaration(tmp_path, monkeypatch):
    from artifacts_show import Registry as Session
    from artifacts_show import yaml12

    built = build(CASES[0].registry, str(tmp_path / "r"))
    parsed = []
    real_load = yaml12.load_yaml
    monkeypatch.setattr(yaml12, "load_yaml", lambda *args, **kwargs: parsed.append(args[1].path) or
                        real_load(*args, **kwargs))
    with Session(built.path, artifacts=["m"]) as registry:
        (result,) = registry.show_many([("m", None, None)], describe=True)
        assert result["path"] == os.path.join("models", "m.pkl") and "meta" in result
        parsed_by_lookup = list(parsed)
        assert registry.check_ref("m@v1.0.0", describe=True).declaration is not None
    assert parsed_by_lookup == ["dvc.yaml"] and parsed == ["dvc.yaml", "dvc.yaml"]


PARTIAL = Registry(CASES[0].registry.commits, [Tag("m@v1.0.0", "A"), Tag("m@v1.1.0", "B"), Tag("m#prod#1", "A")])
FETCH_HINT = ("; if this repository lacks some of the registry's tags, fetch them with `git fetch --tags`, "
              "or give the registry's URL as repo")


def test_a_local_repository_missing_some_tags_says_how_to_fetch_them(tmp_path):
    """A clone holding some of the registry's tags (not shallow: it answers from its own) is told
    how to fetch the rest; the hint is right (after it, the lookup answers); a remote is whole."""
    from artifacts_show import ArtifactNotFoundError

    served = build(PARTIAL, str(tmp_path / "served.git"), bare=True)
    clone = str(tmp_path / "clone")
    git("clone", "-q", "--no-tags", served.path, clone)
    git("fetch", "-q", "origin", "+refs/tags/m#prod#1:refs/tags/m#prod#1", cwd=clone)
    with pytest.raises(ArtifactNotFoundError) as latest:
        artifacts_show("m", repo=clone)
    assert str(latest.value) == f"artifact 'm' has no registered version; known versions: none{FETCH_HINT}"
    git("fetch", "-q", "origin", "+refs/tags/m@v1.1.0:refs/tags/m@v1.1.0", cwd=clone)
    with pytest.raises(ArtifactNotFoundError) as pinned:
        artifacts_show("m", version="v1.0.0", repo=clone)
    assert str(pinned.value) == f"artifact 'm' has no version v1.0.0; known versions: v1.1.0{FETCH_HINT}"
    with pytest.raises(ArtifactNotFoundError) as other:
        artifacts_show("n", repo=clone)
    assert str(other.value) == f"no registry tags for artifact 'n'; artifacts with tags: m{FETCH_HINT}"
    with pytest.raises(ArtifactNotFoundError) as remote:
        artifacts_show("m", version="v2.0.0", repo=f"file://{served.path}")
    assert str(remote.value) == "artifact 'm' has no version v2.0.0; known versions: v1.0.0, v1.1.0"
    git("fetch", "-q", "--tags", cwd=clone)
    assert artifacts_show("m", version="v1.0.0", repo=clone)["rev"] == served.commits["A"]


LIGHTWEIGHT_ONLY = Registry(CASES[0].registry.commits, [
    Tag("a0@v1.0.0", "A", annotated=False), Tag("a0#prod#1", "A", annotated=False),
    Tag("b@v1.0.0", "B", annotated=False), Tag("m@v1.0.0", "A"), Tag("m#dev", "B", annotated=False)])


@pytest.mark.parametrize("kind", ["local", "http"])
def test_lightweight_tags_are_named_as_such(tmp_path, kind):
    """The registry ignores lightweight tags (`git tag a0@v1.0.0`); a lookup says so, from a
    listing of a repository on disk or of a server (whose peeled lines tell annotated tags)."""
    from artifacts_show import ArtifactNotFoundError
    from fixtures.servers import reached_as

    built = build(LIGHTWEIGHT_ONLY, str(tmp_path / "r.git"), bare=True)
    with reached_as(kind, built.path) as repo:
        with pytest.raises(ArtifactNotFoundError) as only_lightweight:
            artifacts_show("a0", repo=repo)
        with pytest.raises(ArtifactNotFoundError) as unknown:
            artifacts_show("c", repo=repo)
    assert str(only_lightweight.value) == (
        "no registry tags for artifact 'a0': it has only lightweight tags (a0#prod#1, a0@v1.0.0), which the "
        "registry ignores: registry tags are annotated (`git tag -a`, as gto writes them)")
    assert str(unknown.value) == (
        "no registry tags for artifact 'c'; artifacts with tags: m; with lightweight tags only, which the "
        "registry ignores: a0, b" + (FETCH_HINT if kind == "local" else ""))


def test_each_tag_name_is_parsed_once_however_many_names_are_asked(tmp_path, monkeypatch):
    """400 names of one call, four tags each: 1,600 tag names parsed, not 400 times 1,600."""
    from artifacts_show import Registry as Session
    from artifacts_show import api

    names = [f"model-{index}" for index in range(400)]
    declared = "artifacts:\n" + "".join(f"  {name}:\n    path: models/{name}.pkl\n" for name in names)
    tags = [Tag(f"{name}{suffix}", "A") for name in names for suffix in ("@v1.0.0", "@v1.1.0", "#prod#1", "#dev#2")]
    built = build(Registry([Commit("A", {"dvc.yaml": declared})], tags), str(tmp_path / "many"))
    parsed = []
    real_parse = api.parse_tag
    monkeypatch.setattr(api, "parse_tag", lambda name: parsed.append(name) or real_parse(name))
    with Session(built.path, artifacts=names) as registry:
        results = registry.show_many([(name, None, "prod") for name in names])
    assert all(result["rev"] == built.commits["A"] for result in results)
    assert len(parsed) == len(tags)


# -- events of tags, histories, versions, and what decided an answer --

EXAMPLE_TAGS = [tag.name for tag in EXAMPLE_REGISTRY.tags if tag.annotated and ("@" in tag.name or "#" in tag.name)]



@pytest.fixture(scope="module")
def served_example(tmp_path_factory):
    from fixtures.servers import SmartHttpServer

    base = tmp_path_factory.mktemp("events")
    built = build(EXAMPLE_REGISTRY, str(base / "example.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    server = SmartHttpServer(str(base))
    yield built, {"local": built.path, "file": f"file://{built.path}", "http": server.url("example.git")}
    server.stop()


def test_the_events_of_tags_are_the_same_on_every_transport(served_example):

    built, repos = served_example
    seen = {}
    for kind, repo in repos.items():
        with Session(repo) as registry:
            seen[kind] = [registry.check_ref(f"refs/tags/{name}") for name in EXAMPLE_TAGS]
            assert [registry.check_ref(name) for name in EXAMPLE_TAGS] == seen[kind]
            seen[kind].append(registry.history("churn-model"))
            seen[kind].append(registry.versions("nlp:bert"))
    assert seen["local"] == seen["file"] == seen["http"]
    rollback = seen["local"][EXAMPLE_TAGS.index("churn-model#prod#7")]
    assert rollback[:11] == (
        "churn-model", "assignment", "v1.0.0", "prod", "churn-model#prod#7", built.commits["churn-1"],
        "2023-11-14T22:34:20+00:00", "Registry Bot", "bot@example.com", "registry tag churn-model#prod#7",
        os.path.join("models", "churn.pkl"))


def test_what_a_tag_did_with_its_url_and_declaration(served_example):
    from artifacts_show import Declaration
    from fixtures.registries import EXAMPLE_URLS

    built, repos = served_example
    with Session(repos["http"], artifacts=["nlp:bert"]) as registry:
        event = registry.check_ref("nlp=bert#prod#1", urls=True, describe=True)
    assert (event.event, event.version, event.url) == ("assignment", "v0.2.0", EXAMPLE_URLS[("nlp:bert", "v0.2.0")])
    assert event.declaration == Declaration("nlp/weights/bert.bin", "model", None, ("nlp",), {})


@pytest.mark.parametrize(("ref", "message"), [
    ("refs/heads/main", "'refs/heads/main' is not a tag, so not a registry event"),
    ("v0.1", "'v0.1' is not a registry tag"),  # annotated, not the registry's
    ("build-42", "'build-42' is not a registry tag"),
    ("", "'' is not a registry tag"),  # $GITHUB_REF unset
    ("churn-model@v9.9.9", "'churn-model@v9.9.9' is not an annotated tag of the repository"),
    ("churn-model@created", "an @created tag, which is no registry event"),
])
def test_a_ref_that_is_no_registry_event_is_not_found_saying_why(example, ref, message):
    from artifacts_show import ArtifactNotFoundError

    with Session(example.path) as registry, pytest.raises(ArtifactNotFoundError, match=message):
        registry.check_ref(ref)


def test_a_lightweight_registry_tag_is_no_event(tmp_path):
    from artifacts_show import ArtifactNotFoundError

    built = build(Registry(CASES[0].registry.commits, [Tag("m@v1.0.0", "A", annotated=False),
                                                         Tag("m@v2.0.0", "B")]), str(tmp_path / "r"))
    with Session(built.path) as registry:
        assert registry.check_ref("m@v2.0.0").version == "v2.0.0"
        with pytest.raises(ArtifactNotFoundError, match="or it is a lightweight tag"):
            registry.check_ref("m@v1.0.0")


def test_a_session_for_one_artifact_checks_only_its_tags(example):
    from artifacts_show import InvalidArgumentError

    assert Session.ref_artifact("refs/tags/nlp=bert@v0.1.0") == "nlp:bert"
    with Session(example.path, artifacts=["churn-model"]) as registry:
        with pytest.raises(InvalidArgumentError, match="not one of this session's artifacts"):
            registry.check_ref("nlp=bert@v0.1.0")
        with pytest.raises(InvalidArgumentError, match="a ref must be a string"):
            registry.check_ref(None)  # type: ignore[arg-type]


def test_a_tag_where_the_artifact_is_not_declared_has_no_path_and_says_why(tmp_path):

    built = build(Registry([Commit("A", {"README": "nothing yet\n"}), Commit("B", {"dvc.yaml": M_YAML})],
                            [Tag("m#dev#1", "A"), Tag("m@v1.0.0", "B")]), str(tmp_path / "r"))
    warnings = []
    with Session(built.path, warn=warnings.append) as registry:
        event = registry.check_ref("m#dev#1", urls=True, describe=True)
        assert registry.check_ref("m@v1.0.0").path == os.path.join("models", "m.pkl")
    assert (event.event, event.version, event.path, event.url, event.declaration) == (
        "assignment", None, None, None, None)
    assert warnings == [f"m#dev#1: no path: dvc.yaml does not exist at commit {built.commits['A']}, so artifact "
                        "'m' is not declared there",
                        f"m#dev#1: no declaration: dvc.yaml does not exist at commit {built.commits['A']}"]


def test_history_and_versions_of_an_artifact_without_tags_say_what_exists(example):
    from artifacts_show import ArtifactNotFoundError

    with Session(example.path) as registry:
        for ask in (registry.history, registry.versions):
            with pytest.raises(ArtifactNotFoundError, match="artifacts with tags: churn-model, nlp:bert"):
                ask("nope")


@pytest.mark.parametrize("lookup", [lookup for lookup in EXAMPLE_LOOKUPS if not lookup.error])
def test_what_decided_each_answer(example, lookup):

    with Session(example.path) as registry:
        (result,) = registry.show_many([(lookup.name, lookup.version, lookup.stage)], resolved=True)
        decided = registry.check_ref(result["tag"])
    assert result["rev"] == decided.commit_hexsha == example.commits[lookup.commit]
    assert result["version"] == decided.version
    assert decided.event == ("assignment" if lookup.stage else "registration")
    if lookup.stage:
        assert decided.stage == lookup.stage
    if lookup.version:
        assert result["version"] == "v" + lookup.version.lstrip("v")


def test_the_declaration_beside_each_answer(example):

    with Session(example.path) as registry:
        churn, bert = registry.show_many([("churn-model", None, "prod"), ("nlp:bert", "0.1.0", None)],
                                         describe=True)
    assert churn == {"path": os.path.join("models", "churn.pkl"), "rev": example.commits["churn-1"],
                     "type": "model", "desc": "Customer churn classifier", "labels": [], "meta": {}}
    assert (bert["type"], bert["desc"], bert["labels"]) == ("model", None, ["nlp"])
