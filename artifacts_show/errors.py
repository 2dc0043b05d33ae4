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
