"""The distributions: the wheel holds the package, its ``py.typed`` and the license; the sdist
holds the source release; the metadata says what setup.cfg says.

Tests reach no package index, so the distributions are built here without build isolation,
as ``python -m build --no-isolation`` would (the sdist from the sources, then the wheel from
the unpacked sdist), with this environment's setuptools; it must meet pyproject.toml's floor
(tox installs it; an older one skips these tests, saying so). CI also builds them with
isolation, as a release is built (``python -m build``), checks them with ``twine check`` and
runs these tests on those files, named by ``ARTIFACTS_SHOW_DIST``: there nothing is skipped.
"""

from __future__ import annotations

import email.parser
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

import artifacts_show
from fixtures import ROOT

BUNDLE = os.path.join(ROOT, "fixtures", "example-registry.bundle")
DIST_ENV = "ARTIFACTS_SHOW_DIST"
SAFE = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
"""tarfile's data filter where Python has it (3.12 and later, late 3.9-3.11)."""
NOT_RELEASED = (".gitignore",)
JUNK = re.compile(r"(^|/)(__pycache__|[^/]*\.py[cod]|\.[^/]*_cache|\.hypothesis|\.tox|\.peers)(/|$)")


def source_files() -> list:
    """The files a clean clone of this checkout holds (tracked, or new and not ignored)."""
    if os.path.isdir(os.path.join(ROOT, ".git")):
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True).stdout.decode()
        names = [name for name in listed.split("\0") if name]
    else:  # an unpacked sdist
        names = [os.path.relpath(os.path.join(folder, name), ROOT).replace(os.sep, "/")
                 for folder, _, files in os.walk(ROOT) for name in files]
        names = [name for name in names if not JUNK.search(name) and ".egg-info/" not in name]
    return sorted(name for name in names if os.path.isfile(os.path.join(ROOT, name)))


def setuptools_floor() -> str:
    with open(os.path.join(ROOT, "pyproject.toml")) as pyproject:
        return re.search(r'"setuptools>=([0-9.]+)"', pyproject.read()).group(1)


def build_here(out: str, tmp: str) -> None:
    """sdist from a copy of the sources, then the wheel from the unpacked sdist."""
    from packaging.version import Version

    try:
        import setuptools
    except ImportError:
        pytest.skip(f"no setuptools in this environment to build with (and {DIST_ENV} is not set)")
    if Version(setuptools.__version__) < Version(setuptools_floor()):
        pytest.skip(f"setuptools {setuptools.__version__} here; pyproject.toml needs >= {setuptools_floor()} "
                    f"(CI builds with isolation and sets {DIST_ENV})")
    source = os.path.join(tmp, "source")
    for name in source_files():
        os.makedirs(os.path.dirname(os.path.join(source, name)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), os.path.join(source, name))

    def backend(hook: str, cwd: str) -> str:
        code = f"import sys, setuptools.build_meta as b; print(b.{hook}(sys.argv[1]))"
        done = subprocess.run([sys.executable, "-c", code, out], cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout.strip().split("\n")[-1]

    sdist = backend("build_sdist", source)
    with tarfile.open(os.path.join(out, sdist)) as archive:
        archive.extractall(os.path.join(tmp, "unpacked"), **SAFE)
    (unpacked,) = glob.glob(os.path.join(tmp, "unpacked", "*"))
    backend("build_wheel", unpacked)


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """(sdist, wheel) paths."""
    out = os.environ.get(DIST_ENV)
    if not out:
        out = str(tmp_path_factory.mktemp("dist"))
        build_here(out, str(tmp_path_factory.mktemp("build")))
    sdists, wheels = glob.glob(os.path.join(out, "*.tar.gz")), glob.glob(os.path.join(out, "*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, os.listdir(out)
    return sdists[0], wheels[0]


@pytest.fixture
def expected():
    """The bundle's answer from this checkout, in this process: other ways of running must agree."""
    return artifacts_show.artifacts_show("churn-model", stage="prod", repo=BUNDLE)


def dist_info() -> str:
    return f"artifacts_show-{artifacts_show.__version__}.dist-info"


def test_wheel_holds_the_package_its_marker_and_the_license(dists):
    _, wheel = dists
    package = {name for name in source_files()
               if name.startswith("artifacts_show/") and (name.endswith(".py") or name.endswith("/py.typed"))}
    info = dist_info()
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        license_text = archive.read(f"{info}/licenses/LICENSE")
    assert "artifacts_show/py.typed" in package
    assert {name for name in names if not name.startswith(info)} == package
    required = {f"{info}/{name}"
                for name in ("METADATA", "WHEEL", "RECORD", "entry_points.txt", "licenses/LICENSE")}
    assert required <= names <= required | package | {f"{info}/top_level.txt"}
    with open(os.path.join(ROOT, "LICENSE"), "rb") as license_file:
        assert license_text == license_file.read()
    assert b"Apache License\n                           Version 2.0, January 2004" in license_text
    assert os.path.basename(wheel) == f"artifacts_show-{artifacts_show.__version__}-py3-none-any.whl"


def test_metadata_is_what_setup_cfg_says(dists):
    _, wheel = dists
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(f"{dist_info()}/METADATA")
        metadata = email.parser.BytesParser().parsebytes(raw)
        entry_points = archive.read(f"{dist_info()}/entry_points.txt").decode()
    assert metadata["Name"] == "artifacts-show"
    assert metadata["Version"] == artifacts_show.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Requires-Python"] == ">=3.9"
    runtime = [requirement for requirement in metadata.get_all("Requires-Dist")
               if "extra ==" not in requirement]
    assert sorted(runtime) == ["packaging", "pyyaml"]
    assert metadata["Description-Content-Type"] == "text/markdown"
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:  # the body is UTF-8
        assert raw.split(b"\n\n", 1)[1].decode("utf-8").strip() == readme.read().strip()
    assert "artifacts-show = artifacts_show.cli:console" in entry_points.split("\n")


def test_sdist_holds_the_source_release(dists):
    sdist, _ = dists
    top = f"artifacts_show-{artifacts_show.__version__}/"
    with tarfile.open(sdist) as archive:
        names = {member.name[len(top):] for member in archive.getmembers() if member.isfile()}
    released = {name for name in source_files() if not name.startswith(NOT_RELEASED)}
    assert {"tests/conftest.py", "fixtures/example-registry.bundle", "tox.ini", "LICENSE"} <= released
    assert released - names == set()
    assert not [name for name in names if JUNK.search(name)]
    assert not [name for name in names if name.startswith(NOT_RELEASED)]


def test_the_sdists_own_tests_pass_from_it(dists, tmp_path):
    """The tests the sdist ships need nothing it leaves out: a sample of them, run from it
    unpacked (the README and its pages, the layers, the errors, the names)."""
    sdist, _ = dists
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, **SAFE)
    (unpacked,) = glob.glob(str(tmp_path / "artifacts_show-*"))
    sample = ["tests/across/test_readme.py", "tests/across/test_layers.py", "tests/test_errors.py",
              "tests/test_names.py"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *sample],
                            cwd=unpacked, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=unpacked))
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and " skipped" not in result.stdout


def test_the_wheel_alone_answers_a_lookup(dists, tmp_path, expected):
    """Unpacked on its own (no checkout on the path), the wheel's package runs the README's lookup."""
    _, wheel = dists
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")
    code = "import artifacts_show, runpy; print(artifacts_show.__file__); runpy.run_module('artifacts_show')"
    result = subprocess.run(
        [sys.executable, "-c", code, "churn-model", "--stage", "prod", "--repo", BUNDLE],
        cwd=tmp_path, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(tmp_path / "site")),
    )
    assert result.returncode == 0, result.stderr
    where, printed = result.stdout.split("\n")[:2]
    assert where == str(tmp_path / "site" / "artifacts_show" / "__init__.py")
    assert json.loads(printed) == expected
