"""The memory of classes that ended lately (classroom/class_memory.py): a student's run and picture after a reload,
the run a teacher had on their watch link, runs shown as ended, and a memory that forgets by age and by count."""
from dataclasses import replace

import numpy as np
import pytest

from ganlib.classroom.class_memory import EndedClasses
from ganlib.classroom.class_view import ClassSnapshot, StudentView
from ganlib.engine.presets import preset
from ganlib.run.state import Reason, Status


def view(run_id: str, status: Status = Status.RUNNING) -> StudentView:
    return StudentView(run_id=run_id, name=f"Student {run_id}", status=status, reason=Reason.NONE, step=7,
                       config=preset("class-ring8"), changed={}, history={"step": (1, 2)}, points=np.zeros((4, 2)), modes=None,
                       high_quality=None, js=None, energy=None, problem=None)


class FakeClass:
    """What the memory reads of a class: its snapshot, its students' keys and their runs."""
    def __init__(self, code: str, seats: dict, spotlight: str | None = None, detached: bool = False,
                 statuses: dict | None = None):
        self.detached, self._seats = detached, seats
        students = tuple(view(r, (statuses or {}).get(r, Status.RUNNING)) for r in seats.values())
        self._snap = ClassSnapshot(code=code, version=3, preset="class-ring8", open_fields=("lr_g",),
                                   base=preset("class-ring8"), real=np.zeros((4, 2)), students=students,
                                   training=True, queued=False, steps_per_sec=120.0, spotlight=spotlight)

    def snapshot(self):
        return self._snap

    def owner_keys(self):
        return set(self._seats)

    def run_of(self, key):
        return self._seats.get(key)


def test_a_student_gets_their_run_back_and_a_stranger_the_class_only():
    memory = EndedClasses()
    memory.remember(FakeClass("ABC234", {"k1": "r1", "k2": "r2"}, statuses={"r2": Status.FINISHED}), "teacher")
    snap, me = memory.seat("ABC234", "k1")
    assert me.run_id == "r1" and snap.closed and not snap.training and snap.steps_per_sec == 0
    assert me.status is Status.STOPPED   # it trained when the class ended: it is not shown "training" after
    assert snap.student("r2").status is Status.FINISHED   # a finished run stays finished
    assert memory.seat("ABC234", "someone-else") == (snap, None)
    assert memory.seat("XYZ789", "k1") is None


def test_a_class_on_a_cluster_is_remembered_without_its_seats():
    memory = EndedClasses()
    memory.remember(FakeClass("ABC234", {"k1": "r1"}, detached=True), "teacher")
    snap, me = memory.seat("ABC234", "k1")
    assert snap.code == "ABC234" and me is None


def test_the_teacher_s_spotlight_of_their_last_class():
    memory = EndedClasses()
    memory.remember(FakeClass("AAA222", {"k1": "r1"}, spotlight="r1"), "teacher")
    memory.remember(FakeClass("BBB333", {"k2": "r2"}), "teacher")   # their newer class had none on the link
    assert memory.spot("teacher") is None
    memory.remember(FakeClass("CCC444", {"k3": "r3"}, spotlight="r3"), "teacher")
    snap, me = memory.spot("teacher")
    assert (snap.code, me.run_id) == ("CCC444", "r3")
    assert me.history == {"step": (1, 2)}   # the projector draws its loss curves
    assert memory.seat("BBB333", "k2")[1].history == {}   # a student's page shows the picture only: not kept
    assert memory.spot("another") is None and memory.spot("") is None


@pytest.mark.parametrize("kept", [1, 3])
def test_it_forgets_by_count_and_by_age(kept, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("ganlib.classroom.class_memory.time.monotonic", lambda: clock[0])
    memory = EndedClasses(keep_s=60.0, kept=kept)
    for code in ("AAA222", "BBB333", "CCC444"):
        memory.remember(FakeClass(code, {"k": "r"}), "t")
        clock[0] += 1
    assert [memory.seat(c, "k") is not None for c in ("AAA222", "BBB333", "CCC444")] == \
        [False] * (3 - kept) + [True] * kept
    clock[0] = 102.0 + 60.5
    assert memory.seat("CCC444", "k") is None   # a lesson's length later
