"""Latent explorer latency: how long from moving z to seeing the new G(z).

    python3 bench/explorer_latency.py [--checkpoint X.pt] [--preset fast-digits] [--repeats 200] [--moves 20]

(a) server side, in this process: one z -> one 28x28 picture with ganlib's LatentModel
    (200 repeats after warm-up; target p95 <= 5 ms), and the same plus what the page
    adds per move (nearest-neighbour enlargement to ~224 px and the PNG encoding st.image does).
(b) in Chromium, against `streamlit run app.py` with the checkpoint as "Saved checkpoint":
    focus the first z slider, press ArrowRight, and time (in the page, from the keydown) until
    the G(z) image's src changes and until the new image has loaded; 20 moves, p50/p95
    (target ~150 ms). --baseline times the same on a Streamlit app with one slider and one
    image in a fragment: what Streamlit and Chromium cost on this machine without GAN Studio.

The server inherits this environment, so Streamlit settings can be tried without editing
the config, e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=false (Streamlit runs gc.collect() after
every script or fragment run by default: ~120 ms with torch loaded, holding the GIL while
the run's messages wait to be sent).

Without --checkpoint, a fresh one is trained with the CLI
(`python -m ganlib train --preset fast-digits --steps 50`) into a temporary folder.
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from browser import browser_page, chromium_available, image_src, poll, serve, z_slider  # noqa: E402

SERVER_TARGET_MS, BROWSER_TARGET_MS = 5.0, 150.0
NAME = "bench-latency.pt"
BASELINE_APP = """import numpy as np
import streamlit as st


@st.fragment
def move():
    v = st.slider("z[0]", -3.0, 3.0, -1.13, 0.05, key="ex_z0_0")
    st.image(np.full((224, 224), int((v + 3) * 40), np.uint8), caption="G(z)", output_format="PNG")


move()
"""

# Installed once in the page: a keydown listener stamps t0, a MutationObserver stamps the moment the
# G(z) <img> gets a new src, and that image's load event the moment it can be seen.
WATCH = """() => {
  const current = () => {
    const hits = [...document.querySelectorAll('[data-testid="stImage"]')]
      .filter(e => (e.querySelector('[data-testid="stImageCaption"]') || {}).innerText === 'G(z)');
    return hits.length ? hits[hits.length - 1].querySelector('img') : null;
  };
  window.__gz = current;
  window.__lat = null;
  document.addEventListener('keydown', () => {
    if (window.__lat && window.__lat.t0 === null) window.__lat.t0 = performance.now();
  }, true);
  new MutationObserver(() => {
    const lat = window.__lat, img = current();
    if (!lat || lat.t0 === null || lat.tsrc !== null || !img || img.src === lat.src) return;
    lat.tsrc = performance.now();
    const loaded = () => { if (lat.tload === null) lat.tload = performance.now(); };
    if (img.complete && img.naturalWidth) loaded(); else img.addEventListener('load', loaded, {once: true});
  }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}"""
ARM = "() => { window.__lat = {t0: null, tsrc: null, tload: null, src: window.__gz() && window.__gz().src}; }"


def pct(xs, q) -> float:
    return float(np.percentile(np.asarray(xs), q))


def line(label: str, ms: list[float], target: float) -> str:
    p50, p95 = pct(ms, 50), pct(ms, 95)
    return (f"{label}: p50 {p50:7.2f} ms · p95 {p95:7.2f} ms · max {max(ms):7.2f} ms (n={len(ms)}; "
            f"target p95 <= {target:.0f} ms: {'ok' if p95 <= target else 'SLOWER'})")


def train_checkpoint(folder: str, preset: str, steps: int) -> str:
    out = os.path.join(folder, NAME)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ganlib", "train", "--preset", preset, "--steps", str(steps), "--out", out],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"trained {preset} for {steps} steps with the CLI into a temporary {NAME} ({time.perf_counter() - t:.1f} s)")
    return out


def server_side(path: str, repeats: int) -> None:
    from PIL import Image

    from ganlib import LatentModel
    from ganlib.explore import walks as ex
    from ganlib.engine.grid import enlarge

    model = LatentModel.from_checkpoint(path)
    z = ex.z_from_seed(model.latent_dim, 0)[None]
    print(f"model: {model.shape} pictures from z of {model.latent_dim} dims; torch threads via ganlib.engine.device")

    def picture():
        return model.pictures(z)[0]

    def page_work():   # what pages/explore.py does per move besides G: enlarge, then st.image encodes a PNG
        pic = picture()
        big = enlarge(pic, ex.scale_for(pic, 224))
        Image.fromarray(big).save(io.BytesIO(), format="PNG")

    for label, fn in (("(a) server: z -> one 28x28 picture (LatentModel.pictures)", picture),
                      ("(a) server: + enlarge to 224 px + PNG encode", page_work)):
        for _ in range(20):
            fn()
        ms = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            ms.append((time.perf_counter() - t) * 1000)
        print(line(label, ms, SERVER_TARGET_MS), flush=True)


def in_browser(path: str, moves: int, baseline: bool = False) -> None:
    ok, why = chromium_available()
    if not ok:
        print(f"(b) browser: skipped: {why}")
        return
    with serve(checkpoints=[path]) as server, browser_page() as page:
        frames = watch_frames(page)
        open_explorer(page, server.url)
        moves_report(page, frames, moves, "(b) browser")
    if baseline:
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "app.py"), "w") as f:
                f.write(BASELINE_APP)
            with serve(root=d) as server, browser_page() as page:
                frames = watch_frames(page)
                page.goto(server.url)
                poll(lambda: image_src(page, "G(z)"), 60, what="the baseline's picture")
                moves_report(page, frames, moves, "(b) baseline: a fragment with one slider and one image")


def open_explorer(page, url: str) -> None:
    """The Latent explorer at url with the server's NAME checkpoint chosen, its G(z) shown."""
    page.goto(url)
    page.get_by_role("heading", name="Train").wait_for(timeout=60_000)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Latent explorer").click()
    page.get_by_role("heading", name="Latent explorer").wait_for(timeout=60_000)
    page.get_by_text("Saved checkpoint", exact=True).click()
    chooser = page.locator(".st-key-ex_file [role=combobox]")
    chooser.wait_for(timeout=60_000)
    shown = f"{NAME} (shared)"   # the server's checkpoints folder is the shared one (ganlib.classroom.spaces)
    if chooser.input_value() != shown:
        chooser.click()
        page.get_by_role("option", name=shown, exact=True).click()
    poll(lambda: NAME in page.locator("body").inner_text() and image_src(page, "G(z)"), 60,
         what=f"G(z) of {NAME}")


def watch_frames(page) -> list:
    """(sent?, perf_counter) of every websocket frame, to split a move's time into round trip and the rest."""
    frames = []
    page.on("websocket", lambda ws: (ws.on("framesent", lambda _: frames.append((True, time.perf_counter()))),
                                     ws.on("framereceived", lambda _: frames.append((False, time.perf_counter())))))
    return frames


def move_times(page, frames: list, moves: int) -> tuple[list[float], list[float], list[float], str]:
    """Moves of the first z slider by its arrow key: ms from each key press to G(z)'s new src, to the new image
    loaded, and from the widget's websocket message out to the rerun's last message back; and the key."""
    thumb = z_slider(page)
    thumb.wait_for(state="attached")
    key = "ArrowRight" if float(thumb.input_value()) < 0 else "ArrowLeft"   # 20 steps of 0.05 stay in range
    page.evaluate(WATCH)
    thumb.focus()
    src_ms, load_ms, trip_ms = [], [], []
    for _ in range(moves):
        page.evaluate(ARM)
        frames.clear()
        thumb.press(key)
        page.wait_for_function("() => window.__lat.tload !== null", timeout=30_000)
        lat = page.evaluate("() => window.__lat")
        src_ms.append(lat["tsrc"] - lat["t0"])
        load_ms.append(lat["tload"] - lat["t0"])
        page.wait_for_timeout(300)   # let the fragment run end before the next move (not measured)
        sent = next((t for out, t in frames if out), None)
        back = [t for out, t in frames if not out and sent is not None and t > sent]
        if back:
            trip_ms.append((back[-1] - sent) * 1000)
    return src_ms, load_ms, trip_ms, key


def moves_report(page, frames: list, moves: int, label: str) -> None:
    src_ms, load_ms, trip_ms, key = move_times(page, frames, moves)
    thumb = z_slider(page)
    print(line(f"{label}: key press -> G(z) src changes", src_ms, BROWSER_TARGET_MS))
    print(line(f"{label}: key press -> new G(z) loaded", load_ms, BROWSER_TARGET_MS))
    if trip_ms:
        print(f"    the widget's websocket message out -> the rerun's last message back: "
              f"p50 {pct(trip_ms, 50):.0f} ms · p95 {pct(trip_ms, 95):.0f} ms")
    print(f"    moved the first z slider {moves} x {key} to {thumb.input_value()}; each move (ms): "
          + " ".join(f"{x:.0f}" for x in load_ms), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", help="an image checkpoint to use (default: train a fresh one)")
    ap.add_argument("--preset", default="fast-digits")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--baseline", action="store_true",
                    help="also time a Streamlit app with one slider and one image: the floor on this machine")
    args = ap.parse_args()
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="gan-studio-latency-") as tmp:
        path = args.checkpoint or train_checkpoint(tmp, args.preset, args.steps)
        if args.checkpoint:   # the page lists it under this name
            path = os.path.join(tmp, NAME)
            with open(args.checkpoint, "rb") as src, open(path, "wb") as dst:
                dst.write(src.read())
        server_side(path, args.repeats)
        if not args.no_browser:
            in_browser(path, args.moves, args.baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
