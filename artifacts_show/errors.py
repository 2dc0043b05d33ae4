"""The exception hierarchy: one base class, so callers can catch everything, and one class
per kind of failure a caller can act on. The CLI's exit status follows the class: 1 not
found, 2 invalid argument, 3 every other."""


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


class MalformedFileError(ArtifactsShowError):
    """A file the answer reads has wrong content: ``dvc.yaml``, a parameter file, a DVC
    config, a ``.dvc`` file or ``dvc.lock``. The message names the file and the commit."""


class UnsupportedContentError(ArtifactsShowError):
    """The registry holds something a lookup does not read: a symbolic link, a submodule, a
    file over 4 MiB or a name with a line break where a file is expected, a DVC remote of a
    plugin whose URLs are not formed here."""


class OutsideProjectError(ArtifactsShowError):
    """The answer's path lies outside the folder paths are reported from (the DVC root of
    ``repo``, see :func:`artifacts_show`)."""
