"""The first page paints before torch loads: the app's first page, run by AppTest in a fresh interpreter,
leaves torch out of sys.modules (importing torch takes seconds on a small CPU). Then the server warms up by itself
(classroom/warm.py): torch and a first step load in the background, so that the first Start waits for neither."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = """
import sys
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
init = PagesManager.__init__
def v2_init(self, *a, **kw):   # as the server does after app.py's st.navigation (see tests/conftest.py)
    init(self, *a, **kw)
    PagesManager.uses_pages_directory = False
PagesManager.__init__ = v2_init
at = AppTest.from_file("app.py", default_timeout=60).run()
assert not at.exception, [e.value for e in at.exception]
assert at.title[0].value == "Train" and at.button(key="btn.Start")
print("torch loaded:", "torch" in sys.modules)
"""


def test_the_first_page_loads_no_torch():
    env = {**os.environ, "GAN_STUDIO_WARM": "0"}   # the page's own imports, without the warm-up's
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "torch loaded: False" in out.stdout


WARM_PROBE = PROBE + """
import time
from ganlib.classroom import warm
w = warm.warm_up()
print("warming:", w is not None and w.thread.name)
w.thread.join(120)
print("warmed:", not w.thread.is_alive() and w.error is None, "torch loaded:", "torch" in sys.modules,
      "optimizer ready:", "torch._dynamo" in sys.modules)
"""


def test_the_server_warms_up_after_the_first_page_and_only_once():
    env = {**os.environ, "GAN_STUDIO_WARM": "1"}
    out = subprocess.run([sys.executable, "-c", WARM_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=240,
                         env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "warming: ganlib-warm-up" in out.stdout   # the one app.py started, not a second
    assert "warmed: True torch loaded: True optimizer ready: True" in out.stdout, out.stdout


def test_the_server_settings_load_no_torch():
    """Runs(Limits.from_env()) is made by the first page (pages/parts/ui.runs)."""
    probe = "import sys; from ganlib.classroom.capacity import Limits; Limits.from_env(); print('torch loaded:', 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "torch loaded: False" in out.stdout, out.stderr[-2000:]


WORKER_PROBE = PROBE + """
import time
from ganlib.classroom import warm
from ganlib.run.on_worker import WORKER
w = warm.warm_up()
w.thread.join(120)
at.button(key="btn.Start").click().run()
deadline = time.monotonic() + 120
def sidebar():
    return " | ".join(m.value for m in [*at.sidebar.markdown, *at.sidebar.caption])
while time.monotonic() < deadline and "**Run:** running" not in sidebar():
    time.sleep(0.5)
    at.run()
print("running:", "**Run:** running" in sidebar(), [e.value for e in [*at.exception, *at.error]], sidebar())
print("worker:", WORKER.pid is not None, "torch loaded:", "torch" in sys.modules)
print("worker ended:", WORKER.shutdown(30))
"""


def test_a_server_whose_runs_train_in_its_worker_loads_no_torch():
    """The default host (issue 24): the first page, the warm-up (which starts the worker), a Start (its size check is
    the worker's: run/budget.py) and the Train page's reruns while it trains leave torch out of the server, whose
    memory then holds none of torch's ~290 MB (docs/benchmarks.md)."""
    env = {**os.environ, "GAN_STUDIO_WARM": "1", "GAN_STUDIO_WORKER": "1"}
    out = subprocess.run([sys.executable, "-c", WORKER_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "running: True []" in out.stdout, out.stdout
    assert "worker: True torch loaded: False" in out.stdout and "worker ended: True" in out.stdout, out.stdout
