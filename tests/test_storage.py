"""The storage URL of a path from a commit's files given as data, as dvc 3.67.1's get_url gives it."""


import pytest

from artifacts_show import (
    ArtifactNotFoundError,
    MalformedFileError,
    UnsupportedContentError,
)
from artifacts_show.storage import files_to_read
from tests.helpers import DVC2, DVC3, H3, NEW, OLD, S3, url_of, with_remote


def test_dvc3_and_dvc2_hashes():
    assert url_of({".dvc/config": S3, "models/m.pkl.dvc": DVC3}) == f"s3://bucket/prefix/{NEW}"
    assert url_of({".dvc/config": S3, "models/m.pkl.dvc": DVC2}) == f"s3://bucket/prefix/{OLD}"


def test_directory_is_its_dir_object():
    record = f"outs:\n- md5: {H3}.dir\n  nfiles: 2\n  hash: md5\n  path: data\n"
    assert url_of({".dvc/config": S3, "data.dvc": record}, "data") == f"s3://bucket/prefix/{NEW}.dir"


def test_multiple_outputs_and_wdir_in_a_dvc_file():
    record = (f"wdir: ..\nouts:\n- md5: {H3}\n  hash: md5\n  path: models/m.pkl\n"
              f"- md5: {'ab' * 16}\n  path: models/n.pkl\n")
    files = {".dvc/config": S3, "models/m.pkl.dvc": record}
    assert url_of(files) == f"s3://bucket/prefix/{NEW}"


PIPELINE = """\
stages:
  train:
    cmd: python train.py
    outs:
    - ../models/m.pkl
    - metrics.json:
        cache: false
    - ../models/pinned.pkl:
        remote: other
  never:
    cmd: x
    outs:
    - never.bin
  loop:
    foreach: [a, b]
    do:
      cmd: y
      outs:
      - out/${item}.bin
"""
LOCK = f"""\
schema: '2.0'
stages:
  train:
    cmd: python train.py
    outs:
    - path: ../models/m.pkl
      hash: md5
      md5: {H3}
    - path: metrics.json
      hash: md5
      md5: {'cd' * 16}
    - path: ../models/pinned.pkl
      md5: {'ef' * 16}
  loop@a:
    cmd: y
    outs:
    - path: out/a.bin
      hash: md5
      md5: {'1a' * 16}
  gone:
    cmd: z
    outs:
    - path: gone.bin
      hash: md5
      md5: {'3b' * 16}
"""
CONFIG_TWO = S3 + "['remote \"other\"']\n    url = gs://other/p\n"
PIPELINE_FILES = {".dvc/config": CONFIG_TWO, "src/dvc.yaml": PIPELINE, "src/dvc.lock": LOCK}


def test_pipeline_output_in_a_subfolder_lock_relative_to_it():
    assert url_of(PIPELINE_FILES) == f"s3://bucket/prefix/{NEW}"


def test_pipeline_output_remote_field_wins_over_remote_argument():
    assert url_of(PIPELINE_FILES, "models/pinned.pkl") == "gs://other/p/ef/" + "ef" * 15
    assert url_of(PIPELINE_FILES, "models/pinned.pkl", remote="store") == "gs://other/p/ef/" + "ef" * 15
    with pytest.raises(ArtifactNotFoundError, match="no remote 'nope'"):
        url_of(PIPELINE_FILES, "models/pinned.pkl", remote="nope")  # as DVC: an unknown name fails


def test_foreach_outputs_come_from_the_lock():
    assert url_of(PIPELINE_FILES, "src/out/a.bin") == "s3://bucket/prefix/files/md5/1a/" + "1a" * 15


@pytest.mark.parametrize(("path", "problem"), [
    ("src/metrics.json", "cache: false"),
    ("src/never.bin", "has not been run"),
    ("src/gone.bin", "no DVC output records src/gone.bin"),  # a lock entry dvc.yaml no longer has
])
def test_outputs_without_storage(path, problem):
    with pytest.raises(ArtifactNotFoundError, match=problem):
        url_of(PIPELINE_FILES, path)


def test_a_stage_never_run_has_no_lock_at_all():
    files = {".dvc/config": S3, "src/dvc.yaml": "stages:\n  s:\n    cmd: c\n    outs:\n    - out.bin\n"}
    problem = "src/dvc.yaml at commit c0ffee records no hash for src/out.bin"
    with pytest.raises(ArtifactNotFoundError, match=problem):
        url_of(files, "src/out.bin")


def test_stage_wdir():
    dvcyaml = "stages:\n  s:\n    wdir: ../q\n    cmd: c\n    outs:\n    - out.bin\n"
    lock = f"schema: '2.0'\nstages:\n  s:\n    cmd: c\n    outs:\n    - path: out.bin\n      md5: {H3}\n"
    files = {".dvc/config": S3, "p/dvc.yaml": dvcyaml, "p/dvc.lock": lock}
    assert url_of(files, "q/out.bin") == f"s3://bucket/prefix/{OLD}"


def test_a_file_kept_in_git():
    with pytest.raises(ArtifactNotFoundError, match="m.pkl at commit c0ffee is a file kept in git"):
        url_of({".dvc/config": S3, "models/m.pkl": "weights"})


def test_a_file_inside_a_tracked_directory():
    record = f"outs:\n- md5: {H3}.dir\n  hash: md5\n  path: models\n"
    with pytest.raises(ArtifactNotFoundError, match="inside models, a directory DVC tracks") as info:
        url_of({".dvc/config": S3, "models.dvc": record})
    assert "models.dvc at commit c0ffee" in str(info.value)


def test_not_found_lists_what_is_recorded():
    recorded = "outputs recorded there: models/m.pkl, models/pinned.pkl, src/out/a.bin$"
    with pytest.raises(ArtifactNotFoundError, match=recorded):
        url_of(PIPELINE_FILES, "models/other.pkl")


def test_a_dvc_import_is_not_answered_from_this_repository():
    record = (f"deps:\n- path: data/x\n  repo:\n    url: https://example.com/other.git\n"
              f"outs:\n- md5: {H3}\n  hash: md5\n  path: m.pkl\n")
    with pytest.raises(ArtifactNotFoundError, match="from https://example.com/other.git"):
        url_of({".dvc/config": S3, "models/m.pkl.dvc": record})


def test_a_url_path_is_its_own_url():
    assert url_of({}, "s3://elsewhere/m.pkl") == "s3://elsewhere/m.pkl"
    assert files_to_read("s3://elsewhere/m.pkl", ["dvc.lock"]) == []


def test_paths_are_normalized_as_dvc_does():
    files = {".dvc/config": S3, "models/m.pkl.dvc": DVC3}
    assert url_of(files, "./models//m.pkl") == url_of(files, "/models/m.pkl") == f"s3://bucket/prefix/{NEW}"


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("models/m.pkl.dvc", "outs: [{md5: 1}]\n", "each output must be a mapping with a 'path'"),
    ("models/m.pkl.dvc", "outs:\n- md5: 0123\n  path: m.pkl\n", "md5 of m.pkl must be a string"),
    ("models/m.pkl.dvc", "outs: {path: m.pkl}\n", "outs must be a list"),
    ("models/m.pkl.dvc", "outs: [\n", "invalid YAML"),
    ("dvc.lock", "train:\n  outs: []\n", "schema: '2.0'"),
])
def test_malformed_dvc_files_name_the_file_and_commit(name, text, problem):
    files = {".dvc/config": S3, name: text, "dvc.yaml": "stages: {}\n"}
    with pytest.raises(MalformedFileError, match=problem) as info:
        url_of(files)
    assert f"{name} at commit c0ffee" in str(info.value)
    assert not isinstance(info.value, ArtifactNotFoundError)


def test_unknown_hash_name():
    record = DVC3.replace("hash: md5", "hash: sha256")
    with pytest.raises(MalformedFileError, match="unknown hash 'sha256'"):
        url_of({".dvc/config": S3, "models/m.pkl.dvc": record})


# -- every kind of URL, as DVC prints it --

@pytest.mark.parametrize(("url", "expected"), [
    ("s3://bucket", "s3://bucket/"),
    ("s3://bucket/", "s3://bucket/"),
    ("s3://bucket/a//b/", "s3://bucket/a//b/"),
    ("s3://bucket/a/./b/../c", "s3://bucket/a/./b/../c/"),
    ("s3://user@b:9000/p?x=1", "s3://b/p/"),
    ('"s3://b/p#frag"', "s3://b/p#frag/"),
    ("s3://b/p#comment", "s3://b/p/"),
    ("S3://B/P", "s3://B/P/"),
    ("gs://bucket/p/", "gs://bucket/p/"),
    ("azure://container", "azure://container/"),
    ("azure://acct.blob.core.windows.net/container/p", "azure://acct.blob.core.windows.net/container/p/"),
    ("https://h/p/", "https://h/p/"),
    ("https://user:pw@h:8443/p?q=1", "https://user:pw@h:8443/p?q=1/"),
    ("http://h/a//b", "http://h/a//b/"),
    ("https://h", "https://h/"),
    ("webdav://h:8080/p/", "http://h:8080/p/"),
    ("webdavs://user@h/p?q=1", "https://user@h/p/"),
    ("webdavs://h", "https://h/"),
    ("ssh://h", "ssh://h/"),
    ("ssh://u@h:2222/srv/dvc", "ssh://h:2222/srv/dvc/"),
    ("ssh://h:2222//abs", "ssh://h:2222/abs/"),
    ("ssh://h/~/p", "ssh://h/~/p/"),
    ("hdfs://u@h:8020/p/", "hdfs://h:8020/p/"),
    ("hdfs://h", "hdfs://h/"),
    ("/abs/p/", "/abs/p/"),
    ("/abs/./p/../q", "/abs/./p/../q/"),
    ("file:///abs/p", "file:///abs/p/"),
    ("../storage", "/storage/"),  # a clone: relative to /.dvc, as DVC resolves it
    ("rel/../x", "/.dvc/x/"),
    ("s3:/no-host", "/.dvc/s3:/no-host/"),  # no host: a local path, as in DVC's schema
])
def test_url_kinds(url, expected):
    assert url_of({".dvc/config": with_remote(url), "models/m.pkl.dvc": DVC3}) == expected + NEW


@pytest.mark.parametrize(("url", "expected"), [
    ("/abs/p/", f"/abs/p//{OLD}"),  # DVC's local store joins as strings
    ("s3://bucket/", f"s3://bucket/{OLD}"),
    ("https://h/p/", f"https://h/p/{OLD}"),
])
def test_dvc2_hashes_under_a_trailing_slash(url, expected):
    assert url_of({".dvc/config": with_remote(url), "models/m.pkl.dvc": DVC2}) == expected


def test_ssh_port_option_wins_over_the_url():
    config = with_remote("ssh://h:22/p", "    port = 2200\n")
    assert url_of({".dvc/config": config, "models/m.pkl.dvc": DVC3}) == f"ssh://h:2200/p/{NEW}"


@pytest.mark.parametrize("url", ["oss://b/p", "gdrive://root/p", "webhdfs://h:50070/p"])
def test_plugin_schemes_are_refused(url):
    with pytest.raises(UnsupportedContentError, match="plugin"):
        url_of({".dvc/config": with_remote(url), "models/m.pkl.dvc": DVC3})


# -- DVC sub-projects --

SUBPROJECT = {
    ".dvc/config": S3,
    "top.pkl.dvc": DVC3.replace("m.pkl", "top.pkl"),
    "dvc.yaml": "stages:\n  r:\n    cmd: c\n    outs:\n    - sub/fromroot.bin\n",
    "dvc.lock": f"schema: '2.0'\nstages:\n  r:\n    cmd: c\n    outs:\n    - path: sub/fromroot.bin\n"
                f"      md5: {H3}\n",
    "sub/.dvc/config": "[core]\n    remote = b\n['remote \"b\"']\n    url = s3://sub/b\n"
                       "['remote \"rel\"']\n    url = ../store\n",
    "sub/m.pkl.dvc": DVC3,
    "sub/dvc.yaml": "artifacts: {m: {path: m.pkl}}\n",
}


def test_a_path_in_a_sub_project_uses_its_config_and_dvc_files():
    assert url_of(SUBPROJECT, "sub/m.pkl") == f"s3://sub/b/{NEW}"
    assert url_of(SUBPROJECT, "sub/m.pkl", remote="rel") == f"/sub/store/{NEW}"
    assert url_of(SUBPROJECT, "top.pkl") == f"s3://bucket/prefix/{NEW}"
    with pytest.raises(ArtifactNotFoundError, match="DVC project sub"):
        url_of(SUBPROJECT, "sub/fromroot.bin")  # the root's pipeline does not reach into sub/


def test_files_to_read_are_all_that_is_read():
    read = []
    empty_lock, no_stages = "schema: '2.0'\nstages: {}\n", "stages: {}\n"
    files = dict(SUBPROJECT, **{"other/dvc.lock": empty_lock, "other/dvc.yaml": no_stages,
                                "sub/deep/dvc.lock": empty_lock, "sub/deep/dvc.yaml": no_stages,
                                "sub/x.dvc": DVC3})
    url_of(files, "sub/m.pkl", read=read)
    assert files_to_read("sub/m.pkl", list(files)) == [
        "sub/.dvc/config", "sub/m.pkl.dvc", "sub/dvc.yaml", "sub/deep/dvc.yaml", "sub/deep/dvc.lock"]
    assert set(read) <= set(files_to_read("sub/m.pkl", list(files)))
    assert files_to_read("a/b/c.bin", ["a/b.dvc", "a.dvc", "a/b/c.bin.dvc", "x.dvc", ".dvc/config"]) == [
        ".dvc/config", "a/b/c.bin.dvc", "a/b.dvc", "a.dvc"]


# -- version-aware remotes --

VERSIONED = ("outs:\n- md5: " + H3 + "\n  hash: md5\n  path: m.pkl\n"
             "  cloud:\n    va:\n      etag: abcdef12\n      version_id: 'v111'\n")


@pytest.mark.parametrize(("url", "expected"), [
    ("s3://vb/p", "s3://vb/p/models/m.pkl?versionId=v111"),
    ("gs://g/p", "gs://g/p/models/m.pkl#v111"),
    ("azure://c/p", "azure://c/p/models/m.pkl?versionid=v111"),
])
def test_version_aware_remotes_keep_files_by_path(url, expected):
    for option in ("version_aware = true", "worktree = true"):
        files = {".dvc/config": with_remote(url, f"    {option}\n"), "models/m.pkl.dvc": VERSIONED}
        assert url_of(files) == expected


def test_version_aware_directory_and_missing_version():
    config = with_remote("s3://vb/p", "    version_aware = true\n")
    record = f"outs:\n- md5: {H3}.dir\n  hash: md5\n  path: models\n"
    assert url_of({".dvc/config": config, "models.dvc": record}, "models") == "s3://vb/p/models"
    with pytest.raises(ArtifactNotFoundError, match="records no version"):
        url_of({".dvc/config": config, "models/m.pkl.dvc": DVC3})


def test_version_aware_errors():
    local = with_remote("/srv/store", "    version_aware = true\n")
    with pytest.raises(MalformedFileError, match="no versions on local remotes"):
        url_of({".dvc/config": local, "models/m.pkl.dvc": VERSIONED})
    both = with_remote("s3://vb/p", "    worktree = true\n    version_aware = false\n")
    with pytest.raises(MalformedFileError, match="require version_aware"):
        url_of({".dvc/config": both, "models/m.pkl.dvc": VERSIONED})


@pytest.mark.parametrize("path", ["123", "", "[a]"])
def test_a_lock_output_whose_path_is_not_a_string_is_a_malformed_lock(path):
    files = {".dvc/config": S3, "models/dvc.yaml": "stages:\n  train:\n    cmd: x\n    outs:\n    - m.pkl\n",
             "models/dvc.lock": f"schema: '2.0'\nstages:\n  train:\n    cmd: x\n    outs:\n    - path: {path}\n"
                                f"      md5: {H3}\n      hash: md5\n"}
    with pytest.raises(MalformedFileError, match="path must be a string"):
        url_of(files)
