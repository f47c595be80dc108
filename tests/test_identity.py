"""Visitor keys and pairing links (ganlib/classroom/identity.py): keys only the server makes, one-time codes for a second device."""
import os
import stat
import subprocess
import sys

import pytest

from ganlib.classroom.identity import KEY_LENGTH, PAIR_TTL_S, Keys, Pairings, server_keys
from ganlib.classroom.runs import Runs
from ganlib.classroom.visitor import Visitor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_keys_are_long_random_and_only_this_servers_are_valid():
    keys = Keys(b"s" * 32)
    a, b = keys.new(), keys.new()
    assert a != b and len(a) == KEY_LENGTH and keys.valid(a) and keys.valid(b)
    for typed in ("aaaaaaaaaaaaaaaa", "a" * KEY_LENGTH, a[:-1] + ("A" if a[-1] != "A" else "B"), a + "x", "", None, 5):
        assert not keys.valid(typed), typed
    assert not Keys(b"t" * 32).valid(a)   # another server's secret


def test_the_secret_file_is_private_kept_and_shared_by_every_process_of_the_server(tmp_path, monkeypatch):
    monkeypatch.delenv("GAN_STUDIO_SECRET", raising=False)
    key = server_keys(str(tmp_path)).new()
    assert stat.S_IMODE(os.stat(tmp_path / ".secret").st_mode) == 0o600
    code = (f"import sys; sys.path.insert(0, {ROOT!r}); from ganlib.classroom.identity import server_keys; "
            f"print(server_keys({str(tmp_path)!r}).valid({key!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    assert out.stdout.strip() == "True", out.stderr   # a restarted server still knows the keys it made


def test_a_shared_secret_lets_replicas_know_each_others_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_SECRET", "x" * 40)
    key = server_keys(str(tmp_path / "a")).new()
    assert server_keys(str(tmp_path / "b")).valid(key)
    monkeypatch.setenv("GAN_STUDIO_SECRET", "short")
    with pytest.raises(ValueError, match="GAN_STUDIO_SECRET"):
        server_keys(str(tmp_path / "c"))


def test_a_typed_or_guessed_key_is_refused_and_the_visitor_is_a_new_one(tmp_path):
    runs = Runs()
    first = Visitor(runs, str(tmp_path))
    again = Visitor(runs, str(tmp_path), key=first.key)
    assert again.key == first.key                       # the server's own key rejoins
    for typed in ("aaaaaaaaaaaaaaaa", "a" * KEY_LENGTH, first.key[:-2] + "zz"):
        other = Visitor(runs, str(tmp_path), key=typed)
        assert other.key not in (typed, first.key)
    for v in (first, again):
        v.close()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_pairing_code_works_once_and_for_two_minutes():
    clock = Clock()
    pairs = Pairings(clock=clock)
    code = pairs.offer("KEY")
    assert pairs.live(code) and pairs.redeem(code) == "KEY"
    assert pairs.redeem(code) is None and not pairs.live(code)   # used once
    late = pairs.offer("KEY")
    clock.now += PAIR_TTL_S + 0.1
    assert not pairs.live(late) and pairs.redeem(late) is None   # expired
    for junk in (None, "", "x" * 22, "../../etc", 7):
        assert pairs.redeem(junk) is None


def test_a_new_pairing_code_voids_the_visitors_older_one_and_leaves_others_alone():
    pairs = Pairings()
    old, theirs = pairs.offer("A"), pairs.offer("B")
    new = pairs.offer("A")
    assert pairs.redeem(old) is None and pairs.redeem(new) == "A" and pairs.redeem(theirs) == "B"
