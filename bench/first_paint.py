"""Time from launching `streamlit run app.py` to the first paint of the Train page in Chromium.

    python3 bench/first_paint.py [--runs 3] [--baseline] [--no-importtime]

Each run starts a fresh server (the browser is already up, so its own start is
not counted), polls /_stcore/health, opens the app as soon as it answers, and
notes when the "Train" heading (first paint) and the preset selectbox (a page
you can use) become visible, both counted from the server's launch. A second
visitor on the warm server is timed too (script run + page load, no server start
or first imports). Target: first paint <= 4 s (median).

--baseline also times a two-line Streamlit app (a title and a selectbox) the same
way: the floor that Streamlit plus Chromium set on this machine.
A last run with PYTHONPROFILEIMPORTTIME=1 lists the slowest imports of the first
script run and says whether torch (2-4 s to import) was among them, and via what.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from browser import browser, chromium_available, serve, wait_healthy  # noqa: E402

TARGET_S = 4.0
BASELINE_APP = 'import streamlit as st\nst.title("Train")\nst.selectbox("preset", ["a", "b"], key="preset")\n'


def visit(b, server, since: float) -> tuple[float, float]:
    """Open the app in a fresh browser context: seconds from `since` to (heading visible, preset selectbox visible)."""
    context = b.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(server.url, wait_until="commit", timeout=60_000)
        page.get_by_role("heading", name="Train").wait_for(state="visible", timeout=60_000)
        heading = time.perf_counter() - since
        page.locator(".st-key-preset [role=combobox]").wait_for(state="visible", timeout=60_000)
        return heading, time.perf_counter() - since
    finally:
        context.close()


def one_run(b, root: str = ROOT) -> dict:
    with serve(wait=False, root=root) as server:
        wait_healthy(server)
        heading, usable = visit(b, server, server.launched_at)
        t = time.perf_counter()
        again, again_usable = visit(b, server, t)
    return dict(health=server.health_s, heading=heading, usable=usable, again=again, again_usable=again_usable)


def series(b, runs: int, label: str, root: str = ROOT) -> dict:
    rows = []
    for i in range(runs):
        r = one_run(b, root)
        rows.append(r)
        print(f"{label} run {i + 1}: health {r['health']:4.2f} s · first paint (Train heading) {r['heading']:4.2f} s · "
              f"preset selectbox {r['usable']:4.2f} s · second visitor {r['again']:4.2f} / {r['again_usable']:4.2f} s",
              flush=True)
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(f"{label} median: health {med['health']:.2f} s · first paint {med['heading']:.2f} s · "
          f"preset selectbox {med['usable']:.2f} s · second visitor {med['again']:.2f} / {med['again_usable']:.2f} s")
    return med


def importtime_report(b) -> None:
    """One more run with -X importtime in the server: what the first script run imports, and torch's path."""
    with serve(env={"PYTHONPROFILEIMPORTTIME": "1"}, wait=False) as server:
        wait_healthy(server)
        at_health = os.path.getsize(server.log_path)
        visit(b, server, server.launched_at)
        time.sleep(1.0)   # let the script run finish its last imports
        with open(server.log_path, errors="replace") as f:
            whole = f.read()
        with open(server.log_path, "rb") as f:
            f.seek(at_health)
            tail = f.read().decode(errors="replace")
    rows = [(int(m[1]), len(m[2]) - len(m[2].lstrip()), m[2].strip())
            for m in re.finditer(r"import time:\s+\d+ \|\s+(\d+) \|( *\S+)", tail)]
    print("\nImports during the first script run (-X importtime, cumulative, outermost only):")
    top = min((d for _, d, _ in rows), default=0)
    for cum, _, name in sorted((r for r in rows if r[1] == top), key=lambda r: -r[0])[:6]:
        print(f"  {cum / 1000:7.1f} ms  {name}")
    if not rows:
        print("  (none: everything the page needs was imported at server start)")
    for where, text in (("during the first script run", tail), ("anywhere in the server (start + first run)", whole)):
        chain = torch_chain(text)
        print(f"torch imported {where}: " + ("no" if chain is None else "YES, via " + " <- ".join(chain)))


def torch_chain(text: str) -> list[str] | None:
    """The imports that first pulled torch in, [torch, parent, grandparent, ...], or None if it was never imported."""
    rows = [(len(m[1]) - len(m[1].lstrip()), m[1].strip())
            for m in re.finditer(r"import time:[^|\n]*\|[^|\n]*\|( *\S+)", text)]
    for i, (depth, name) in enumerate(rows):
        if name == "torch":
            chain = [name]
            for d, n in rows[i + 1:]:   # importtime prints a module after its imports, the importer less indented
                if d < depth:
                    chain.append(n)
                    depth = d
            return chain
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", action="store_true", help="also time a two-line Streamlit app")
    ap.add_argument("--no-importtime", action="store_true", help="skip the importtime run")
    args = ap.parse_args()
    ok, why = chromium_available()
    if not ok:
        print(f"skipped: {why}")
        return 0
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with browser() as b:
        med = series(b, args.runs, "GAN Studio")
        verdict = "ok" if med["heading"] <= TARGET_S else "SLOWER than the target"
        print(f"first paint median {med['heading']:.2f} s: {verdict} (target <= {TARGET_S:.0f} s); "
              f"server start {med['health']:.2f} s, the rest is the script run and Chromium loading the page")
        if args.baseline:
            with tempfile.TemporaryDirectory() as d:
                with open(os.path.join(d, "app.py"), "w") as f:
                    f.write(BASELINE_APP)
                series(b, args.runs, "baseline (2-line app)", root=d)
        if not args.no_importtime:
            importtime_report(b)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
