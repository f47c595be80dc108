"""A class on one server: N students each training their own run of class-ring8, the teacher's wall showing them all.

Starts a real `streamlit run app.py`. The teacher is a Chromium tab at 1280x720 that opens a class of the preset on
the Class page (/classroom) and reads its code from the class link. The students are real Streamlit sessions:
websocket clients that speak Streamlit's protocol as a browser does (a first run of the app with ?class=CODE, which
joins the class with a run of their own, then their page's fragment rerun each time the server's auto_rerun asks:
the students' pages refreshing), without a browser's own rendering cost on these cores.

One class grows through the N asked for (1, 10, 30, 60), so that its memory can be read as it grows. For each N:
the new students join, their pages quiet after their first run, and the teacher presses Start all (which starts
the new runs; timed to the wall saying N training); then, each after a warm-up, two windows:
- quiet: the students stay connected but do not rerun (a tab in the background, a phone locked);
- refreshing: every student's page reruns its fragment each time it is asked (every 0.5 s).
(The students are quiet while the teacher presses Start all: with 30 of them refreshing, a first try of this bench
saw the wall say "30 training" 2 minutes after Start all was pressed 6 times for the 30 who had just joined.)
In each window:
- steps/s of each run, two ways: the wall's caption ("at X steps/s each": the class ticker's running mean of
  1 / (seconds of its batched step), the mean of the values the wall showed in the window), and each run's own
  step count read off its thumbnail ("Student k · step S") after the window's first and last redraws of the wall,
  timed at those redraws' asks (the wall reads the class's snapshot as its fragment starts): min, median, max;
- the server's CPU: seconds of CPU per second of the window (/proc/PID/stat, all its threads, and its training
  worker's, where the class trains: --host worker, the default; --host thread trains it in the server, as before);
- memory: the server's RSS (with its worker's) at the end of the window, less its RSS before any class (the teacher's Class page
  drawn, which has loaded torch already), / N; and less its RSS with the class open and no student yet (its
  ticker, data and first memory estimate made), / N;
- the wall's redraw: from the teacher's browser asking for the wall's fragment rerun (the BackMsg it sends when
  run_every comes round) to the server's script_finished for that fragment run, both frames seen in the teacher's
  own websocket through playwright: the server's time to make the wall and send it (the browser's painting not
  counted); median and 90th percentile; and the period between two redraws (script_finished to script_finished);
- the students' refreshes served per second, and their median time (the same ask -> script_finished, seen by
  each student's websocket client).
Then the ratio of the runs' steps/s, refreshing / quiet, and the targets: at N = 30 every run >= 50 steps/s and
>= 8x what 30 separate runs get, two ways, both measured in this process before the server starts, torch threads
as the server's: bench/class_step.py's 30 runs one after another (measure()), and 30 Trainers each in a loop of its
own thread, as 30 separate Runners would share the cores.

    python bench/class.py [--students 1 10 30 60] [--window 15] [--warmup 5] [--preset class-ring8]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests"), os.path.join(ROOT, "bench")]

from browser import browser_page, chromium_available, poll, serve  # noqa: E402
from sessions import HOSTS, Session, cpu_seconds, rss_mb  # noqa: E402

PRESET = "class-ring8"
TARGET_STEPS = 50.0        # at N = 30, each run
TARGET_VS_SEPARATE = 8.0   # at N = 30, x what 30 separate runs get each
AT = 30
RENDER_S = 3.0             # after a wall redraw's script_finished, its text is in the page by then (else skipped)
WALL = re.compile(r"Class (\w{6}) · (\S+) · (\d+) students? · (.*)")
TRAINING = re.compile(r"(\d+) training at ([\d,.]+) steps/s each")
THUMB = re.compile(r"^(.+?) · step ([\d,]+)")
STATUS_WORDS = ("ready", "paused", "finished", "ended", "failed", "starting")   # a thumbnail's last word, if idle
READ_WALL = """() => {
    const texts = sel => [...document.querySelectorAll(sel)].map(e => e.textContent.replace(/\u00a0/g, ' ').trim());
    const line = texts('[data-testid="stCaptionContainer"]').find(t => t.startsWith('Class ')) || '';
    return [line, texts('[data-testid="stImageCaption"]').filter(t => t.includes(' · step '))];
}"""


def tree(root: int, leave_out: int = -1) -> list[int]:
    """`root` and its descendants, less the subtree of `leave_out`."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(name))
            except OSError:
                continue
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid != leave_out:
            found.append(pid)
            todo += children.get(pid, [])
    return found


def tree_cpu_seconds(root: int, leave_out: int = -1) -> float:
    """CPU time of `root` and its descendants (this bench: its student threads, playwright, Chromium; the server:
    its training worker, where the class trains), less the subtree of `leave_out`. Processes that ended meanwhile
    are not counted."""
    return sum(_or_0(cpu_seconds, pid) for pid in tree(root, leave_out))


def tree_rss_mb(root: int) -> float:
    """The resident memory of `root` and its descendants (the server and its training worker)."""
    return sum(_or_0(rss_mb, pid) for pid in tree(root))


def _or_0(read, pid: int) -> float:
    try:
        return read(pid)
    except (OSError, StopIteration):   # ended meanwhile
        return 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# --- the students ---------------------------------------------------------------------------------------------------

def student(url: str, code: str, stop: threading.Event) -> Session:
    """One student's session: opens the app with the class code (which joins the class with a run of their own)
    and reruns their page's fragments each time they come round, while `refreshing` is set."""
    return Session(url, f"class={code}", stop)


# --- the teacher ----------------------------------------------------------------------------------------------------

class WallFrames:
    """The teacher's websocket as playwright sees it: each rerun of the wall's fragment the browser asks for, and
    the script_finished that ends it. Times are taken as playwright hands the frames over (the main thread waits
    in page calls all through a window, so that is as they arrive)."""

    def __init__(self):
        self.asked: float | None = None
        self.redraws: list[tuple[float, float]] = []   # (asked at, finished at) of each wall redraw

    def attach(self, ws) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        if isinstance(payload, str):
            return
        msg = BackMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") == "rerun_script" and msg.rerun_script.fragment_id and \
                msg.rerun_script.is_auto_rerun:
            self.asked = self.asked or time.monotonic()

    def _received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        if isinstance(payload, str):
            return
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") == "script_finished" and \
                msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY and self.asked:
            self.redraws.append((self.asked, time.monotonic()))
            self.asked = None   # asks that came while it ran were folded into it: timed from the first


def read_wall(page) -> tuple[str, dict[str, int]]:
    line, thumbs = page.evaluate(READ_WALL)
    steps = {}
    for t in thumbs:
        if m := THUMB.match(t):
            steps[m.group(1)] = int(m.group(2).replace(",", ""))
    return line, steps


def wall_count(page, pattern: re.Pattern, group: int) -> int:
    m = pattern.search(read_wall(page)[0])
    return int(m.group(group)) if m else -1


def open_class(page, preset: str) -> str:
    """On the Class page's form: the preset chosen, Open pressed; the code read from the class link."""
    def choose():
        page.locator(".st-key-cls_preset [role=combobox]").click()
        page.keyboard.type(preset)
        page.get_by_role("option", name=preset, exact=True).click(timeout=5_000)
        return True
    poll(choose, 60, interval=1.0, what=f"{preset} chosen")
    page.locator(".st-key-cls_open button").click()
    url = poll(lambda: next((t for t in page.locator('[data-testid="stCode"]').all_inner_texts()
                             if "?class=" in t), None), 120, what="the class link")
    return url.strip().rsplit("=", 1)[1]


# --- a window -------------------------------------------------------------------------------------------------------

def window(page, server, frames: WallFrames, students: list[Session], seconds: float) -> dict:
    """Watch the wall for `seconds`: after each of its redraws, what it shows (read as soon as the page shows
    something new after the redraw's script_finished), timed at the redraw's ask (the wall reads the class's
    snapshot as its fragment starts)."""
    pid = server.proc.pid
    seen = []
    refreshed0 = [len(s.refreshes) for s in students]
    page.wait_for_timeout(10)   # frames that came before the window are handed over (and timed) before it starts
    done, last = len(frames.redraws), read_wall(page)
    cpu0, ours0, t0 = tree_cpu_seconds(pid), tree_cpu_seconds(os.getpid(), pid), time.monotonic()
    # the window, and longer (up to 4x) until the wall has redrawn twice: a steps/s needs two readings
    while (now := time.monotonic()) < t0 + seconds or (len(seen) < 2 and now < t0 + 4 * seconds):
        page.wait_for_timeout(50)
        if len(frames.redraws) > done:
            asked = frames.redraws[-1][0]
            done = len(frames.redraws)
            shown = time.monotonic() + RENDER_S   # the browser paints what came: read it once it differs
            while (now := time.monotonic()) < shown:
                page.wait_for_timeout(100)
                line, steps = read_wall(page)
                if steps and (line, steps) != last:
                    seen.append((asked, line, steps))
                    last = (line, steps)
                    break
    cpu1, ours1, t1 = tree_cpu_seconds(pid), tree_cpu_seconds(os.getpid(), pid), time.monotonic()
    out = {"cpu_per_s": (cpu1 - cpu0) / (t1 - t0), "rss_mb": tree_rss_mb(pid), "seconds": t1 - t0,
           "ours_per_s": (ours1 - ours0) / (t1 - t0), "load": os.getloadavg()[0]}
    rates = [float(m.group(2).replace(",", "")) for _, line, _ in seen if (m := TRAINING.search(line))]
    out["caption"] = statistics.mean(rates) if rates else float("nan")
    out["training"] = max((int(m.group(1)) for _, line, _ in seen if (m := TRAINING.search(line))), default=None)
    per_run = []
    if len(seen) >= 2:
        (ta, _, a), (tb, _, b) = seen[0], seen[-1]
        per_run = [(b[k] - a[k]) / (tb - ta) for k in a if k in b]
    out["per_run"] = per_run
    out["readings"] = [(t, steps) for t, _, steps in seen]
    redraws = [(a, f) for a, f in frames.redraws if t0 <= a and f <= t1]
    took = [f - a for a, f in redraws]
    out["wall_ms"] = (1000 * statistics.median(took), 1000 * pct(took, 0.9)) if took else (float("nan"),) * 2
    out["redrawn_every"] = ((redraws[-1][1] - redraws[0][1]) / (len(redraws) - 1) if len(redraws) >= 2
                            else float("nan"))
    fresh = [d for s, n in zip(students, refreshed0) for _, d in s.refreshes[n:]]
    out["student_refreshes_per_s"] = len(fresh) / (t1 - t0)
    out["student_ms"] = 1000 * statistics.median(fresh) if fresh else float("nan")
    return out


def next_reading(page, frames: WallFrames, timeout: float) -> tuple[float, dict[str, int]] | None:
    """The wall's step counts at its first redraw asked for from now on (timed at that ask), or None."""
    done, last, t0 = len(frames.redraws), read_wall(page), time.monotonic()
    while time.monotonic() < t0 + timeout:
        page.wait_for_timeout(100)
        fresh = [a for a, _ in frames.redraws[done:] if a >= t0]
        if fresh:
            line, steps = read_wall(page)
            if steps and (line, steps) != last:
                return fresh[0], steps
    return None


def bracket(before: tuple[float, dict[str, int]], after: tuple[float, dict[str, int]]) -> list[float]:
    """Each run's steps/s between two readings of the wall."""
    (ta, a), (tb, b) = before, after
    return [(b[k] - a[k]) / (tb - ta) for k in a if k in b]


def quieten(page, students: list[Session]) -> None:
    """The students stop refreshing; returns once the refreshes they asked for are served (60 s at most)."""
    for s in students:
        s.refreshing.clear()
    t = time.monotonic()
    while any(s.asked for s in students) and time.monotonic() < t + 60:
        page.wait_for_timeout(250)


def grow(page, server, code: str, students: list[Session], stop: threading.Event, n: int) -> float:
    """More students join (their pages quiet after their first run) until the wall says n, then the teacher presses
    Start all; returns the seconds from the press to the wall saying n train."""
    while len(students) < n:
        s = student(server.url, code, stop)
        s.refreshing.clear()
        s.start()
        students.append(s)
        time.sleep(0.1)
    poll(lambda: wall_count(page, WALL, 3) >= n, 120 + 3 * n, interval=0.5, what=f"the wall to say {n} students")
    t0 = time.monotonic()
    for _ in range(6):   # a click that lands while the page redraws may be lost: pressed again until all train
        page.locator(".st-key-wall-start button").click()
        try:
            poll(lambda: wall_count(page, TRAINING, 1) >= n, 20, interval=0.5, what=f"the wall to say {n} training")
            return time.monotonic() - t0
        except TimeoutError:
            pass
    line, _ = read_wall(page)
    thumbs = page.evaluate(READ_WALL)[1]
    raise TimeoutError(f"the wall does not say {n} training: {line!r}; not training: "
                       f"{[t for t in thumbs if t.endswith(tuple(STATUS_WORDS))][:5]}")


# --- separate runs --------------------------------------------------------------------------------------------------

def separate_steps_per_s(preset: str, runs: int, seconds: float) -> list[tuple[float, str]]:
    """Steps/s each of `runs` separate runs, two ways, both in this process with no server: bench/class_step.py's
    (its runs one after another, beside its batched one) and `runs` Trainers each in a loop of its own thread (as
    `runs` separate Runners would share the cores)."""
    import class_step   # another bench: measure(cfg, n, seconds, rounds) -> (batched, one after another)
    from ganlib.engine.device import set_threads
    from ganlib.engine.presets import preset as preset_config
    from ganlib.engine.trainer import Trainer
    threads = set_threads()   # the server's count (GAN_STUDIO_THREADS), as class_step.py's main sets it
    (cpu_batched, batched), (cpu_separate, separate) = class_step.measure(preset_config(preset), runs, seconds / 3, 3)
    ways = [(separate, f"bench/class_step.py's measure({preset!r}, {runs}): {runs} Trainers stepped one after "
                       f"another, torch {threads} thread(s), median of 3 windows of {seconds / 3:.1f} s, per wall "
                       f"second; the same {runs} in one Ensemble.step there: {batched:.1f} steps/s each (per CPU "
                       f"second: {cpu_separate:.1f} one after another, {cpu_batched:.1f} batched)")]
    trainers = [Trainer(preset_config(preset).replace(seed=i)) for i in range(runs)]
    for t in trainers:   # past the first steps' warm-up
        for _ in range(5):
            t.step()
    counts, stop, go = [0] * runs, threading.Event(), threading.Barrier(runs + 1)

    def loop(i: int) -> None:
        go.wait()
        while not stop.is_set():
            trainers[i].step()
            counts[i] += 1
    workers = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(runs)]
    for w in workers:
        w.start()
    go.wait()
    time.sleep(1.0)
    c0, t0 = sum(counts), time.perf_counter()
    time.sleep(seconds)
    c1, t1 = sum(counts), time.perf_counter()
    stop.set()
    for w in workers:
        w.join(10)
    return ways + [((c1 - c0) / runs / (t1 - t0),
                    f"{runs} Trainer.step loops of {preset}, a thread each, torch {threads} thread(s), {seconds:.0f} s")]


# --- the bench ------------------------------------------------------------------------------------------------------

def main() -> int:
    started = time.perf_counter()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, nargs="+", default=[1, 10, 30, 60])
    ap.add_argument("--window", type=float, default=15.0, help="seconds measured for each N and phase")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds after Start all before the first window")
    ap.add_argument("--preset", default=PRESET)
    ap.add_argument("--host", choices=sorted(HOSTS), default="worker",
                    help="where the class trains: the server's training worker (the default), or a thread of the server")
    ap.add_argument("--separate-window", type=float, default=10.0)
    args = ap.parse_args()
    ok, why = chromium_available()
    if not ok:
        print(f"skipped: {why}")
        return 0
    from ganlib import PRESETS
    if args.preset not in PRESETS:
        print(f"skipped: no preset {args.preset!r} on this server (ganlib/engine/presets.py)")
        return 0
    ns = sorted(set(args.students))
    separate = separate_steps_per_s(args.preset, AT, args.separate_window) if AT in ns else []
    rows, stop, students, frames, failed = [], threading.Event(), [], WallFrames(), None
    rss_before = rss_open = float("nan")
    n = None
    env = {"GAN_STUDIO_IDLE_MINUTES": "30", "GAN_STUDIO_CLASS_SIZE": str(max(60, max(ns))),
           "GAN_STUDIO_WORKER": HOSTS[args.host]}
    with serve(env=env) as server, browser_page(width=1280, height=720, timeout_ms=60_000) as page:
        try:
            page.on("websocket", frames.attach)
            page.goto(server.url + "/classroom")
            page.locator(".st-key-cls_open button").wait_for(timeout=120_000)
            page.wait_for_timeout(2000)
            rss_before = tree_rss_mb(server.proc.pid)
            code = open_class(page, args.preset)
            poll(lambda: WALL.search(read_wall(page)[0]), 120, what="the wall")
            page.wait_for_timeout(2000)
            rss_open = tree_rss_mb(server.proc.pid)
            for n in ns:
                # waits are the page's, never time.sleep: playwright hands the teacher's frames over (and
                # WallFrames times them) only while the main thread is in one of its calls
                quieten(page, students)
                started_in = grow(page, server, code, students, stop, n)
                page.wait_for_timeout(1000 * args.warmup)
                quiet = window(page, server, frames, students, args.window)
                for s in students:
                    s.refreshing.set()
                page.wait_for_timeout(1000 * args.warmup)
                fresh = window(page, server, frames, students, args.window)
                if not fresh["per_run"] and quiet["readings"]:
                    # the wall redrew less than twice while the students refreshed: their runs' steps/s is at most
                    # what they made from the last reading before those windows to the first after them
                    quieten(page, students)
                    after = next_reading(page, frames, 4 * args.window)
                    if after is not None:
                        fresh["at_most"] = bracket(quiet["readings"][-1], after)
                rows.append((n, fresh, quiet, started_in))
        except Exception as e:  # noqa: BLE001 - what was measured is still reported, and why it stopped
            failed = f"stopped at N = {n}: {type(e).__name__}: {e}"
        finally:
            stop.set()
            for s in students:
                s.join(10)
    errors = [repr(s.error) for s in students if s.error is not None]
    print_report(args, ns, rows, rss_before, rss_open, separate, errors)
    if failed:
        print(failed)
    print(f"whole bench: {time.perf_counter() - started:.0f} s")
    return 0


def slowest(r: dict, pick) -> tuple[float, bool]:
    """pick(the runs' steps/s) of a window, and whether it is only an upper bound (the wall redrew less than twice
    in it: bracketed by the readings around it); nan when neither."""
    if r["per_run"]:
        return pick(r["per_run"]), False
    if r.get("at_most"):
        return pick(r["at_most"]), True
    return float("nan"), False


def verdict(value: float, target: float, bound: bool) -> str:
    if value != value:
        return "not measured"
    if value < target:
        return "NOT met"
    return "unknown (an upper bound)" if bound else "met"


def print_report(args, ns, rows, rss_before, rss_open, separate, errors) -> None:
    print(f"one class of {args.preset}, growing through N = {', '.join(map(str, ns))} students (websocket sessions), "
          f"the teacher's wall in Chromium 1280x720; {args.window:.0f} s windows after {args.warmup:.0f} s warm-up; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; the class trains in the server's "
          f"{'training worker' if args.host == 'worker' else 'own process (a thread)'}")
    print(f"server RSS before any class {rss_before:.0f} MB; with the class open and no student {rss_open:.0f} MB")
    head = (f"{'N':>3}  {'pages':<10}  {'s':>3}  {'train':>5}  {'caption':>7}  {'runs min/med/max':>17}  "
            f"{'st/CPU-s':>8}  {'server':>6}  {'ours':>5}  {'load':>4}  {'RSS MB':>6}  {'MB/stud':>7}  {'(open)':>6}  "
            f"{'wall ms med/p90':>15}  {'every':>5}  {'refr/s':>6}  {'refr ms':>7}")
    print(head)
    for n, fresh, quiet, _ in rows:
        for name, r in (("quiet", quiet), ("refreshing", fresh)):
            runs = r["per_run"]
            spread = (f"{min(runs):.0f}/{statistics.median(runs):.0f}/{max(runs):.0f}" if runs else
                      "<={:.0f}/{:.0f}/{:.0f}".format(min(r["at_most"]), statistics.median(r["at_most"]),
                                                     max(r["at_most"])) if r.get("at_most") else "n/a")
            per_cpu = statistics.median(runs) / r["cpu_per_s"] if runs else float("nan")
            training = "-" if r["training"] is None else r["training"]
            print(f"{n:>3}  {name:<10}  {r['seconds']:>3.0f}  {training:>5}  {r['caption']:>7.1f}  "
                  f"{spread:>17}  {per_cpu:>8.0f}  {r['cpu_per_s']:>6.2f}  {r['ours_per_s']:>5.2f}  {r['load']:>4.1f}  "
                  f"{r['rss_mb']:>6.0f}  {(r['rss_mb'] - rss_before) / n:>7.1f}  {(r['rss_mb'] - rss_open) / n:>6.1f}  "
                  f"{r['wall_ms'][0]:>7.0f}/{r['wall_ms'][1]:<7.0f}  {r['redrawn_every']:>5.2f}  "
                  f"{r['student_refreshes_per_s']:>6.1f}  {r['student_ms']:>7.0f}")
    print("s: the window's seconds (longer when the wall took long to redraw twice); train: runs training, as "
          "the wall says (-: it did not redraw in the window); caption: the wall's 'at X steps/s each', mean over "
          "the window; runs: each run's steps/s from its thumbnail's step count (<=: the wall redrew less than "
          "twice in the window, so from its last reading before the quiet window's end to its first after the "
          "students went quiet again: an upper bound); st/CPU-s: a run's steps/s (median) per second of the "
          "server's CPU, what it would make with a core to itself, the machine's other load left out; server: the "
          "server's CPU s/s; ours: this bench's (student clients, playwright, Chromium) CPU s/s; load: the "
          "machine's 1-min load average; every: seconds between wall redraws (2 asked); refr/s, refr ms: student "
          "refreshes served a second, and their median time from ask to script_finished")
    print("MB/stud: (RSS - RSS before any class) / N; (open): (RSS - RSS with the class open, no student) / N")
    for n, fresh, quiet, started_in in rows:
        print(f"N = {n}: Start all to the wall saying {n} training: {started_in:.1f} s (students quiet)")
    for n, fresh, quiet, _ in rows:
        f_med, bound = slowest(fresh, statistics.median)
        q_med, _ = slowest(quiet, statistics.median)
        print(f"N = {n}: steps/s refreshing / quiet = {'<=' if bound else ''}{f_med / q_med:.2f} (runs' median), "
              f"{fresh['caption'] / quiet['caption']:.2f} (wall's caption)")
    for value, how in separate:
        print(f"separate runs: {value:.1f} steps/s each ({how})")
    for n, fresh, quiet, _ in rows:
        if n != AT:
            continue
        for name, r in (("refreshing", fresh), ("quiet", quiet)):
            worst, bound = slowest(r, min)
            how = "at most: the wall redrew less than twice" if bound else "slowest run, by its step count"
            print(f"N = {AT}, {name}: {worst:.1f} steps/s ({how}; caption {r['caption']:.0f}); target every run "
                  f">= {TARGET_STEPS:.0f}: {verdict(worst, TARGET_STEPS, bound)}")
            for value, way in separate:
                print(f"    {worst / value:.1f}x a separate run's {value:.1f} ({way.split(':')[0]}), target >= "
                      f"{TARGET_VS_SEPARATE:.0f}x: {verdict(worst / value, TARGET_VS_SEPARATE, bound)}")
    for n, fresh, quiet, _ in rows:
        if n == 60:
            (lo, bound), (hi, _) = slowest(fresh, min), slowest(fresh, max)
            print(f"N = 60 (reported): refreshing: runs {'at most ' if bound else ''}{lo:.1f}-{hi:.1f} steps/s "
                  f"(caption {fresh['caption']:.1f}), server CPU {fresh['cpu_per_s']:.2f} s/s, wall redraw "
                  f"{fresh['wall_ms'][0]:.0f} ms median; quiet: runs {slowest(quiet, min)[0]:.1f}-"
                  f"{slowest(quiet, max)[0]:.1f} steps/s (caption {quiet['caption']:.1f})")
    if errors:
        print(f"student sessions that failed: {len(errors)}: {errors[:3]}")


if __name__ == "__main__":
    sys.exit(main())
