"""Streamlit sessions without a browser, and the /proc readings the class benches take.

A Session is one visitor as a browser would be one, without the browser's own rendering cost on these cores: a
websocket that speaks Streamlit's protocol, runs the app once with a query string (?watch=CODE, ?class=CODE), then
reruns each fragment whenever its run_every comes round (the server's auto_rerun message says which and how
often), while `refreshing` is set. bench/classroom.py's watchers and bench/class.py's students are Sessions.
"""
from __future__ import annotations

import os
import threading
import time


class Session(threading.Thread):
    """One visitor's session of the app at `url` with `query` (e.g. "class=ABCDEF"), until `stop` is set."""

    def __init__(self, url: str, query: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.url, self.query, self.stop = url, query, stop
        self.refreshing = threading.Event()
        self.refreshing.set()
        self.ran = 0                      # script runs finished (the first full run, then fragment runs)
        self.refreshes: list[tuple[float, float]] = []   # (finished at, seconds from the ask to script_finished)
        self.asked: float | None = None   # when the refresh now awaited was first asked for
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as e:  # noqa: BLE001 - the bench says so in its report
            self.error = e

    def _run(self) -> None:
        # streamlit's protos and websockets load in the session's thread: a bench that is skipped (no Chromium)
        # never pays for them
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.sync.client import connect
        with connect(self.url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                     max_size=None) as ws:
            first = BackMsg()
            first.rerun_script.query_string = self.query
            ws.send(first.SerializeToString())
            page, timers = "", {}
            while not self.stop.is_set():
                now = time.monotonic()
                for fragment, (due, every) in list(timers.items()):
                    if now < due:
                        continue
                    timers[fragment] = (due + every if due + every > now else now + every, every)
                    if not self.refreshing.is_set():
                        continue
                    again = BackMsg()   # what the browser sends when a fragment's run_every comes round
                    again.rerun_script.query_string = self.query
                    again.rerun_script.page_script_hash = page
                    again.rerun_script.fragment_id = fragment
                    again.rerun_script.is_auto_rerun = True
                    ws.send(again.SerializeToString())
                    self.asked = self.asked or now
                try:
                    raw = ws.recv(timeout=0.05)
                except TimeoutError:
                    continue
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    page = msg.new_session.page_script_hash
                elif kind == "auto_rerun" and msg.auto_rerun.interval > 0:
                    every = msg.auto_rerun.interval
                    timers[msg.auto_rerun.fragment_id] = (time.monotonic() + every, every)
                elif kind == "script_finished":
                    self.ran += 1
                    if msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY and self.asked:
                        done = time.monotonic()
                        self.refreshes.append((done, done - self.asked))
                        self.asked = None   # asks made while it waited or ran were folded into it (Streamlit
                        # keeps one pending rerun a session): timed from the first


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """A process's resident memory, in MB of 2^20 bytes."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


HOSTS = {"thread": "0", "worker": "1"}   # where a served app's runs train (GAN_STUDIO_WORKER): before issue 24, after


def hosts_argument(ap) -> None:
    ap.add_argument("--hosts", nargs="+", choices=list(HOSTS), default=list(HOSTS),
                    help="thread: runs on threads of the server (GAN_STUDIO_WORKER=0); worker: in its worker process")


def without_chromium() -> bool:
    """True, having said why, where this machine has no Chromium for a bench that needs one."""
    from browser import chromium_available  # tests/browser.py, on the path the calling bench set (not this module)
    ok, why = chromium_available()
    if not ok:
        print(f"skipped: {why}")
    return not ok
