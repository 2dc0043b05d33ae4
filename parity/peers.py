"""Run inside the peers' virtual environment (dvc and gto): answer lookups the way they do.

Reads a JSON list of queries on stdin, each {"repo", "name", "version", "stage"},
writes a JSON list of answers: {"dvc": {"rev", "path"} or {"error"}, "gto": commit, null or {"error"}}.
gto is asked only for floating lookups (latest, stage): its registry state.
One process serves many queries, so the peers' import time is paid once.
"""

import json
import sys


def dvc_answer(query):
    import dvc.api

    try:
        return dict(dvc.api.artifacts_show(query["name"], version=query["version"], stage=query["stage"],
                                           repo=query["repo"]))
    except Exception as error:  # noqa: BLE001 - every failure is an answer to compare
        return {"error": type(error).__name__, "message": str(error)[:200]}


def gto_answer(query):
    """The commit ``gto show`` gives: latest (registered only), or the stage's version
    (most recent assignment first, as ``gto show`` sorts); deprecated artifacts are hidden."""
    from gto.constants import VersionSort
    from gto.registry import GitRegistry

    try:
        with GitRegistry.from_url(query["repo"]) as registry:
            artifact = registry.get_artifacts().get(query["name"])
            if artifact is None or not artifact.is_active:
                return None
            if query["stage"]:
                found = artifact.get_vstages(sort=VersionSort.Timestamp).get(query["stage"], [])
                return found[0].commit_hexsha if found else None
            latest = artifact.get_latest_version(registered_only=True)
            return latest.commit_hexsha if latest else None
    except Exception as error:  # noqa: BLE001
        return {"error": type(error).__name__, "message": str(error)[:200]}


def main():
    import logging

    logging.disable(logging.CRITICAL)
    answers = []
    for query in json.load(sys.stdin):
        answer = {"dvc": dvc_answer(query)}
        if not query["version"]:
            answer["gto"] = gto_answer(query)
        answers.append(answer)
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
