"""Watch codes that survive a projector and a typo, and watch and class links that students can open.

Issue 22: a student who typed a watch code in capitals got "No run is shared" and lost the code box, and a
teacher projected http://127.0.0.1:8630/?watch=... with no warning. The codes (classroom/codes.py), the registry
(Runs), the address finding (classroom/share.py) on their own; then the Watch page and the link boxes in AppTest.
"""
import os
import re
import socket
from types import SimpleNamespace

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ganlib.classroom import codes, share
from ganlib.classroom.classes import ALPHABET, new_code, parse_code
from ganlib.classroom.codes import CLASS_CODES, WATCH_CODES
from ganlib.classroom.runs import Runs
from ganlib.classroom.share import Reach, Route, for_students, is_local, network_address
from ganlib.words import watch_text as WT

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
LAN = "192.168.1.20"


def owner(key: str = "teacher") -> SimpleNamespace:
    return SimpleNamespace(key=key, closed=False)


# --- the codes ------------------------------------------------------------------------------------------------
def test_the_alphabet_has_no_look_alikes_and_a_watch_code_carries_48_bits_or_more():
    assert not set("0O1IL") & set(codes.ALPHABET) and len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 31
    assert set(codes.ALPHABET) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    assert WATCH_CODES.bits >= 48 and WATCH_CODES.length == 10
    made = {WATCH_CODES.new() for _ in range(2000)}
    assert len(made) == 2000
    assert all(re.fullmatch(r"[23456789A-HJKMNP-Z]{5}-[23456789A-HJKMNP-Z]{5}", c) for c in made), sorted(made)[:3]


def test_a_code_is_read_in_any_case_with_or_without_its_dash_and_spaces():
    code = WATCH_CODES.new()
    plain = code.replace("-", "")
    for typed in (code, plain, plain.lower(), f"  {code.lower()} ", f"{plain[:5]} {plain[5:]}".lower(),
                  f"{plain[:3]}-{plain[3:7]} {plain[7:]}", f"{plain[:5]}\u2013{plain[5:]}"):
        assert WATCH_CODES.parse(typed) == code, typed


@pytest.mark.parametrize("bad", [None, 12345, "", "ABCDE-FGHJ", "ABCDE-FGHJKM", "ABCDE-FGH0K", "ABCDE-FGHIK",
                                 "abcde-fghlk", "ABCDE_FGHJK", "../../etc", "zzzzzzzz", "A" * 41, "ABCDE/FGHJK"])
def test_anything_else_is_no_watch_code(bad):
    assert WATCH_CODES.parse(bad) is None


def test_the_rule_the_pages_show_says_what_a_code_is():
    assert f"{WATCH_CODES.length} letters and digits" in WT.WATCH_CODE_RULE
    example = re.search(r"such as (\S+) ", WT.WATCH_CODE_RULE).group(1)
    assert WATCH_CODES.parse(example) == example
    assert all(c in WT.WATCH_CODE_RULE for c in "0O1IL")   # the look-alikes it leaves out are named


def test_class_codes_keep_their_form_from_the_one_alphabet():
    assert ALPHABET is codes.ALPHABET and CLASS_CODES.length == 6 and CLASS_CODES.bits > 29
    code = new_code()
    assert len(code) == 6 and set(code) <= set(ALPHABET) and "-" not in code
    assert parse_code(f" {code.lower()} ") == code and parse_code("O0O0O0") is None and parse_code(None) is None
    assert new_code(taken=set()) != ""


# --- the registry ---------------------------------------------------------------------------------------------
def test_runs_find_a_shared_code_however_it_is_typed():
    runs, teacher = Runs(), owner()
    code = runs.share(teacher)
    assert code == runs.share(teacher) and WATCH_CODES.parse(code) == code and "-" in code
    for typed in (code, code.lower(), code.replace("-", ""), f" {code.replace('-', ' ').lower()} "):
        assert runs.shared(typed) and runs.owner_of(typed) == "teacher"
        assert runs.watch(typed) is None   # shared, no run yet
    other = WATCH_CODES.new(taken={code})
    assert not runs.shared(other) and runs.owner_of(other) is None
    for bad in (None, "", "../../etc", code + "X"):
        assert not runs.shared(bad) and runs.owner_of(bad) is None and runs.watch(bad) is None


# --- the address students open --------------------------------------------------------------------------------
@pytest.mark.parametrize("host,local", [
    ("localhost", True), ("LOCALHOST", True), ("app.localhost", True), ("127.0.0.1", True), ("127.3.4.5", True),
    ("::1", True), ("[::1]", True), ("0.0.0.0", True),
    ("192.168.1.20", False), ("10.0.0.7", False), ("x.hf.space", False), ("teacher-laptop.local", False),
    ("", False), (None, False),
])
def test_which_hosts_name_this_machine_only(host, local):
    assert is_local(host) is local


@pytest.mark.parametrize("page,root", [
    ("http://localhost:8630/", f"http://{LAN}:8630/"),
    ("http://127.0.0.1:8630/watch", f"http://{LAN}:8630/"),
    ("http://[::1]:8501/proxy/app/train", f"http://{LAN}:8501/proxy/app/"),
    ("http://localhost/classroom", f"http://{LAN}/"),
])
def test_a_local_address_gives_way_to_the_network_address(page, root):
    reach = for_students(page, "", find=lambda: LAN)
    assert reach == Reach(root, Route.NETWORK, reach.seen, LAN) and reach.seen and reach.local
    assert reach.link("watch", "ABCDE-FGHJK") == root + "?watch=ABCDE-FGHJK"
    warning = WT.local_address(reach.seen, reach.network, server_local=False)
    assert "Students cannot open" in warning and LAN in warning and reach.seen in warning


def test_an_address_students_can_open_is_kept_as_it_is():
    asked = []
    for page in ("https://x.hf.space/proxy/app/watch", "http://192.168.1.7:8501/", "http://studio.school.org/"):
        reach = for_students(page, "", find=lambda: asked.append(1) or LAN)
        assert reach == Reach(share.app_url(page), Route.AS_SEEN) and not reach.local
    assert not asked   # nothing to look up


def test_no_network_address_found_tells_the_teacher_to_open_the_network_url():
    reach = for_students("http://127.0.0.1:8630/", "", find=lambda: None)
    assert reach.route is Route.NOT_FOUND and reach.network is None and reach.root == "http://127.0.0.1:8630/"
    warning = WT.local_address(reach.seen, reach.network, server_local=False)
    assert "Students cannot open 127.0.0.1" in warning and "Network URL" in warning


def test_a_server_that_answers_this_machine_only_says_to_start_it_again():
    for listens_on in ("127.0.0.1", "localhost", "::1"):
        reach = for_students("http://localhost:8630/", listens_on, find=lambda: LAN)
        assert reach.route is Route.SERVER_LOCAL and reach.network is None, listens_on
        assert reach.root == "http://localhost:8630/"
        assert "--server.address 0.0.0.0" in WT.local_address(reach.seen, reach.network, server_local=True)
    for every in ("", "0.0.0.0", "::", LAN):   # every interface (or the network's own): the network address serves
        assert for_students("http://localhost:8630/", every, find=lambda: LAN).network == LAN


def test_the_network_address_is_found_offline_or_not_at_all(monkeypatch):
    found = network_address()
    assert found is None or (re.fullmatch(r"\d+\.\d+\.\d+\.\d+", found) and not is_local(found))

    class NoRoute:
        def __init__(self, *a):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def connect(self, where):
            raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "socket", NoRoute)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 0, 0, "", ("127.0.1.1", 0))])
    assert network_address() is None   # loopback alone is no network address
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 0, 0, "", ("127.0.1.1", 0)),
                                                                (socket.AF_INET, 0, 0, "", (LAN, 0))])
    assert network_address() == LAN


# --- the pages ------------------------------------------------------------------------------------------------
def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def _watch_page(query: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if query is not None:
        at.query_params["watch"] = query
    _ok(at.run())
    return _ok(at.switch_page("pages/watch.py").run())


def _shared_code() -> str:
    from pages.parts.ui import runs   # the server's registry, as the pages see it
    return runs().share(owner("the-teacher"))


@pytest.mark.app
def test_a_code_typed_in_small_letters_without_its_dash_opens_the_run():
    code = _shared_code()
    at = _watch_page()
    _ok(at.text_input(key="watch_code_box").input(code.replace("-", "").lower()).run())
    assert at.query_params["watch"] in ([code], code)
    assert not at.error and not at.text_input
    assert any("Nothing to show yet" in i.value for i in at.info), [i.value for i in at.info]


@pytest.mark.app
def test_a_wrong_code_keeps_the_box_with_the_message_beside_it():
    code = _shared_code()
    wrong = WATCH_CODES.new(taken={code})
    at = _watch_page()
    _ok(at.text_input(key="watch_code_box").input(wrong.lower()).run())
    assert [e.value for e in at.error] == [WT.no_run_shared(wrong)]
    assert at.text_input(key="watch_code_box").value == wrong.lower() and "watch" not in at.query_params
    _ok(at.text_input(key="watch_code_box").input("l0l0l").run())   # not even the form of one
    assert [e.value for e in at.error] == [WT.WATCH_CODE_RULE] and at.text_input(key="watch_code_box")
    _ok(at.text_input(key="watch_code_box").input(code).run())      # and the right one still opens the run
    assert not at.error and not at.text_input


@pytest.mark.app
def test_a_link_with_a_code_nobody_shares_shows_the_box_and_says_so():
    wrong = WATCH_CODES.new(taken={_shared_code()})
    at = _watch_page(wrong.replace("-", "").lower())
    assert at.text_input(key="watch_code_box") and [e.value for e in at.error] == [WT.no_run_shared(wrong)]


@pytest.mark.app
def test_a_link_in_small_letters_is_put_in_the_address_as_shown():
    code = _shared_code()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["watch"] = code.lower().replace("-", "")
    _ok(at.run())
    assert at.query_params["watch"] in ([code], code)
    assert any("Nothing to show yet" in i.value for i in at.info), [i.value for i in at.info]   # the Watch page


@pytest.mark.app
@pytest.mark.parametrize("garbage", ["../../etc", "zzzzzzzz", "abcd1234", "<script>", "ABCDE-FGHJ"])
def test_a_watch_link_with_garbage_is_said_once_and_dropped_from_the_address(garbage):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["watch"] = garbage
    _ok(at.run())
    assert [e.value for e in at.error] == [WT.BAD_WATCH_LINK]
    assert "watch" not in at.query_params and at.title[0].value == "Train"
    _ok(at.run())
    assert not at.error


def _links(param: str, code: str) -> None:   # an AppTest script: the link boxes as the pages draw them
    import streamlit as st
    from pages.parts.links import student_link
    st.code(student_link(param, code), language=None)


@pytest.mark.app
@pytest.mark.parametrize("param,code", [("watch", "ABCDE-FGHJK"), ("class", "ABC234")])
def test_a_local_address_is_warned_of_before_the_link_and_the_network_address_used(monkeypatch, param, code):
    import pages.parts.links as links
    monkeypatch.setattr(links, "network_address", lambda: LAN)
    st.cache_data.clear()   # the address as looked up for the pages, cached a while
    at = AppTest.from_function(_links, args=(param, code), default_timeout=30)
    at.context = {"url": "http://127.0.0.1:8630/classroom"}
    _ok(at.run())
    assert len(at.warning) == 1 and "Students cannot open 127.0.0.1" in at.warning[0].value
    assert LAN in at.warning[0].value
    assert [c.value for c in at.code] == [f"http://{LAN}:8630/?{param}={code}"]
    at.context = {"url": "https://studio.school.org/classroom"}
    _ok(at.run())
    assert not at.warning and [c.value for c in at.code] == [f"https://studio.school.org/?{param}={code}"]
    st.cache_data.clear()
