"""Each trick of ``_speed.py`` does what the module it avoids would do, and a lookup loads none
of those modules."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import typing

import pytest

from artifacts_show._speed import NamedTuple, debug, executable_identity, terminal_columns, to_json
from fixtures import ROOT


def point_class(base: type) -> type:
    class Point(base):  # type: ignore[misc, valid-type]
        """A point."""

        x: int
        y: int = 0
        label: str = "p"

        @property
        def norm(self) -> int:
            return abs(self.x) + abs(self.y)

        def moved(self, dx: int) -> Point:
            return self._replace(x=self.x + dx)

    return Point


@pytest.mark.parametrize("args", [(1,), (1, 2), (3, -4, "q")])
def test_same_records_as_typing(args):
    ours, theirs = point_class(NamedTuple), point_class(typing.NamedTuple)
    a, b = ours(*args), theirs(*args)
    assert tuple(a) == tuple(b) and repr(a) == repr(b)
    assert ours._fields == theirs._fields and ours._field_defaults == theirs._field_defaults
    assert a.norm == b.norm and tuple(a.moved(5)) == tuple(b.moved(5)) and type(a.moved(5)) is ours
    assert ours.__doc__ == theirs.__doc__ == "A point."
    assert (ours.__name__, ours.__qualname__, ours.__module__) == \
           (theirs.__name__, theirs.__qualname__, theirs.__module__)
    assert issubclass(ours, tuple) and hash(a) == hash(tuple(args) + b[len(args):])
    with pytest.raises(AttributeError):
        a.x = 5


def test_a_lookup_loads_none_of_the_modules_avoided(tmp_path):
    bundle = os.path.join(ROOT, "fixtures", "example-registry.bundle")
    code = ("import sys; from artifacts_show.cli import main\n"
            f"for _ in range(2): main(['churn-model', '--stage', 'prod', '--repo', {bundle!r}])\n"
            "print(sorted(name for name in ('typing', 'json', 'shutil', 'logging') if name in sys.modules))")
    # -S: some site hooks (not this package) import typing at start-up. Twice: cold, then warm.
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True,
                            cwd=ROOT, env=dict(os.environ, ARTIFACTS_SHOW_CACHE_DIR=str(tmp_path)))
    assert result.stdout.strip().split("\n")[-1] == "[]"


def test_terminal_columns_as_shutil_finds_them(monkeypatch):
    for columns in ("132", "", "junk", "0"):
        monkeypatch.setenv("COLUMNS", columns)
        assert terminal_columns() == shutil.get_terminal_size().columns


def test_executable_identity_is_the_binary_shutil_which_finds(tmp_path, monkeypatch):
    assert executable_identity("git").split("\0")[0] == os.path.realpath(shutil.which("git"))
    fake = tmp_path / "git"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    before = executable_identity("git")
    assert before.split("\0")[0] == str(fake)
    fake.write_text("#!/bin/sh\nexit 0\n")  # a new git, known by its size
    assert executable_identity("git") != before
    assert executable_identity("no-such-program-here") is None


def test_debug_logs_once_logging_is_in_use(caplog):
    with caplog.at_level(logging.DEBUG, logger="artifacts_show"):
        debug("listing %s", "m@*")
    assert caplog.messages == ["listing m@*"]


def test_json_output_is_what_json_dumps_writes():
    import random

    rng = random.Random(5)
    samples = ["a/b", 'x"y\\z', "tab\there", "nl\nr\rb\bf\f", "é", "😀", "\x7f", "\u2028", "\x00"]
    for _ in range(3000):
        chars = (chr(rng.choice([rng.randrange(0, 128), rng.randrange(128, 0xD800),
                                 rng.randrange(0xE000, 0x110000)])) for _ in range(6))
        samples.append("".join(chars))
    for text in samples:
        result = {"path": text, "rev": "c0ffee"}
        assert to_json(result) == json.dumps(result)


def test_remove_tree_removes_what_shutil_rmtree_would_and_follows_no_link(tmp_path):
    from artifacts_show._speed import remove_tree

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kept").write_text("kept")
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "file").write_text("x")
    (tree / "link").symlink_to(outside, target_is_directory=True)
    remove_tree(str(tree))
    remove_tree(str(tree))  # gone already: nothing to say
    assert not tree.exists() and (outside / "kept").read_text() == "kept"
