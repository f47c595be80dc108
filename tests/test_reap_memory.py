"""Runs that finish and are reaped give their memory back: the server's RSS after ten runs made, finished and
reaped is where the first left it (ganlib/run/heap.py says what kept it: glibc's malloc, not a reference).

Measured in a fresh process, so that no other test's memory moves the figures."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each run is fast-digits at widths 1024 and batch 512: 9 steps to its one epoch, ~50 MB while it lives, tensors
# of 1-4 MB (the sizes glibc's heap keeps). Each is started after the one before finished, and replaces it (Runs
# retires it, the reaper drops it), as Start does on the Train page after a finished run; the last is reset.
SCENARIO = """
import gc, json, sys, threading, time, weakref
from ganlib import Trainer, preset
from ganlib.classroom.capacity import Limits
from ganlib.classroom.runs import Runs
from ganlib.run.state import Status
from ganlib.classroom.visitor import Visitor

built, real = [], Trainer.__init__
def counted(self, *a, **kw):
    real(self, *a, **kw)
    built.append(weakref.ref(self))
Trainer.__init__ = counted

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024

def reaped(runs):
    # the reaper has dropped every run, handed the memory back, and gone
    while runs.snapshots() or any(t.name == "ganlib-reaper" for t in threading.enumerate()):
        time.sleep(0.01)
    gc.collect()

runs = Runs(Limits(max_runs=1), reap_every=0.05)
v = Visitor(runs, sys.argv[1])
cfg = preset("fast-digits").replace(g_width=1024, d_width=1024, batch_size=512, epochs=1, eval_every=0)
marks = []
for i in range(10):
    r = v.new_run(cfg.replace(seed=i))
    r.start()
    assert r.wait(lambda s: s.status is Status.FINISHED, 300).status is Status.FINISHED
    del r
    if i in (0, 9):
        v.reset()
        reaped(runs)
        marks.append(rss_mb())
v.close()
print(json.dumps({"after_first": marks[0], "after_ten": marks[1], "trainers_alive": sum(w() is not None for w in built)}))
"""


def test_ten_finished_and_reaped_runs_leave_rss_where_the_first_left_it(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCENARIO, str(tmp_path)], capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    m = json.loads(out.stdout.strip().splitlines()[-1])
    grown = m["after_ten"] - m["after_first"]
    print(f"RSS after the first run reaped {m['after_first']:.0f} MB, after ten {m['after_ten']:.0f} MB "
          f"({grown:+.1f} MB)")
    assert m["trainers_alive"] == 0     # nothing in Python keeps a reaped run: what stayed was the allocator's
    assert grown < 50                   # +77 to +160 MB before the reaper handed the memory back
