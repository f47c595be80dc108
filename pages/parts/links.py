"""The links students open (a watch link, a class link, a lesson link): at an address their devices can reach, with
a warning where the teacher's browser shows the app at an address of this computer alone, and a QR code each."""
from __future__ import annotations

import streamlit as st

from ganlib.classroom.share import Route, for_students, network_address, qr_png
from ganlib.words import watch_text as WT

NETWORK_TTL_S = 30   # this machine's network address, looked up again as often: a laptop may change networks


def student_link(param: str, code: str, warn: bool = True) -> str:
    """The link students open for ?param=code (a watch or class link), at an address their devices can reach; a
    warning first where the teacher's browser shows the app at an address of this computer alone (share.py), unless
    warn=False: a page that warns once for all its links (warn_if_local)."""
    reach = _reach()
    if warn:
        warn_if_local(reach)
    return reach.link(param, code)


def warn_if_local(reach=None) -> None:
    """The warning, where the teacher's browser shows the app at an address of this computer alone."""
    reach = reach or _reach()
    if reach.local:
        st.warning(WT.local_address(reach.seen, reach.network, reach.route is Route.SERVER_LOCAL), icon="⚠️")


def _reach():
    return for_students(st.context.url or "", st.get_option("server.address") or "", find=_network_address)


@st.cache_data(ttl=NETWORK_TTL_S, show_spinner=False)
def _network_address() -> str | None:
    return network_address()


@st.cache_data(max_entries=64, show_spinner=False)
def qr_image(url: str) -> bytes:
    """A link's QR code as PNG, made once per link for every page that shows it (watch, class, lesson, pairing)."""
    return qr_png(url)
