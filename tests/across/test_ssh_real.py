"""The ssh transport against a real OpenSSH server (fixtures/sshd.py) on 127.0.0.1.

Where sshd cannot run (not installed), these tests are skipped and say why; CI installs
Debian's openssh-server first. The server's log counts the connections it let in: one per
git command that reached it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time

import pytest

from artifacts_show import GitError, artifacts_show
from artifacts_show.errors import GitTimeoutError
from fixtures import ROOT
from fixtures.builder import build, git
from fixtures.registries import EXAMPLE_REGISTRY
from fixtures.sshd import OpenSshServer, make_key, why_not_available

pytestmark = pytest.mark.skipif(why_not_available() is not None, reason=str(why_not_available()))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The example registry as a bare repository, and sshd letting the current user in."""
    base = str(tmp_path_factory.mktemp("ssh-served"))
    built = build(EXAMPLE_REGISTRY, os.path.join(base, "example.git"), bare=True)
    git("config", "uploadpack.allowFilter", "true", cwd=built.path)
    git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=built.path)
    server = OpenSshServer(str(tmp_path_factory.mktemp("sshd")))
    yield server, built
    server.stop()


@pytest.fixture
def ssh(served, monkeypatch):
    """Lookups in this test reach the server with its key and known_hosts (and a short timeout,
    so that a prompt nobody answers would show as a timeout rather than hang the suite)."""
    server, built = served
    for key, value in server.ssh_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ARTIFACTS_SHOW_TIMEOUT", "20")
    return server, built


def test_cold_then_warm_lookup(ssh):
    server, built = ssh
    url = server.url(built.path)
    before = server.sessions()
    assert artifacts_show("churn-model", stage="prod", repo=url) == {
        "path": "models/churn.pkl", "rev": built.commits["churn-1"]}
    cold = server.sessions() - before
    assert cold == 2  # the listing (tags, their commits and trees); then the blobs read
    before = server.sessions()
    assert artifacts_show("churn-model", stage="prod", repo=url)["rev"] == built.commits["churn-1"]
    assert server.sessions() - before == 1  # warm: the listing alone


def test_scp_like_url(served, monkeypatch):
    server, built = served
    for key, value in server.ssh_env(port=True).items():
        monkeypatch.setenv(key, value)
    result = artifacts_show("nlp:bert", repo=f"{server.user}@127.0.0.1:{built.path}")
    assert result == {"path": "nlp/weights/bert.bin", "rev": built.commits["nlp-2"]}


def lookup_error(server, url, **ssh_options) -> GitError:
    """The GitError of a lookup through ``server`` with these client settings; never a timeout."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in server.ssh_env(**ssh_options).items():
            patch.setenv(key, value)
        patch.setenv("ARTIFACTS_SHOW_TIMEOUT", "20")
        with pytest.raises(GitError) as info:
            artifacts_show("churn-model", repo=url)
    assert not isinstance(info.value, GitTimeoutError), info.value
    return info.value


def test_a_key_the_server_does_not_know_fails_at_once(served, tmp_path):
    server, built = served
    make_key(str(tmp_path / "stranger"))
    error = lookup_error(server, server.url(built.path), key=str(tmp_path / "stranger"))
    assert "Permission denied (publickey)" in str(error)


def test_a_key_locked_by_a_passphrase_is_not_asked_for(served, tmp_path):
    """The right key, but locked: ssh may not ask for the passphrase, so it is refused."""
    server, built = served
    locked = str(tmp_path / "locked")
    public = make_key(locked, passphrase="secret words")
    with open(server.authorized_keys, "a") as authorized:
        authorized.write(f"restrict {public}\n")
    error = lookup_error(server, server.url(built.path), key=locked)
    assert "Permission denied (publickey)" in str(error)


def test_an_unknown_host_key_is_not_asked_about(served, tmp_path):
    """With an empty known_hosts and ssh's default (ask), there is no one to ask: refused."""
    server, built = served
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    error = lookup_error(server, server.url(built.path), known_hosts=str(empty), strict="ask")
    assert "Host key verification failed" in str(error)
    assert empty.read_text() == ""  # nothing was accepted on the user's behalf


def test_a_changed_host_key_fails(served, tmp_path):
    server, built = served
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"[127.0.0.1]:{server.port} {make_key(str(tmp_path / 'other_host'))}\n")
    error = lookup_error(server, server.url(built.path), known_hosts=str(wrong))
    assert "Host key verification failed" in str(error)


def test_command_line_at_a_terminal_does_not_prompt(served, tmp_path):
    """artifacts-show run by a person at a terminal (a pseudo-terminal that is the process's
    controlling terminal) with an unknown host key: ssh would ask "continue connecting
    (yes/no)?" there; git runs without it, so the lookup fails with exit status 3 instead."""
    server, built = served
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    env = dict(os.environ, **server.ssh_env(known_hosts=str(empty), strict="ask"),
               ARTIFACTS_SHOW_TIMEOUT="20", PYTHONPATH=ROOT)
    master, slave = pty.openpty()

    def take_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [sys.executable, "-m", "artifacts_show", "churn-model", "--repo", server.url(built.path)],
        stdin=slave, stdout=slave, stderr=slave, env=env, preexec_fn=take_terminal, close_fds=True,
    )
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: every process on it exited
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    code = process.wait(timeout=30)
    text = shown.decode("utf-8", "replace")
    assert code == 3, text
    assert "Host key verification failed" in text
    assert "yes/no" not in text and "continue connecting" not in text
