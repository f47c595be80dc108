"""Who may see and who may control: the visitor's cookie, the watch link for a class, the pairing link for a
second device of the owner's, and the class link (?class=CODE: a student joins a class with a run of their own).
The address never carries a visitor key (ganlib/classroom/identity.py says why)."""
from __future__ import annotations

import streamlit as st

from ganlib.classroom.classes import parse_code
from ganlib.classroom.codes import WATCH_CODES
from ganlib.classroom.identity import COOKIE, PAIR_TTL_S
from ganlib.settings import keep_seconds
from ganlib.classroom.share import app_url
from ganlib.classroom.visitor import Visitor
from ganlib.words import watch_text as WT
from ganlib.words.class_text import BAD_CODE, OFF_WATCH
from pages.parts.links import qr_image, student_link
from pages.parts.ui import classes, pairings, visitor


# The key reaches the browser once per session, in this script's data, and stays there as a cookie: SameSite=Strict
# (no other site's page sends it), Secure where the page is https. A browser that keeps no cookie (some embedded
# frames) says so, and the page tells the visitor once; it is never given a key in the address instead.
_COOKIE_JS = """
export default function({ data, setStateValue }) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=${data.max_age}; SameSite=Strict${secure}`;
  if (!document.cookie.split("; ").includes(`${data.name}=${data.value}`)) setStateValue("blocked", true);
}
"""
_cookie_setter = st.components.v2.component("gan_studio_visitor_cookie", js=_COOKIE_JS)
NO_COOKIE = ("This browser keeps no cookie for GAN Studio here (an embedded page?), so a reload will start afresh as "
             "a new visitor. Open the app in its own tab to keep your run and files across reloads.")


def join_visitor() -> Visitor:
    """This tab's Visitor, its cookie kept fresh, and the address cleaned: a visitor key from an old link (?v=) is
    dropped unread, a pairing code once used; a watch code (?watch=) is taken in any case, with or without its dash,
    put in the address in the form it is shown, dropped from it when it is in no form of a code, and put back after
    a page switch (Streamlit drops the query then)."""
    if "pair" in st.query_params and "paired_key" not in st.session_state:   # redeemed before the Visitor is made
        st.session_state["paired_key"] = pairings().redeem(st.query_params["pair"]) or ""
        paired = bool(st.session_state["paired_key"])
        (st.success if paired else st.warning)(
            "This device now controls the same run and files as the one that made the link." if paired else
            f"This pairing link was used already or is over {PAIR_TTL_S / 60:.0f} minutes old: make a new one on the "
            "first device (Train page: Control this run from another device too). This device goes on as a new "
            "visitor.")
    v = visitor()
    for stale in ("v", "pair"):
        if stale in st.query_params:
            del st.query_params[stale]
    days = keep_seconds() / 86400 or 3650
    with st.sidebar:   # an element of no height still takes a gap; the sidebar's is out of the page's way
        kept = _cookie_setter(data={"name": COOKIE, "value": v.key, "max_age": int(days * 86400)},
                              key="visitor_cookie", on_blocked_change=lambda: None, height=0)
    if getattr(kept, "blocked", False) and not st.session_state.get("said_no_cookie"):
        st.session_state["said_no_cookie"] = True
        st.warning(NO_COOKIE)
    raw = st.query_params.get("watch")
    if (code := WATCH_CODES.parse(raw)) is not None:
        v.watch_code = code
        if raw != code:
            st.query_params["watch"] = code
    elif raw is not None:   # said once, and dropped from the address: the page opens as it would without it
        del st.query_params["watch"]
        st.error(WT.BAD_WATCH_LINK)
    elif v.watch_code:
        st.query_params["watch"] = v.watch_code
    return v


def share_box(v: Visitor) -> None:
    """The owner's watch link for a class: a link, the code in large type, and a QR code for a projector."""
    if v.snapshot() is not None and st.toggle("📣 Show this run to the class (watch link)", key="share",
                                              help=WT.SHARE_HELP, persist_state="session"):
        _watch_link(v)
    pair_box(v)


def _watch_link(v: Visitor) -> None:
    code = v.share()
    with st.container(border=True):
        url = student_link("watch", code)
        left, right = st.columns([3, 2])
        spot = classes().spotlit(v.key)
        left.markdown(WT.LINK_NOTE if spot is None else WT.spotlit(spot[1].name, OFF_WATCH))
        left.code(url, language=None)
        left.markdown(f"<div style='font-size:3rem;font-weight:700;letter-spacing:.1em'>{code}</div>",
                      unsafe_allow_html=True)
        left.caption(WT.OWNER_NOTE)
        right.image(qr_image(url), caption=WT.SCAN, width=260)


def pair_box(v: Visitor) -> None:
    """A one-time link that gives a second device of the owner (a phone, the teacher's laptop) this run and these
    files: made on demand, good for PAIR_TTL_S and one use, so a projected or leaked one soon means nothing."""
    if not st.toggle("🔗 Control this run from another device too (pairing link)", key="pair_toggle"):
        return
    code = st.session_state.get("pair_code")
    if st.button("Make a new pairing link", key="btn-pair") or code is None:
        st.session_state["pair_code"] = code = pairings().offer(v.key)
    if not pairings().live(code):
        st.info("That pairing link was used or is over 2 minutes old, so it works no more. Make a new one when your "
                "other device is at hand.")
        return
    url = app_url(st.context.url) + "?pair=" + code
    left, right = st.columns([3, 2])
    left.warning(f"Open this link on your other device within {PAIR_TTL_S / 60:.0f} minutes; it works once. Whoever "
                 "opens it controls your run and files, so do not project it or send it to the class.")
    left.code(url, language=None)
    right.image(qr_image(url), caption="Scan on your own device", width=200)


def class_code() -> str | None:
    """The class this tab is a student of: ?class=CODE (any case), kept across page switches (Streamlit drops the
    query then). A code in a bad form is dropped from the address, and said once."""
    raw = st.query_params.get("class")
    if raw is not None:
        code = parse_code(raw)
        if code is None:
            del st.query_params["class"]
            st.error(BAD_CODE)
            return st.session_state.get("class_code")
        st.session_state["class_code"] = code
        if raw != code:
            st.query_params["class"] = code
        return code
    if code := st.session_state.get("class_code"):
        st.query_params["class"] = code
    return code
