"""The git layer: exact argv of every git call, and each way git can fail (pytest-subprocess)."""

from __future__ import annotations

import os
import stat
import time

import pytest

from artifacts_show import GitError, InvalidArgumentError, artifacts_show, git
from artifacts_show.local import LocalRepository
from tests.helpers import REV_PARSE, VERSION

SHA_A = "a" * 40
SHA_T = "f" * 40
FORMAT = "--format=%(refname)%00%(objecttype)%00%(type)%00%(object)%00%(taggerdate:unix)"


def for_each_ref(artifact: str = "") -> list:
    """The listing of an artifact's tags (all tags without one)."""
    patterns = ([f"refs/tags/{artifact}@*", f"refs/tags/{artifact}#*", f"refs/tags/{artifact}#*/**"]
                if artifact else ["refs/tags/"])
    return ["git", "for-each-ref", FORMAT, *patterns]


FOR_EACH_REF = for_each_ref("m")
CAT_FILE = ["git", "cat-file", "--batch"]


def tag_line(name: str, object_type: str = "tag", target_type: str = "commit",
             target: str = SHA_A, date: str = "1700000000") -> bytes:
    return f"refs/tags/{name}\0{object_type}\0{target_type}\0{target}\0{date}\n".encode()


def obj(kind: bytes, content: bytes) -> bytes:
    """How ``git cat-file --batch`` answers for an object."""
    return b"%s %s %d\n%s\n" % (b"b" * 40, kind, len(content), content)


def blob_id(index: int) -> str:
    return "b" * 39 + "0123456789"[index]


def tree(*names: str) -> bytes:
    """A raw tree object whose files have the object ids bbb...0, bbb...1, ..."""
    return b"".join(b"100644 %s\0%s" % (name.encode(), bytes.fromhex(blob_id(index)))
                    for index, name in enumerate(names))


def file_at(content: bytes, *names: str) -> bytes:
    """cat-file's answers for a file read: its folder's tree, then its blob."""
    return obj(b"tree", tree(*names)) + obj(b"blob", content)


def test_a_lookup_runs_exactly_these_git_commands(fp, tmp_path):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(REV_PARSE, stdout="false\nfalse\n\n")
    fp.register(FOR_EACH_REF, stdout=b"".join([
        tag_line("m@v1.0.0"), tag_line("m@v2.0.0", object_type="commit", target_type=""),
        tag_line("other", target=SHA_T),
    ]))
    dvc_yaml = b"artifacts:\n  m:\n    path: models/m.pkl\n"
    fp.register(CAT_FILE, stdout=file_at(dvc_yaml, "dvc.yaml"))
    result = artifacts_show("m", repo=str(tmp_path))
    assert result == {"path": os.path.join("models", "m.pkl"), "rev": SHA_A}
    assert [list(call) for call in fp.calls] == [VERSION, REV_PARSE, FOR_EACH_REF, CAT_FILE]


def test_cat_file_is_asked_for_the_commit_and_path(fp, tmp_path, monkeypatch):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(REV_PARSE, stdout="false\nfalse\n\n")
    fp.register(for_each_ref("nlp=m"), stdout=tag_line("nlp=m#prod#1"))
    requests = []
    real_read = git.CatFileBatch.read
    monkeypatch.setattr(git.CatFileBatch, "read",
                        lambda batch, spec: requests.append(spec) or real_read(batch, spec))
    dvc_yaml = b"vars: [p.yaml]\nartifacts:\n  m:\n    path: ${x}\n"
    fp.register(CAT_FILE, stdout=file_at(dvc_yaml, "dvc.yaml", "p.yaml") + obj(b"blob", b"x: m.bin\n"))
    result = artifacts_show("nlp:m", stage="prod", repo=str(tmp_path))
    assert result["path"] == os.path.join("nlp", "m.bin")
    # nlp's tree is read once; params.yaml is not in it, so only the two blobs follow.
    assert requests == [f"{SHA_A}:nlp", blob_id(0), blob_id(1)]


def test_tags_of_tags_are_peeled_in_one_process(fp, tmp_path):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(REV_PARSE, stdout="true\nfalse\n\n")
    fp.register(for_each_ref(), stdout=tag_line("m@v1.0.0", target_type="tag", target=SHA_T)
                + tag_line("m@v2.0.0", target_type="tree"))
    peel = ["git", "cat-file", "--batch-check=%(objecttype) %(objectname)"]
    fp.register(peel, stdout=f"commit {SHA_A}\n")
    tags = LocalRepository(str(tmp_path)).tags()
    assert [(tag.name, tag.commit) for tag in tags] == [("m@v1.0.0", SHA_A)]
    assert list(fp.calls[-1]) == peel


@pytest.mark.parametrize(
    ("output", "found"),
    [("git version 2.30.9\n", "found git 2.30.9"), ("git version 1.8.3.1\n", "found git 1.8.3")],
)
def test_old_git_is_refused(fp, tmp_path, output, found):
    fp.register(VERSION, stdout=output)
    with pytest.raises(GitError, match=f"needs git 2.31 or newer; {found}"):
        artifacts_show("m", repo=str(tmp_path))
    assert len(fp.calls) == 1


@pytest.mark.parametrize(
    ("output", "version"), [("git version 2.31.0\n", "2.31.0"), ("git version 2.45.1.windows.1\n", "2.45.1"),
                            ("git version 2.39.3 (Apple Git-146)\n", "2.39.3"), ("git version 3.0\n", "3.0")],
)
def test_git_versions_are_read(fp, output, version):
    fp.register(VERSION, stdout=output)
    assert git.ensure_supported_git() == version


def test_unreadable_version(fp):
    fp.register(VERSION, stdout="hello\n")
    with pytest.raises(GitError, match="cannot read the version of git"):
        git.ensure_supported_git()


def test_git_version_is_checked_once_per_process(fp):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(["git", "status"], occurrences=2)
    git.run(["status"])
    git.run(["status"])
    assert fp.call_count(VERSION) == 1


def test_not_a_repository(fp, tmp_path):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(REV_PARSE, returncode=128,
                stderr="fatal: not a git repository (or any of the parent directories): .git\n")
    with pytest.raises(GitError, match="not a git repository") as info:
        artifacts_show("m", repo=str(tmp_path))
    assert "git rev-parse" in str(info.value)


def test_failure_messages_hide_credentials(fp):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(["git", "ls-remote", "https://user:s3cret@example.com/r.git"], returncode=128,
                stderr="fatal: unable to access 'https://user:s3cret@example.com/r.git/': 403\n")
    with pytest.raises(GitError) as info:
        git.run(["ls-remote", "https://user:s3cret@example.com/r.git"])
    assert "s3cret" not in str(info.value) and "s3cret" not in repr(info.value)
    assert "https://***@example.com/r.git" in str(info.value)


def test_environment_disables_prompts(fp):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    seen = {}
    fp.register(["git", "status"], callback=lambda process: seen.update(process.kwargs["env"]))
    git.run(["status"])
    assert seen["GIT_TERMINAL_PROMPT"] == "0"


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan"])
def test_bad_timeout_setting(monkeypatch, value):
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", value)
    with pytest.raises(InvalidArgumentError, match="ARTIFACTS_SHOW_TIMEOUT"):
        git.timeout_seconds()


def test_no_git_on_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GitError, match="needs git .* none was found on PATH"):
        artifacts_show("m", repo=str(tmp_path))


def hanging_git(tmp_path, monkeypatch):
    """Put on PATH a git that hangs, with a child of its own; returns where the child's pid will be."""
    fake = tmp_path / "git"
    pidfile = tmp_path / "child.pid"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "git version 2.39.5"; exit 0; fi\n'
        f"sleep 30 & echo $! > {pidfile}.new && mv {pidfile}.new {pidfile}\nwait\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return pidfile


def test_real_timeout_kills_the_process_group(monkeypatch, tmp_path):
    """A git that hangs (and has a child of its own) is killed whole after the timeout."""
    pidfile = hanging_git(tmp_path, monkeypatch)
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "0.5")
    with pytest.raises(GitError, match="timed out"):
        artifacts_show("m", repo=str(tmp_path))
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5  # SIGKILL is delivered, and the orphan reaped, a moment later
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _running(child)


def _running(pid: int) -> bool:
    """True if ``pid`` is alive (a zombie waiting for a parent to reap it is not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_started_git_runs_while_the_caller_works_and_abandoning_it_leaves_nothing(monkeypatch, tmp_path):
    """``start`` returns while git runs (its child is already up); ``abandon`` kills both and reaps."""
    pidfile = hanging_git(tmp_path, monkeypatch)
    running = git.start(["ls-remote", "--tags", "--", "https://example.com/r.git"])
    deadline = time.monotonic() + 10
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    child = int(pidfile.read_text())
    assert _running(child)
    running.abandon()
    assert running._process.returncode is not None  # git itself is reaped, not a zombie
    deadline = time.monotonic() + 5  # its child gets the same SIGKILL, delivered a moment later
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _running(child)


def test_output_of_a_started_git_is_checked_like_run(fp):
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(["git", "ls-remote", "--tags", "--", "u"], stdout=b"listing")
    fp.register(["git", "ls-remote", "--tags", "--", "v"], returncode=128, stderr=b"fatal: no such repo")
    assert git.start(["ls-remote", "--tags", "--", "u"]).output() == b"listing"
    failing = git.start(["ls-remote", "--tags", "--", "v"])
    with pytest.raises(GitError) as failure:
        failing.output()
    assert str(failure.value) == "fatal: no such repo (git ls-remote)"


def test_cat_file_times_each_read_not_its_idle_life(monkeypatch, tmp_path):
    """One cat-file serves a lookup's reads while fetches (with their own timeouts) run between
    them: idle longer than the timeout, it still answers."""
    repo = tmp_path / "r"
    git.run(["init", "-q", str(repo)])
    blob = git.run(["hash-object", "-w", "--stdin"], cwd=str(repo), stdin=b"content\n").decode().strip()
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "0.3")
    with git.CatFileBatch(cwd=str(repo)) as batch:
        time.sleep(0.8)
        assert batch.read(blob) == ("blob", b"content\n")
        time.sleep(0.8)
        assert batch.read(blob) == ("blob", b"content\n")


@pytest.mark.parametrize(("returncode", "said"), [
    (-25, "was killed by SIGXFSZ"), (-9, "was killed by SIGKILL"), (-200, "was killed by signal 200"),
    (128, "failed with exit status 128, saying nothing"),
])
def test_a_git_killed_by_a_signal_says_which(returncode, said):
    assert str(git._failure(["clone", "u"], returncode, b"")) == f"git clone {said}"


def test_no_writable_folder_at_all_is_one_clear_error(monkeypatch):
    import tempfile

    from artifacts_show.cache import CacheFolder

    def no_folder(**kwargs):
        raise FileNotFoundError(2, "No usable temporary directory found in ['/tmp']")

    monkeypatch.setattr(tempfile, "mkdtemp", no_folder)
    with pytest.raises(GitError, match="no writable folder for the lookup's repository, neither the cache nor "
                                       "a temporary one: No usable temporary directory found"):
        CacheFolder.temporary()


@pytest.mark.parametrize("users", [{}, {"GIT_HTTP_LOW_SPEED_TIME": "5", "GIT_HTTP_LOW_SPEED_LIMIT": "1000"}])
def test_a_stalled_transfer_ends_after_the_timeout_even_without_python(monkeypatch, users):
    """Fetches carry libcurl's low-speed limit, so a killed lookup's git does not hold the URL's
    lock for ever on a server that went silent; the user's own limits win."""
    from artifacts_show.mirror import remote_environment
    from artifacts_show.urls import classify

    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "42.5")
    for name, value in users.items():
        monkeypatch.setenv(name, value)
    env = git._environment(remote_environment(classify("https://example.com/r.git"), promisor=True))
    assert (env["GIT_HTTP_LOW_SPEED_LIMIT"], env["GIT_HTTP_LOW_SPEED_TIME"]) == (
        (users["GIT_HTTP_LOW_SPEED_LIMIT"], users["GIT_HTTP_LOW_SPEED_TIME"]) if users else ("1", "43"))


def test_a_fetch_from_a_server_gone_silent_ends_on_its_own(monkeypatch):
    """What a killed lookup's git meets: no Python to time it out; libcurl's limit does."""
    import subprocess

    from artifacts_show.mirror import remote_environment
    from artifacts_show.urls import classify
    from fixtures.servers import SilentServer

    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "1")
    silent = SilentServer()
    url = f"http://127.0.0.1:{silent.port}/r.git"
    try:
        env = git._environment(remote_environment(classify(url), promisor=True))
        done = subprocess.run(["git", "ls-remote", url], env=env, capture_output=True, timeout=60)
    finally:
        silent.stop()
    assert done.returncode != 0 and b"Operation too slow" in done.stderr, done.stderr


def test_a_failure_says_gits_cause_first_and_names_only_the_subcommand(fp, caplog):
    """Narrow CI log views cut long lines: git's fatal line comes first, then its other lines,
    then which git said it; the whole command (here 400 characters) is in the debug log only."""
    url = "https://example.com/" + "x" * 350 + ".git"
    args = ["-c", "fetch.negotiationAlgorithm=noop", "fetch", "--quiet", "--no-tags", "--stdin", url]
    fp.register(VERSION, stdout="git version 2.39.5\n")
    fp.register(["git", *args], returncode=128, stderr=b"warning: redirecting to https://example.com/r/\n"
                b"remote: Repository not found.\nfatal: repository 'https://example.com/r/' not found\n")
    with caplog.at_level("DEBUG", logger="artifacts_show"), pytest.raises(GitError) as failure:
        git.run(args)
    assert str(failure.value) == ("fatal: repository 'https://example.com/r/' not found; remote: Repository "
                                  "not found.; warning: redirecting to https://example.com/r/ (git fetch)")
    assert f"git -c fetch.negotiationAlgorithm=noop fetch --quiet --no-tags --stdin {url} (" in caplog.text


def test_a_timeout_names_the_subcommand_not_the_command_line():
    args = ["-c", "a=b", "clone", "--quiet", "--", "https://example.com/r.git", "/x"]
    assert str(git._timed_out(args, 2.5)) == "git clone timed out after 2.5 s (ARTIFACTS_SHOW_TIMEOUT)"


def _packed_blobs(repo: str, count: int) -> list:
    """``count`` blobs written into one pack (GIT_TRACE_PACK_ACCESS traces packed objects only)."""
    git.run(["init", "-q", "--bare", repo])
    stream = b"".join(b"blob\nmark :%d\ndata %d\n%s\n" % (index + 1, len(b"%d" % index), b"%d" % index)
                      for index in range(count))
    git.run(["fast-import", "--quiet", f"--export-marks={repo}/marks"], cwd=repo, stdin=stream)
    with open(f"{repo}/marks") as marks:
        return [line.split()[1] for line in marks]


def test_cat_file_never_blocks_on_a_trace_and_passes_it_through(tmp_path, monkeypatch, capfd):
    """With GIT_TRACE_PACK_ACCESS, cat-file writes a line to stderr per object read: 2,000 reads
    are about 200 KB, more than a pipe holds. Its stderr is drained as it comes, to ours."""
    blobs = _packed_blobs(str(tmp_path / "r.git"), 2000)
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "10")
    monkeypatch.setenv("GIT_TRACE_PACK_ACCESS", "1")
    with git.CatFileBatch(cwd=str(tmp_path / "r.git")) as batch:
        assert [batch.read(blob) for blob in blobs] == [("blob", b"%d" % index) for index in range(2000)]
    traced = capfd.readouterr().err
    assert traced.count("packfile.c") >= 2000 and traced.count(".pack ") >= 2000


def test_a_trace_asked_for_passes_through_on_success_and_nothing_else_does(tmp_path, monkeypatch, capfd):
    git.run(["init", "-q", str(tmp_path / "r")])
    with pytest.raises(GitError):
        git.run(["rev-parse", "--verify", "nothing-here"], cwd=str(tmp_path / "r"))
    assert capfd.readouterr().err == ""  # no trace asked for: git's words are the error's alone
    monkeypatch.setenv("GIT_TRACE", "1")
    assert git.run(["rev-parse", "--is-bare-repository"], cwd=str(tmp_path / "r")) == b"false\n"
    assert "trace: built-in: git rev-parse --is-bare-repository" in capfd.readouterr().err


def test_with_a_trace_the_error_is_gits_own_message_alone(tmp_path, monkeypatch, capfd):
    """The trace goes to stderr as git wrote it; the error is git's fatal line, not the trace."""
    git.run(["init", "-q", str(tmp_path / "r")])
    monkeypatch.setenv("GIT_TRACE", "true")
    monkeypatch.setenv("GIT_TRACE_PERFORMANCE", "2")  # a trace line after the fatal one
    with pytest.raises(GitError) as failure:
        git.run(["rev-parse", "--verify", "nothing-here"], cwd=str(tmp_path / "r"))
    assert str(failure.value) == "fatal: Needed a single revision (git rev-parse)"
    passed = capfd.readouterr().err.split("\n")
    assert "trace: built-in: git rev-parse --verify nothing-here" in passed[0]
    assert passed[1] == "fatal: Needed a single revision" and "performance: " in passed[2]


@pytest.mark.parametrize(("env", "traced"), [
    ({}, False), ({"GIT_TRACE": "1"}, True), ({"GIT_TRACE": "TRUE"}, True), ({"GIT_TRACE_PACKET": "2"}, True),
    ({"GIT_TRACE": "0"}, False), ({"GIT_TRACE": "false"}, False), ({"GIT_TRACE": "/tmp/trace"}, False),
    ({"GIT_TRACE": "3"}, False), ({"GIT_TRACE_REDACT": "1", "GIT_TRACE_BARE": "1"}, False),
    ({"GIT_TRACE2": "1"}, True), ({"GIT_TRACE2_PERF": "true"}, True), ({"GIT_TRACE2_BRIEF": "1"}, False),
    ({"GIT_TRACE2_PARENT_SID": "1"}, False), ({"GIT_CURL_VERBOSE": "0"}, True),
])
def test_which_settings_make_git_trace_to_stderr(env, traced):
    """As git reads them: a target set to 1, 2 or true; GIT_CURL_VERBOSE set to anything."""
    assert git.traces_to_stderr(env) is traced
