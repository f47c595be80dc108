"""The words of watching and sharing: the watch code's form, what the Watch page says while it waits or finds no
run, the watch link's notes, and the warning before a link that students cannot open (classroom/share.py finds
out when). Plain strings only, torch-free, as all of words/."""
from __future__ import annotations

# classroom/codes.py's WATCH_CODES: 10 symbols of its alphabet, shown in two groups of 5 (tests/test_watch_codes.py
# holds the two to each other)
WATCH_CODE_RULE = ("Watch code: 10 letters and digits, as shown on the teacher's screen, such as ABCDE-FGHJK (the "
                   "dash, spaces and small or capital letters do not matter; there is no 0, O, 1, I or L).")
BAD_WATCH_LINK = WATCH_CODE_RULE + " This link's is not one: ask for the link again."
CODE_INTRO = ("Follow a run someone shares, live and read-only: type the watch code on their screen, or open "
              "their watch link.")
CODE_LABEL = "Watch code"
CODE_PLACEHOLDER = "ABCDE-FGHJK, from your teacher's screen"
NOTHING_YET = ("Nothing to show yet: the run behind this link has not started, or it has ended. "
               "This page updates by itself.")
WATCHING = ("You are watching: nothing here changes the run. The Latent explorer can open a private copy "
            "of its G (source: Current run).")
LINK_NOTE = "Students who open this link see this run live, read-only: the link gives no control."
OWNER_NOTE = "Your browser's address gives no control of this run: the run belongs to this browser."
SHARE_HELP = ("Shows this run's watch link, its code and a QR code. The link works while you are here, whether "
              "this switch is on or off: it only shows it.")


def spotlit(name: str, back: str) -> str:
    """The watch link's note while the teacher has put a student's run on it (the Class wall): not "this run"."""
    return (f"Students who open this link now see **{name}'s run** from your class, not this one (read-only). "
            f"“{back}” on the Class page puts this run back on it.")
SCAN = "Scan to watch"


def no_run_shared(code: str) -> str:
    """A watch code in the right form that nobody on this server shares under (a typo, or a run long gone)."""
    return (f"No run is shared under the code {code} on this server: check it against the teacher's screen, "
            "and type it again.")


def local_address(seen: str, network: str | None, server_local: bool) -> str:
    """The warning before a watch or class link whose address, as the teacher's browser shows it (`seen`: localhost,
    127.0.0.1, ::1), opens on the teacher's computer only. network: this computer's network address, put in the
    link instead; None when there is none to use, as when the server answers this computer alone (server_local)."""
    head = (f"**Students cannot open {seen}.** That address means *this computer* in your browser, and on each "
            "student's device it means their own device.")
    if network is not None:
        return (f"{head} The link and QR code below use this computer's network address, {network}, instead: "
                "students' devices must be on the same network as this computer. If it does not open for them, "
                "open the app at the Network URL that `streamlit run` printed, and show the link from there.")
    if server_local:
        return (f"{head} This server answers this computer only (its --server.address is this computer's own), so "
                "no other address reaches it either: start it again with `streamlit run app.py --server.address "
                "0.0.0.0`, open the app at the Network URL it prints, and show the link from there.")
    return (f"{head} This computer's network address could not be found: open the app at its network address (the "
            "Network URL that `streamlit run` printed, such as http://192.168.1.20:8501) and show the link from "
            "there.")
