"""The package's NamedTuple builds the same records as typing.NamedTuple, without importing typing."""

from __future__ import annotations

import subprocess
import sys
import typing

import pytest

from artifacts_show._records import NamedTuple
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


def test_a_lookup_loads_no_typing():
    code = "import sys, artifacts_show.api, artifacts_show.cli; print('typing' in sys.modules)"
    # -S: some site hooks (not this package) import typing at start-up.
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert result.stdout.strip() == "False"
