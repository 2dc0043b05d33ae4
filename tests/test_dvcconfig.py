"""DVC's config as dvc 3.67.1 reads it: its dialect, its levels, the user's files and the remotes."""

import pytest

from artifacts_show import ArtifactNotFoundError, MalformedFileError
from artifacts_show.dvcconfig import ConfigFile, LocalCheckout, parse_config, user_config_paths
from tests.helpers import DVC3, NEW, S3, url_of, with_remote


def test_remote_argument_and_case_insensitive_names():
    config = ("[CORE]\n    Remote = Store\n['remote \"Store\"']\n    URL = s3://a/x\n"
              "['remote \"two\"']\n    url = gs://b/y\n")
    files = {".dvc/config": config, "models/m.pkl.dvc": DVC3}
    assert url_of(files) == f"s3://a/x/{NEW}"
    assert url_of(files, remote="TWO") == f"gs://b/y/{NEW}"


def test_no_default_remote_says_which_exist():
    config = "['remote \"a\"']\n    url = s3://a/x\n['remote \"b\"']\n    url = s3://b/x\n"
    with pytest.raises(ArtifactNotFoundError, match="no default remote .* remotes: a, b"):
        url_of({".dvc/config": config, "models/m.pkl.dvc": DVC3})
    with pytest.raises(ArtifactNotFoundError, match="no remote is configured"):
        url_of({"models/m.pkl.dvc": DVC3})


def test_unknown_remote_says_which_exist():
    with pytest.raises(ArtifactNotFoundError, match="no remote 'nope' .* remotes: store"):
        url_of({".dvc/config": S3, "models/m.pkl.dvc": DVC3}, remote="nope")
    record = DVC3 + "  remote: gone\n"
    with pytest.raises(ArtifactNotFoundError, match="no remote 'gone'"):
        url_of({".dvc/config": S3, "models/m.pkl.dvc": record})


# -- the dialect, and what DVC's schema refuses --

@pytest.mark.parametrize(("config", "problem"), [
    ("[core]\nremote = a\n[core]\n", "section \\[core\\] given twice"),
    ("[core]\nremote = a\nremote = b\n", "option 'remote' given twice"),
    ("remote = a\n", "outside any section"),
    ("[core]\njust words\n", "neither a section nor an option"),
    ("[core\n", "malformed section header"),
    ("[core]\n[[nested]]\n", "nested sections"),
    ("[core]\nremote = 'open\n", "quote is not closed"),
    ("['remote \"r\"']\n    url = gcs://b/p\n", "unsupported URL type gcs://"),
    ("['remote \"r\"']\n    region = us\n", "expected 'url'"),
    ("['remote \"r\"']\n    url = s3://a/b, s3://c/d\n", "not a list"),
    ("['remote \"r\"']\n    url = s3://a\n    version_aware = yes\n", "true or false"),
    ("['remote \"r\"']\n    url = ssh://h/p\n    port = twenty\n", "not a number"),
])
def test_malformed_config_names_the_file_and_commit(config, problem):
    # DVC checks every remote of the config, used or not
    store = "['remote \"store\"']\n    url = s3://bucket/prefix\n"
    files = {".dvc/config": config + store, "models/m.pkl.dvc": DVC3}
    with pytest.raises(MalformedFileError, match=problem) as info:
        url_of(files, remote="store")
    assert ".dvc/config at commit c0ffee" in str(info.value)
    assert not isinstance(info.value, ArtifactNotFoundError)


def test_config_not_utf8():
    with pytest.raises(MalformedFileError, match="not UTF-8"):
        url_of({".dvc/config": "", "models/m.pkl.dvc": DVC3}, user_config=[ConfigFile("/etc/dvc", b"\xff")])


def test_config_dialect():
    text = ("# a comment\n[core]\n  remote = 'quoted' # inline comment\n"
            "['remote \"a b\"']  # after a section\n  url = \"s3://x/y#not a comment\"\n"
            "  list = one, 'two, three' ,\n  empty =\n  triple = '''t'''\n"
            "[remote \"c\"]\n  url=s3://c\n")
    assert parse_config(text, "f") == {
        "core": {"remote": "quoted"},
        "remote": {"a b": {"url": "s3://x/y#not a comment", "list": ["one", "two, three"],
                           "empty": "", "triple": "t"},
                   "c": {"url": "s3://c"}},
    }


def test_config_interpolation():
    text = ("[DEFAULT]\n  bucket = shared\n['remote \"r\"']\n  region = eu\n"
            "  url = s3://%(bucket)s/%(region)s/%(deeper)s\n  deeper = x-%(region)s\n")
    assert parse_config(text, "f")["remote"]["r"]["url"] == "s3://shared/eu/x-eu"
    for broken, problem in [("url = %(url)s", "refers to itself"), ("url = %(nope)s", "names no option")]:
        with pytest.raises(MalformedFileError, match=problem):
            parse_config(f"['remote \"r\"']\n  {broken}\n", "f")


@pytest.mark.parametrize("config", ["[remote]\n    url = s3://b/p\n", "[core]\n    remote = r\n[remote]\n    r = 1\n"])
def test_a_remote_section_without_a_name_is_a_malformed_config(config):
    with pytest.raises(MalformedFileError, match=r"\[remote\] has no name"):
        url_of({".dvc/config": config, "models/m.pkl.dvc": DVC3})


# -- remote://name/sub: another remote's URL and settings --

@pytest.mark.parametrize(("url", "expected"), [
    ("remote://base/sub", "s3://bucket/prefix/sub/"),
    ("remote://base", "s3://bucket/prefix/"),
    ("remote://base//z/", "s3://bucket/prefix/z/"),
    ("remote://BASE/../y", "s3://bucket/prefix/../y/"),
    ("remote://chain/more", "s3://bucket/prefix/sub/more/"),
])
def test_remote_references(url, expected):
    config = (with_remote(url) + "['remote \"base\"']\n    url = s3://bucket/prefix\n"
              "['remote \"chain\"']\n    url = remote://base/sub\n")
    assert url_of({".dvc/config": config, "models/m.pkl.dvc": DVC3}) == expected + NEW


def test_remote_reference_takes_the_base_options():
    config = (with_remote("remote://base/x") + "['remote \"base\"']\n    url = ssh://h/p\n    port = 2222\n")
    assert url_of({".dvc/config": config, "models/m.pkl.dvc": DVC3}) == f"ssh://h:2222/p/x/{NEW}"


def test_remote_reference_errors():
    files = {".dvc/config": with_remote("remote://nope/x"), "models/m.pkl.dvc": DVC3}
    with pytest.raises(ArtifactNotFoundError, match="no remote 'nope'"):
        url_of(files)
    files[".dvc/config"] = with_remote("remote://r/x")
    with pytest.raises(MalformedFileError, match="refers to itself"):
        url_of(files)


# -- the config levels --

def test_levels_override_in_dvc_order(tmp_path):
    system = ConfigFile("/etc/xdg/dvc/config", b"[core]\n    remote = sys\n['remote \"sys\"']\n    url = s3://sys/x\n")
    user = ConfigFile("/home/u/.config/dvc/config",
                      b"['remote \"store\"']\n    url = ../from-global\n['remote \"g\"']\n    url = gs://g/x\n")
    files = {".dvc/config": "['remote \"g\"']\n    url = gs://repo/x\n", "models/m.pkl.dvc": DVC3}
    assert url_of(files, user_config=[system, user]) == f"s3://sys/x/{NEW}"
    assert url_of(files, user_config=[system, user], remote="store") == f"/home/u/.config/from-global/{NEW}"
    assert url_of(files, user_config=[system, user], remote="g") == f"gs://repo/x/{NEW}"


def test_local_checkout_config_local_and_relative_paths():
    local_files = {".dvc/config.local": b"['remote \"store\"']\n    url = s3://mine/x\n"}
    checkout = LocalCheckout("/work/registry", local_files.get)
    files = {".dvc/config": S3 + "['remote \"rel\"']\n    url = ../storage\n", "models/m.pkl.dvc": DVC3}
    assert url_of(files, checkout=checkout) == f"s3://mine/x/{NEW}"
    assert url_of(files, checkout=checkout, remote="rel") == f"/work/registry/storage/{NEW}"
    assert url_of(files, remote="rel") == f"/storage/{NEW}"


def test_home_expands_in_local_paths(monkeypatch):
    monkeypatch.setenv("HOME", "/home/someone")
    config = with_remote("~/store")
    assert url_of({".dvc/config": config, "models/m.pkl.dvc": DVC3}) == f"/home/someone/store/{NEW}"


# -- the user's config files --

@pytest.mark.parametrize(("environ", "platform", "expected"), [
    ({"HOME": "/home/u"}, "linux", ["/etc/xdg/dvc/config", "/home/u/.config/dvc/config"]),
    ({"HOME": "/home/u", "XDG_CONFIG_HOME": "/x/cfg", "XDG_CONFIG_DIRS": "rel:/y/a:/y/b"}, "linux",
     ["/y/a/dvc/config", "/x/cfg/dvc/config"]),
    ({"HOME": "/home/u", "XDG_CONFIG_HOME": "relative"}, "linux",
     ["/etc/xdg/dvc/config", "/home/u/.config/dvc/config"]),
    ({"HOME": "/home/u", "DVC_SYSTEM_CONFIG_DIR": "/s", "DVC_GLOBAL_CONFIG_DIR": "/g"}, "linux",
     ["/s/config", "/g/config"]),
    ({"HOME": "/Users/u"}, "darwin",
     ["/Library/Application Support/dvc/config", "/Users/u/Library/Application Support/dvc/config"]),
    ({"LOCALAPPDATA": "C:\\Users\\u\\AppData\\Local", "PROGRAMDATA": "C:\\ProgramData"}, "win32",
     ["C:\\ProgramData\\iterative\\dvc\\config", "C:\\Users\\u\\AppData\\Local\\iterative\\dvc\\config"]),
])
def test_user_config_paths(environ, platform, expected):
    assert user_config_paths(environ, platform) == expected
