"""A zip whose entries lie about their size, uploaded through the Train page's data section in a real browser.

8 entries of 2 GiB of deflated zeros, each declaring 1,000 bytes (a 16.7 MB file): a server that read entries
with ZipFile.read inflated them whole (issue 18: 124 s and +1.1 GB resident; here 27 s and a 2.2 GB higher
peak) before saying the zip had no usable images. It must say the first is larger than it declares within
seconds, its resident memory (peak included) rising by less than 100 MB. Skipped without playwright or
/usr/bin/chromium.
"""
import time

import pytest

from browser import browser_page, chromium_available, errors_shown, poll, serve
from test_browser_loose_ends import body, choose, select
from test_zips import lying_zip, png_entry, write_zip

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)

MB = 1_000_000
REFUSED_S = 10      # the target is 2 s; the rest is the browser sending 16.7 MB and a busy 2-core machine
MAX_RISE = 100 * MB


def _family(pid: int) -> list[int]:
    """pid and every process below it."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


def _kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def memory(pid: int) -> tuple[int, int]:
    """(resident bytes now, peak resident bytes) of the server and its children, added up."""
    pids = _family(pid)
    return sum(_kb(p, "VmRSS") for p in pids) * 1024, sum(_kb(p, "VmHWM") for p in pids) * 1024


def reset_peaks(pid: int) -> bool:
    """Set each process's peak (VmHWM) to what it holds now, so the peak measures the upload alone (Linux's
    clear_refs 5); False where that is not allowed, and the peak then counts from the process's start."""
    try:
        for p in _family(pid):
            with open(f"/proc/{p}/clear_refs", "w") as f:
                f.write("5")
        return True
    except OSError:
        return False


def test_a_zip_of_lying_entries_is_refused_within_seconds_and_100_mb(tmp_path):
    write_zip(tmp_path / "honest.zip", [png_entry()])
    bomb = lying_zip(tmp_path / "bomb.zip")
    assert bomb.stat().st_size < 17 * MB
    uploader = '[class*="st-key-cfg-seed-mlp-data_path-upload"] input[type="file"]'
    # no warm-up: it starts the training worker, a child of the server whose own start (torch, a step) would be
    # counted here as the upload's
    with serve(env={"GAN_STUDIO_WARM": "0"}) as server, browser_page() as page:
        page.goto(server.url)
        page.get_by_role("heading", name="Train").wait_for(timeout=60_000)
        choose(page, "seed-mlp")
        select(page, "cfg-seed-mlp-dataset", "folder")
        # an honest upload first: its check imports what any check needs (torch among them, ~0.5 GB), which
        # is no cost of the lie's
        page.locator(uploader).set_input_files(str(tmp_path / "honest.zip"))
        poll(lambda: "data_path now names it" in body(page), 120, what="the honest upload kept")
        time.sleep(1.0)   # its reruns settle before the baseline is read
        rss_before, peak_before = memory(server.proc.pid)
        peaks_reset = reset_peaks(server.proc.pid)
        t = time.perf_counter()
        page.locator(uploader).set_input_files(str(bomb))   # a path: the browser reads the file itself
        chosen = time.perf_counter() - t
        poll(lambda: "is larger than it declares" in body(page), REFUSED_S, interval=0.1,
             what="the refusal of the lying zip")
        seconds = time.perf_counter() - t
        rss_after, peak_after = memory(server.proc.pid)
        text = body(page)
        assert not errors_shown(page)
    rise = max(rss_after - rss_before, peak_after - (rss_before if peaks_reset else peak_before))
    print(f"refused in {seconds:.2f} s (the file chosen in {chosen:.2f} s); server resident "
          f"{rss_before / MB:.0f} -> {rss_after / MB:.0f} MB, peak {peak_after / MB:.0f} MB (peaks reset: {peaks_reset}); rise {rise / MB:.0f} MB")
    assert "data_path: lie0.png in bomb.zip is larger than it declares (1,000 bytes)" in text
    assert "mine/data/bomb.zip" not in text   # nothing was kept
    assert rise < MAX_RISE and seconds < REFUSED_S, (rise, seconds)
