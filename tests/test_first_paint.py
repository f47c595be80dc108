"""The first page paints before torch loads: the app's first page, run by AppTest in a fresh interpreter,
leaves torch out of sys.modules (importing torch takes seconds on a small CPU)."""
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
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "torch loaded: False" in out.stdout


def test_the_server_settings_load_no_torch():
    """Runs(Limits.from_env()) is made by the first page (pages/parts/ui.runs)."""
    probe = "import sys; from ganlib.classroom.capacity import Limits; Limits.from_env(); print('torch loaded:', 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "torch loaded: False" in out.stdout, out.stderr[-2000:]
