"""settings: one table holds every GAN_STUDIO_* variable the app and the README name, one parser refuses a bad
value naming the variable, a value is read when asked, and no other module reads the environment for one."""
import os
import re
import subprocess
import sys

import pytest

from ganlib import settings
from ganlib.settings import MB, SETTINGS, read

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = re.compile(r"GAN_STUDIO_[A-Z][A-Z_]*[A-Z]")
READS_ONE = re.compile(r"(environ\.get|environ\[|getenv)\(?\s*[\"']GAN_STUDIO_")


def sources(*folders: str, also: tuple[str, ...] = ()) -> dict[str, str]:
    """{path relative to the repo: text} of the .py files under `folders`, and the files `also`."""
    paths = [os.path.join(d, f) for top in folders for d, _, files in os.walk(os.path.join(ROOT, top))
             for f in files if f.endswith(".py")] + [os.path.join(ROOT, a) for a in also]
    out = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            out[os.path.relpath(p, ROOT)] = f.read()
    return out


def test_every_variable_the_app_or_the_readme_names_is_in_the_table():
    named = {(n, path) for path, text in sources("ganlib", "pages", also=("app.py", "README.md")).items()
             for n in NAME.findall(text)}
    assert named, "the search found no GAN_STUDIO_ variable at all"
    assert not {(n, path) for n, path in named if n not in SETTINGS}


def test_the_readme_lists_every_setting_with_its_default():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(GAN_STUDIO_\w+)` \| ([^|]+) \|", f.read(), re.M)}
    assert set(rows) == set(SETTINGS)
    for s in SETTINGS.values():
        if s.kind in ("number", "whole") and not callable(s.default):
            assert float(rows[s.name].split()[0].replace(",", "")) == s.default, s.name


def test_no_other_module_reads_a_variable_of_the_table():
    readers = [path for path, text in sources("ganlib", "pages", also=("app.py",)).items() if READS_ONE.search(text)]
    assert readers == [], "read GAN_STUDIO_* variables through ganlib.settings.read"


BAD = {"number": ["lots", "inf", "nan", "-1"], "whole": ["many", "1.5", "-1"], "flag": ["maybe", "2"],
       "text": ["short"], "folder": [], "address": ["http://head:10001", "ray://", "head", "head:port", "a b:1"]}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_a_bad_value_is_refused_naming_the_variable_and_what_it_allows(name, monkeypatch):
    s = SETTINGS[name]
    for bad in BAD[s.kind] + (["0"] if s.above or s.least >= 1 else []):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ValueError, match=rf"^{name}: must be .+, got "):
            read(name)
    monkeypatch.delenv(name, raising=False)
    default = read(name)   # unset: the default, in its kind
    assert type(default) is {"number": float, "whole": int, "flag": bool, "text": str, "folder": str, "address": str}[s.kind]
    if s.kind != "text":   # a secret is taken as it is, spaces and all
        monkeypatch.setenv(name, "  ")
        assert read(name) == default   # blank is unset


def test_the_messages_say_what_is_allowed():
    cases = {"GAN_STUDIO_DISK_MB": ("0", "must be more than 0, got '0'"),
             "GAN_STUDIO_MAX_RUN_MB": ("-5", "must be 0 (no limit) or more, got '-5'"),
             "GAN_STUDIO_SPACES_PER_HOUR": ("lots", "must be a whole number of spaces, got 'lots'"),
             "GAN_STUDIO_KEEP_DAYS": ("-1", "must be 0 (keep for ever) or more, got '-1'"),
             "GAN_STUDIO_LOCAL_PATHS": ("sure", "must be 1, true, yes or on (on), or 0, false, no or off (off)")}
    for name, (raw, says) in cases.items():
        with pytest.raises(ValueError, match="^" + re.escape(f"{name}: {says}")):
            read(name, {name: raw})


def test_a_secret_is_never_echoed_in_its_error():
    with pytest.raises(ValueError) as e:
        read("GAN_STUDIO_SECRET", {"GAN_STUDIO_SECRET": "hunter2"})
    assert "hunter2" not in str(e.value) and str(e.value) == "GAN_STUDIO_SECRET: must be at least 16 characters, got 7"
    assert read("GAN_STUDIO_SECRET", {"GAN_STUDIO_SECRET": " x" * 8}) == " x" * 8   # used as it is, spaces and all


def test_a_value_is_read_when_asked_and_megabytes_are_2_to_the_20_bytes(monkeypatch):
    monkeypatch.delenv("GAN_STUDIO_QUOTA_MB", raising=False)
    assert settings.quota_bytes() == 200 * 2**20 == 200 * MB
    monkeypatch.setenv("GAN_STUDIO_QUOTA_MB", "1.5")
    assert settings.quota_bytes() == int(1.5 * 2**20)
    assert settings.megabytes(int(1.5 * 2**20)) == "1.5 MB" and settings.megabytes(64 * MB) == "64 MB"
    monkeypatch.setenv("GAN_STUDIO_KEEP_DAYS", "0.5")
    assert settings.keep_seconds() == 43200.0
    monkeypatch.setenv("GAN_STUDIO_LOCAL_PATHS", "Yes")
    assert settings.local_paths() is True
    monkeypatch.setenv("GAN_STUDIO_LOCAL_PATHS", "off")
    assert settings.local_paths() is False
    assert read("GAN_STUDIO_THREADS", {"GAN_STUDIO_THREADS": "2"}) == 2 and read("GAN_STUDIO_THREADS", {}) == 1


def test_folders_are_absolute_and_the_shared_checkpoints_default_to_the_repos(monkeypatch, tmp_path):
    monkeypatch.delenv("GAN_STUDIO_CHECKPOINTS", raising=False)
    assert read("GAN_STUDIO_CHECKPOINTS") == os.path.join(ROOT, "checkpoints")
    assert os.path.isdir(read("GAN_STUDIO_CHECKPOINTS"))
    monkeypatch.chdir(tmp_path)
    assert read("GAN_STUDIO_DATA", {"GAN_STUDIO_DATA": "sets"}) == str(tmp_path / "sets")


def test_the_settings_load_no_torch():
    probe = "import sys, ganlib.settings; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
