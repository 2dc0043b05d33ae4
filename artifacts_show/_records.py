"""Records (named tuples) declared with annotations, without importing ``typing``.

Type checkers see ``typing.NamedTuple``; at run time the same class statement
builds a ``collections.namedtuple`` with the methods, properties and docstring
of the class body, as ``typing`` does. Importing ``typing`` costs a noticeable part
of a warm lookup (benchmarks/RESULTS.md), and records were all the package used it for.
"""

from __future__ import annotations

import collections

TYPE_CHECKING = False  # see artifacts_show/__init__.py
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:

    class _NamedTupleType(type):
        def __new__(cls, name, bases, namespace):
            if not bases:  # NamedTuple itself
                return super().__new__(cls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[field] for field in fields if field in namespace]
            record = collections.namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            for key, value in namespace.items():
                if key not in fields and key not in ("__module__", "__annotations__"):
                    setattr(record, key, value)
            return record

    class NamedTuple(metaclass=_NamedTupleType):
        """Base of a record class: ``class Point(NamedTuple): x: int; y: int = 0``."""
