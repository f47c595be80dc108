"""A link is not a key (issue 18), in real Chromium: the owner's address, copied into another browser, gives that
browser nothing of the owner's; a reload rejoins through the cookie; a pairing link hands the run to a second
device once; a browser that keeps no cookie is told so. Each browser context is one visitor.
Skipped when playwright or /usr/bin/chromium is missing."""
import time

import pytest

from browser import browser, chromium_available, poll, serve
from test_browser_classroom import CHANGE_S, FIRST_RUN_S, choose_ring8, sidebar
from test_browser_classroom import visit as visit_in

ok, why = chromium_available()
pytestmark = pytest.mark.skipif(not ok, reason=why)
COOKIE = "gan_studio_visitor"


def visit(chromium, url):
    """A new visitor at url, on a laptop: (its browser context, its page)."""
    contexts: list = []
    page = visit_in(chromium, url, contexts)
    return contexts[0], page


@pytest.fixture(scope="module")
def server():
    with serve(env={"GAN_STUDIO_IDLE_MINUTES": "1"}) as s:
        yield s


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def stepped_run(chromium, url):
    """A visitor with a paused ring8 run one step in, and its cookie's key."""
    context, page = visit(chromium, url)
    choose_ring8(page)
    page.locator(".st-key-btn-Step button").click()
    poll(lambda: "Run: paused" in sidebar(page), FIRST_RUN_S, what="a step")
    return context, page, cookie_key(context)


def cookie_key(context) -> str:
    return poll(lambda: next((c["value"] for c in context.cookies() if c["name"] == COOKIE), None), CHANGE_S,
                what="the visitor cookie")


def saved(page, name):
    page.get_by_role("link", name="Checkpoints").click()
    page.locator(".st-key-ck_name input").fill(name)
    page.get_by_role("button", name="💾 Save").click()
    poll(lambda: f"Saved {name}.pt" in page.inner_text("body"), CHANGE_S, what="the save")


def test_the_owners_copied_address_gives_another_browser_nothing(server, chromium):
    owner_ctx, owner, key = stepped_run(chromium, server.url)
    other_ctx = None
    try:
        cookie = next(c for c in owner_ctx.cookies() if c["name"] == COOKIE)
        assert cookie["sameSite"] == "Strict" and key not in owner.url
        saved(owner, "teachers-run")
        # the attacker has the owner's address, even with the key pasted in as an old link had it
        other_ctx, other = visit(chromium, owner.url + ("&" if "?" in owner.url else "?") + f"v={key}")
        poll(lambda: "No run yet" in sidebar(other), CHANGE_S, what="a new visitor's sidebar")
        assert "v=" not in other.url                                  # dropped unread
        assert cookie_key(other_ctx) != key
        other.get_by_role("link", name="Checkpoints").click()
        other.get_by_role("heading", name="Checkpoints").wait_for()
        time.sleep(1.0)
        assert "teachers-run" not in other.inner_text("body")          # nothing of the owner's files
        assert not other.locator(".st-key-btn-Pause button").count()
        assert "Run: paused" in sidebar(owner)                         # and the owner's run is untouched
    finally:
        for ctx in (other_ctx, owner_ctx):
            if ctx is not None:
                ctx.close()


def test_a_pairing_link_hands_the_run_to_a_second_device_once(server, chromium):
    owner_ctx, owner, key = stepped_run(chromium, server.url)
    phone_ctx = late_ctx = None
    try:
        owner.get_by_role("link", name="Train").click()
        owner.get_by_text("Control this run from another device too").click()
        link = poll(lambda: next((t.strip() for t in owner.locator('[data-testid="stCode"]').all_inner_texts()
                                  if "pair=" in t), None), CHANGE_S, what="the pairing link")
        assert key not in link
        phone_ctx, phone = visit(chromium, link)
        poll(lambda: "Run: paused" in sidebar(phone), CHANGE_S, what="the paired device's run")
        assert "pair=" not in phone.url and "now controls the same run" in phone.inner_text("body")
        assert poll(lambda: cookie_key(phone_ctx) == key, CHANGE_S, what="the paired cookie")
        phone.reload()   # the second device keeps it through its own cookie
        poll(lambda: "Run: paused" in sidebar(phone), CHANGE_S, what="the paired device after a reload")
        phone.locator(".st-key-btn-Resume button").click()   # the laptop, paused and idle, hears of it by itself
        poll(lambda: "Run: running" in sidebar(owner), 20, what="the owner's laptop to see the phone's Resume")
        late_ctx, late = visit(chromium, link)   # the same link again: used up
        poll(lambda: "No run yet" in sidebar(late), CHANGE_S, what="a used link's visitor")
        assert "used already" in late.inner_text("body")
    finally:
        for ctx in (late_ctx, phone_ctx, owner_ctx):
            if ctx is not None:
                ctx.close()


def test_a_browser_that_keeps_no_cookie_is_told_once_and_never_given_a_key_in_the_address(server, chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script("Object.defineProperty(document, 'cookie', {get: () => '', set: () => {}});")
    page = context.new_page()
    try:
        page.goto(server.url)
        poll(lambda: "keeps no cookie" in page.inner_text("body"), CHANGE_S, what="the no-cookie notice")
        assert "v=" not in page.url
        page.get_by_role("link", name="Theory lab").click()
        page.get_by_role("heading", name="Theory lab").wait_for()
        time.sleep(1.0)
        assert "keeps no cookie" not in page.inner_text("body")   # said once
    finally:
        context.close()
