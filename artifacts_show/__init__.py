"""Which commit and which path is artifact X at version V, in stage S, or latest?

The answers of ``dvc.api.artifacts_show`` for Git-based model registries,
without DVC and without cloning. Importing this package stays light: the
lookup machinery (and ``yaml``, ``packaging``) loads on first use.
"""

from ._speed import TYPE_CHECKING
from .errors import (
    ArtifactNotFoundError,
    ArtifactsShowError,
    GitError,
    GitTimeoutError,
    InvalidArgumentError,
    MalformedFileError,
    OutsideProjectError,
    ShallowCheckoutError,
    UnsupportedContentError,
)

if TYPE_CHECKING:
    from .api import Registry, artifacts_list, artifacts_show, artifacts_url
    from .dvcyaml import Declaration
    from .registry import TagEvent, VersionEntry

__version__ = "0.1.0"
__all__ = [
    "ArtifactNotFoundError",
    "ArtifactsShowError",
    "GitError",
    "GitTimeoutError",
    "InvalidArgumentError",
    "MalformedFileError",
    "OutsideProjectError",
    "ShallowCheckoutError",
    "UnsupportedContentError",
    "Declaration",
    "Registry",
    "TagEvent",
    "VersionEntry",
    "__version__",
    "artifacts_list",
    "artifacts_show",
    "artifacts_url",
]


_LAZY = ("Declaration", "Registry", "TagEvent", "VersionEntry",
         "artifacts_list", "artifacts_show", "artifacts_url")


def __getattr__(name: str) -> object:
    """The lookup machinery loads on first use of these names."""
    if name in _LAZY:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
