"""The container and the Space, read from their files: no Docker here (bench/docker_smoke.sh builds and runs it).

- the Dockerfile takes torch from PyTorch's CPU index unless told otherwise (a build argument), installs
  the rest so that the torch it put there stays, and gives user 1000 its app folder;
- every binary the repository holds is in Git LFS for a Space (.gitattributes);
- datasets and visitors' files go to /data when it is writable, else to the home folder (ganlib.home).
"""
import os
import re
import subprocess

from ganlib import home
from ganlib.engine.data.online import cache_dir
from ganlib.classroom.spaces import spaces_root

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(name: str) -> str:
    with open(os.path.join(ROOT, name)) as f:
        return f.read()


def instructions(text: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [i.strip() for i in re.sub(r"\\\n", " ", "\n".join(lines)).splitlines() if i.strip()]


def test_torch_comes_from_the_cpu_index_by_default_and_stays():
    steps = instructions(read("Dockerfile"))
    assert "ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu" in steps
    install = next(s for s in steps if s.startswith("RUN") and '--index-url "$TORCH_INDEX"' in s)
    # the rest of requirements.txt installs after torch, under a constraint that keeps it
    assert install.index("$TORCH_INDEX") < install.index("-r /tmp/rest.txt -c /tmp/torch.txt")
    assert not any(re.search(r"pip install[^;&]*requirements\.txt", s) for s in steps)   # never the whole file
    # the pins it installs by default are requirements.txt's own
    pins = re.findall(r"^(torch(?:vision)?==\S+)", read("requirements.txt"), re.M)
    assert [p.split("==")[0] for p in pins] == ["torch", "torchvision"]
    assert "grep -E '^torch(vision)?==' requirements.txt" in install


def test_user_1000_owns_the_app_folder():
    steps = instructions(read("Dockerfile"))
    assert any(s.startswith("RUN useradd -m -u 1000 user") and "-o user" in s and "/home/user/app" in s
               for s in steps)
    assert "WORKDIR /home/user/app" in steps and "USER user" in steps
    assert steps.index("USER user") > max(i for i, s in enumerate(steps) if s.startswith("COPY"))
    assert "GAN_STUDIO_DATA" not in read("Dockerfile")   # its default follows /data (ganlib.home)


def test_binaries_are_in_lfs():
    attrs = read(".gitattributes")
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    binary = {os.path.splitext(f)[1] for f in files if os.path.splitext(f)[1] in
              {".pt", ".pth", ".png", ".jpg", ".jpeg", ".gif", ".npz", ".npy", ".zip", ".gz", ".pkl", ".bin"}}
    assert ".pt" in binary
    for ext in binary:
        assert re.search(rf"^\*{re.escape(ext)} filter=lfs diff=lfs merge=lfs -text$", attrs, re.M), ext


def test_data_and_spaces_follow_the_persistent_disk(monkeypatch):
    monkeypatch.delenv("GAN_STUDIO_DATA", raising=False)
    monkeypatch.delenv("GAN_STUDIO_SPACES", raising=False)
    monkeypatch.setattr(os.path, "isdir", lambda p: p == "/data" or os.path.exists(p))
    monkeypatch.setattr(os, "access", lambda p, mode: p == "/data")
    assert (cache_dir(), spaces_root()) == ("/data/gan-studio/data", "/data/gan-studio/visitors")
    monkeypatch.setattr(os, "access", lambda p, mode: False)     # /data there but not ours to write
    cache = os.path.join(os.path.expanduser("~"), ".cache", "gan-studio")
    assert (cache_dir(), spaces_root()) == (os.path.join(cache, "data"), os.path.join(cache, "visitors"))
    monkeypatch.setenv("GAN_STUDIO_DATA", "~/sets")
    assert cache_dir() == os.path.join(os.path.expanduser("~"), "sets") and home.home() == cache


def test_the_image_keeps_xsrf_protection_on():
    """Issue 18: no flag, variable or config file of the image turns Streamlit's XSRF protection off; a Space's
    iframe sets STREAMLIT_SERVER_XSRF_COOKIE_SAME_SITE=none for itself (README, Hosting)."""
    steps = " ".join(instructions(read("Dockerfile")))
    assert "enableXsrfProtection" not in steps and "ENABLE_XSRF_PROTECTION" not in steps
    assert "enableXsrfProtection" not in read(".streamlit/config.toml")
    assert "STREAMLIT_SERVER_XSRF_COOKIE_SAME_SITE=none" in read("README.md")
