"""The package: `pip install -e .` gives the `ganlib` command beside `python -m ganlib`, and both run from any folder.

The console script is tested where it is installed for this Python (CI runs `pip install -e .`); without
it, `python -m ganlib` runs from a temporary folder with the checkout on PYTHONPATH, which tests the same:
nothing in ganlib reads or writes relative to the current folder.
"""
import os
import re
import subprocess
import sys
import tomllib

import pytest
import torch

from ganlib import load_checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(os.path.dirname(sys.executable), "ganlib")


def run(cmd, cwd, env) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def installed_here() -> bool:
    """Whether this Python has a `ganlib` command that runs this checkout (not another one's install)."""
    if not os.path.exists(SCRIPT):
        return False
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([sys.executable, "-c", "import ganlib; print(ganlib.__file__)"], cwd="/",
                           env=env, capture_output=True, text=True).stdout.strip()
    return os.path.dirname(os.path.dirname(where)) == ROOT


def presets_and_two_steps(command: list[str], cwd, env) -> str:
    assert "fast-digits" in run([*command, "presets"], cwd, env)
    out = run([*command, "train", "--preset", "fast-digits", "--steps", "2", "--out", "two.pt"], cwd, env)
    assert re.search(r"wrote .*two\.pt \(step 2,.*world size 1\)", out)
    payload = load_checkpoint(os.path.join(cwd, "two.pt"))  # --out is relative to the folder it ran in
    assert payload["trainer"]["step"] == 2
    return out


def test_python_m_ganlib_runs_from_another_folder(tmp_path):
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}
    presets_and_two_steps([sys.executable, "-m", "ganlib"], tmp_path, env)
    # the digit classifier ships inside the package: found from any folder
    assert '"held_out_accuracy"' in run([sys.executable, "-m", "ganlib", "eval", "--checkpoint", "two.pt", "--n", "100"],
                              tmp_path, env)


@pytest.mark.skipif(not installed_here(), reason="`pip install -e .` has not installed this checkout here")
def test_the_ganlib_command_runs_from_another_folder(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "OMP_NUM_THREADS": "1"}
    presets_and_two_steps([SCRIPT], tmp_path, env)


def test_pyproject_names_what_requirements_pin():
    """One list of packages: every runtime dependency is pinned in requirements.txt, and every pin there is a
    dependency (streamlit: of the app, an extra); torch is bounded below, not pinned. Ray, the other extra, is
    pinned for the tests in requirements-dev.txt: a server that trains on its own threads never installs it."""
    project = tomllib.load(open(os.path.join(ROOT, "pyproject.toml"), "rb"))["project"]
    name = re.compile(r"^[A-Za-z0-9_.-]+")
    deps = {name.match(d).group(0).lower() for d in project["dependencies"]}
    extras = {name.match(d).group(0).lower() for ds in project["optional-dependencies"].values() for d in ds}
    pins = {}
    for line in open(os.path.join(ROOT, "requirements.txt")):
        line = line.split("#")[0].strip()
        if line:
            pins[name.match(line).group(0).lower()] = line
    assert deps | {"streamlit"} == set(pins) and extras == {"streamlit", "ray"}
    assert "ray==2.60.0" in open(os.path.join(ROOT, "requirements-dev.txt")).read()
    assert all("==" in p for p in pins.values())
    assert next(d for d in project["dependencies"] if d.startswith("torch>")) == "torch>=2.4"
    assert project["scripts"]["ganlib"] == "ganlib.__main__:run"
    package_data = tomllib.load(open(os.path.join(ROOT, "pyproject.toml"), "rb"))["tool"]["setuptools"]["package-data"]
    for package, files in package_data.items():
        for f in files:
            assert os.path.exists(os.path.join(ROOT, *package.split("."), f))
    assert torch  # imported at the top so that a broken torch fails here first, not in a subprocess
