"""Git servers on 127.0.0.1 that tests start and stop themselves.

``git daemon`` (git://), ``git http-backend`` behind a small threaded HTTP
server (smart HTTP, optional basic authentication, per-request delay, byte and
request accounting), an ssh stand-in that runs the remote command locally, and
a TCP server that accepts connections and never answers.
"""

from __future__ import annotations

import base64
import os
import socket
import stat
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def server_config(allow_filter: bool) -> Dict[str, str]:
    """Server-side git configuration for upload-pack, through the environment."""
    return {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "uploadpack.allowFilter",
        "GIT_CONFIG_VALUE_0": "true" if allow_filter else "false",
        "GIT_CONFIG_KEY_1": "uploadpack.allowAnySHA1InWant",
        "GIT_CONFIG_VALUE_1": "true" if allow_filter else "false",
    }


class GitDaemon:
    """``git daemon`` serving every repository under ``base`` as git://127.0.0.1:PORT/NAME."""

    def __init__(self, base: str, allow_filter: bool = True) -> None:
        self.base, self.port = base, free_port()
        env = dict(os.environ, **server_config(allow_filter))
        self.process = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={self.port}",
             f"--base-path={base}", "--export-all", "--informative-errors", base],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass
class Request:
    method: str
    path: str
    body: bytes
    sent: int  # response bytes


@dataclass
class HttpStats:
    requests: List[Request] = field(default_factory=list)

    @property
    def bytes_sent(self) -> int:
        return sum(request.sent for request in self.requests)

    @property
    def fetches(self) -> int:
        """upload-pack requests that ask for objects (protocol v2 ``command=fetch``)."""
        return sum(b"command=fetch" in request.body for request in self.requests)

    def clear(self) -> None:
        self.requests.clear()


class SmartHttpServer:
    """``git http-backend`` as CGI behind a threaded HTTP server on 127.0.0.1."""

    def __init__(self, base: str, allow_filter: bool = True,
                 credentials: Optional[Tuple[str, str]] = None, delay: float = 0.0) -> None:
        self.base, self.stats = base, HttpStats()
        backend_env = dict(os.environ, **server_config(allow_filter),
                           GIT_PROJECT_ROOT=base, GIT_HTTP_EXPORT_ALL="1")
        expected = None
        if credentials:
            expected = "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
        stats, lock, server = self.stats, threading.Lock(), self
        self.delay = delay

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.backend()

            def do_POST(self) -> None:
                self.backend()

            def read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        chunk = self.rfile.read(size + 2)[:size]
                        if not size:
                            return b"".join(chunks)
                        chunks.append(chunk)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def backend(self) -> None:
                time.sleep(server.delay)
                body = self.read_body()
                if expected and self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="registry"')
                    self.end_headers()
                    return
                path, _, query = self.path.partition("?")
                env = dict(backend_env, PATH_INFO=path, QUERY_STRING=query,
                           REQUEST_METHOD=self.command, CONTENT_LENGTH=str(len(body)),
                           CONTENT_TYPE=self.headers.get("Content-Type", ""),
                           REMOTE_ADDR="127.0.0.1", REMOTE_USER=credentials[0] if credentials else "",
                           GIT_PROTOCOL=self.headers.get("Git-Protocol", ""),
                           HTTP_CONTENT_ENCODING=self.headers.get("Content-Encoding", ""))
                result = subprocess.run(["git", "http-backend"], input=body, env=env,
                                        capture_output=True, check=False)
                head, _, payload = result.stdout.partition(b"\r\n\r\n")
                status = 200
                headers = []
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                with lock:
                    stats.requests.append(Request(self.command, path, body, len(payload)))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str, userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SilentServer:
    """Accepts connections and never answers: the server that hangs."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.connections: List[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def stop(self) -> None:
        self.socket.close()
        for connection in self.connections:
            connection.close()


SSH_STAND_IN = """#!/bin/sh
# A stand-in for ssh: log what ssh would see, then run the remote command here.
log="$(dirname "$0")/ssh.log"
if (exec 3</dev/tty) 2>/dev/null; then tty=yes; else tty=no; fi
echo "tty=$tty askpass_require=$SSH_ASKPASS_REQUIRE args=$*" >> "$log"
while [ $# -gt 1 ]; do shift; done
exec sh -c "$1"
"""


def ssh_stand_in(folder: str) -> Dict[str, str]:
    """Environment that makes git's ssh transport run ``git-upload-pack`` on this machine."""
    script = os.path.join(folder, "fake-ssh")
    with open(script, "w") as handle:
        handle.write(SSH_STAND_IN)
    os.chmod(script, os.stat(script).st_mode | stat.S_IEXEC)
    return {"GIT_SSH_COMMAND": script, "GIT_SSH_VARIANT": "ssh"}
