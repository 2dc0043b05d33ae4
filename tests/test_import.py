"""Importing the package stays light: yaml and packaging load only when a lookup needs them."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def imported_modules(code: str) -> set:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=ROOT), check=True,
    )
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}


def test_import_loads_neither_yaml_nor_packaging():
    modules = imported_modules("import artifacts_show")
    assert "artifacts_show" in modules
    assert not {name for name in modules if name.split(".")[0] in ("yaml", "packaging")}
    assert "artifacts_show.api" not in modules


def test_public_names():
    import artifacts_show

    assert set(artifacts_show.__all__) <= set(dir(artifacts_show)) | {"artifacts_show"}
    assert callable(artifacts_show.artifacts_show)
    assert issubclass(artifacts_show.ArtifactNotFoundError, LookupError)
    assert issubclass(artifacts_show.InvalidArgumentError, ValueError)
