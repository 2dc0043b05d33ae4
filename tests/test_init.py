"""Importing the package stays light: yaml and packaging load only when a lookup needs them."""

import os
import subprocess
import sys

from fixtures import ROOT


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

    assert set(artifacts_show.__all__) <= set(dir(artifacts_show))
    assert all(callable(getattr(artifacts_show, name)) for name in ("artifacts_show", "artifacts_list", "Registry"))
    assert issubclass(artifacts_show.ArtifactNotFoundError, LookupError)
    assert issubclass(artifacts_show.InvalidArgumentError, ValueError)


def test_a_lookup_from_the_command_line_loads_no_more_than_it_needs(build_registry):
    """yaml only when dvc.yaml is read; never shutil (argparse would import it to learn
    the terminal's width) nor packaging (git's version is remembered)."""
    from fixtures.registries import EXAMPLE_REGISTRY

    example = build_registry("example", EXAMPLE_REGISTRY)
    watched = ("shutil", "yaml", "packaging")
    code = (
        "import sys\n"
        "from artifacts_show.cli import main\n"
        f"for name in {watched}: sys.modules.pop(name, None)  # some site hooks load shutil\n"
        "main(['churn-model', '--repo', sys.argv[1]])\n"
        f"print(*[name for name in {watched} if name in sys.modules])\n"
    )

    def loaded() -> list:
        return subprocess.run([sys.executable, "-c", code, example.path], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=ROOT), check=True).stdout.split("\n")[1].split()

    assert loaded() == ["yaml", "packaging"]  # cold: dvc.yaml is parsed, git's version is checked
    assert loaded() == []
