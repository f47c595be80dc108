"""Sharing with a class: the watch and class links at an address students can open, and a link as a QR code.

A page knows the app's address only as the teacher's browser shows it. On the teacher's own laptop that is often
http://localhost:8501 or 127.0.0.1, which on a student's device names the student's device: a projected link or
QR code of it opens nothing. `for_students` notices such an address and puts this machine's network address in
its place (found without sending a packet: a classroom may have no internet), or says none was found, so that a
page warns before it shows the link.
"""
from __future__ import annotations

import io
import ipaddress
import socket
from dataclasses import dataclass
from enum import Enum
from typing import Callable
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno

PAGE_PATHS = ("train", "explore", "theory", "checkpoints", "watch", "classroom")   # app.py's pages, as their URLs end
# Connecting a UDP socket sends nothing: the system only picks the interface a packet to there would leave by, and
# its address is this machine's on that network. One private address per range, as an offline classroom's network
# (a hotspot, a school's LAN) may route only its own.
PROBES = ("10.255.255.255", "172.31.255.255", "192.168.255.255")


def app_url(page_url: str) -> str:
    """The app's root URL from the URL of any of its pages (kept under a proxy's path prefix, if any)."""
    parts = urlsplit(page_url or "")
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1] in PAGE_PATHS:
        path = path.rsplit("/", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


def watch_url(page_url: str, code: str) -> str:
    """The link that shows a run read-only: the app's root with ?watch=CODE, and nothing else of the
    owner's URL (a lesson's parameters or Streamlit's own belong to the owner's view, not the class's)."""
    return Reach(app_url(page_url)).link("watch", code)


def is_local(host: str | None) -> bool:
    """Whether a URL's host names only the machine it is typed on: localhost, 127.x.x.x, ::1 (or 0.0.0.0, which
    browsers open as this machine)."""
    host = (host or "").strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False   # a name (or nothing): students resolve it as the teacher's browser did
    return ip.is_loopback or ip.is_unspecified


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def network_address() -> str | None:
    """This machine's IPv4 address on its network, found offline; None when it has none but loopback."""
    for probe in PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                if _usable(found := s.getsockname()[0]):
                    return found
        except OSError:   # no route to that range
            continue
    try:   # the host's own name, as /etc/hosts or the local resolver gives it (may be loopback alone)
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    return next((info[4][0] for info in infos if _usable(info[4][0])), None)


class Route(Enum):
    """How students reach the app, from the address the teacher's browser shows it at."""
    AS_SEEN = "as seen"              # that address: students' devices open it as the teacher's browser does
    NETWORK = "network"              # it named this machine alone: this machine's network address instead
    NOT_FOUND = "not found"          # it named this machine alone, and no network address was found
    SERVER_LOCAL = "server local"    # it named this machine alone, and the server answers nothing else


@dataclass(frozen=True)
class Reach:
    """Where students should open the app: `root`, the app's root URL, reached by `route`; `seen`, the host the
    teacher's browser shows (for a route other than AS_SEEN); `network`, the address put in its place (NETWORK)."""
    root: str
    route: Route = Route.AS_SEEN
    seen: str = ""
    network: str | None = None

    @property
    def local(self) -> bool:
        """The teacher's browser shows the app at an address students cannot open: a page warns before the link."""
        return self.route is not Route.AS_SEEN

    def link(self, param: str, code: str) -> str:
        """The app's root with ?param=code, and nothing else."""
        return self.root + "?" + urlencode({param: code})


def for_students(page_url: str, listens_on: str = "",
                 find: Callable[[], str | None] = network_address) -> Reach:
    """Where students open the app, from the page's URL as the teacher's browser shows it. listens_on: the address
    the server was started on (Streamlit's server.address; empty for every interface); find: this machine's
    network address (network_address; a test passes its own)."""
    root = app_url(page_url)
    parts = urlsplit(root)
    if not is_local(parts.hostname):
        return Reach(root)
    seen = parts.hostname or ""
    if _this_machine_only(listens_on):   # no network address answers: the server must be started again
        return Reach(root, Route.SERVER_LOCAL, seen)
    network = find()
    try:
        port = parts.port
    except ValueError:   # not a number (no browser shows one): no address to build, the page says so
        network = None
    if network is None:
        return Reach(root, Route.NOT_FOUND, seen)
    netloc = network + (f":{port}" if port else "")
    return Reach(urlunsplit((parts.scheme, netloc, parts.path, "", "")), Route.NETWORK, seen, network)


def _this_machine_only(listens_on: str) -> bool:
    """Whether a server started on this address answers this machine alone (0.0.0.0 and :: answer every network)."""
    host = (listens_on or "").strip().strip("[]")
    return host not in ("", "0.0.0.0", "::") and is_local(host)


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of `text` as PNG bytes, big enough to scan from the back of a room."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
