"""Installing Herald: the metadata builds without deprecation warnings, and the first
`make demo` says what it is doing while it installs."""

import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def test_the_license_is_an_spdx_expression_that_the_build_backend_reads():
    # A table (`{ text = "MIT" }`) makes setuptools 77 and later warn on every build.
    assert pyproject()["project"]["license"] == "MIT"
    # setuptools reads an SPDX `project.license` from 77.0 on (PEP 639).
    requires = pyproject()["build-system"]["requires"]
    assert [r for r in requires if r.startswith("setuptools")] == ["setuptools>=77"]


def test_installing_says_what_it_does_at_each_step(tmp_path):
    # Dry run against a venv that does not exist: prints the recipe, runs nothing.
    recipe = subprocess.run(
        ["make", "--dry-run", "--always-make", f"VENV={tmp_path / 'venv'}", "install"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pip_lines = [line for line in recipe.splitlines() if "pip install" in line]
    assert pip_lines and not any("--quiet" in line or " -q" in line for line in pip_lines)
    said = [line for line in recipe.splitlines() if line.startswith("echo ")]
    assert any("virtual environment" in line for line in said)
    assert any("Herald and its dependencies" in line for line in said)
