"""The exception hierarchy: one base class, so callers can catch everything."""


class ArtifactsShowError(Exception):
    """Base class of every error this package raises."""


class ArtifactNotFoundError(ArtifactsShowError, LookupError):
    """The artifact, version, stage or declaration does not exist."""


class InvalidArgumentError(ArtifactsShowError, ValueError):
    """An argument is malformed; raised before any git process starts."""


class GitError(ArtifactsShowError):
    """git itself failed: missing, too old, unreachable repository, timeout."""


class GitTimeoutError(GitError):
    """A git process ran longer than ``ARTIFACTS_SHOW_TIMEOUT`` and was killed."""


class ShallowCheckoutError(GitError):
    """A shallow repository (a CI checkout) may lack tags, and its upstream cannot answer
    instead: it has none, cannot be reached, or (offline) was never listed."""
