"""Run inside the peers' virtual environment: the storage URLs ``dvc.api.get_url`` gives.

Reads a JSON list of queries on stdin, each {"repo", "path", "rev", "remote"}, writes
a JSON list of answers: {"url"} or {"error", "message"}; a query {"config": text} is
answered with how DVC reads that config file: {"parsed"} or {"error", "message"}. One process serves many
queries, so DVC's import time is paid once. An audit hook refuses every host-name look-up
and connection (the answer is then a ``NetworkAttempt`` error), and
test_url_parity.py starts it without cloud metadata look-ups and, where the
machine allows it, in a network namespace of its own.
"""

import json
import sys


class NetworkAttempt(RuntimeError):
    """Raised inside DVC where it would resolve a host name or connect: no retry loop catches it."""


def refuse_network(event, args):
    """An audit hook: nothing in this process reaches a network, whatever DVC tries."""
    if event == "socket.getaddrinfo" or (event == "socket.connect" and isinstance(args[1], tuple)):
        raise NetworkAttempt(f"{event} {args[1:]!r}")


def parsed_config(text):
    """A config file's text as DVC reads it, before its schema checks the values."""
    import os
    import tempfile

    from dvc.config import Config

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "config")
        with open(path, "w") as config:
            config.write(text)
        try:
            return {"parsed": Config.load_file(path)}
        except Exception as error:  # noqa: BLE001
            return {"error": type(error).__name__, "message": str(error)[:300]}


def answer(query):
    if "config" in query:
        return parsed_config(query["config"])
    import dvc.api

    try:
        return {"url": dvc.api.get_url(query["path"], repo=query["repo"], rev=query["rev"],
                                       remote=query["remote"])}
    except Exception as error:  # noqa: BLE001 - every failure is an answer to compare
        return {"error": type(error).__name__, "message": str(error)[:300]}


def main():
    import logging

    logging.disable(logging.CRITICAL)
    sys.addaudithook(refuse_network)
    json.dump([answer(query) for query in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
