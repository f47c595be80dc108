"""The Class page under AppTest: a teacher opens a class, students join by its link, each trains their own run,
and the wall shows them all (a browser plays it live: tests/test_browser_class.py).

AppTest runs a fragment once per script run and no timer, so each check reruns the page, and the class's own
thread trains meanwhile (its snapshot is waited on through the server's registry, as a page reads it).
"""
import os
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ganlib.classroom.classes import ClassCommand
from ganlib.run.state import Status
from ganlib.words import class_text as W
from ganlib.words.describe import load_line
import pages.parts.links as links
from pages.parts.ui import classes

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
WAIT = 60.0


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def opened():
    """A teacher's session with a class of class-ring8 open on the Class page; the class ends with the test."""
    teacher = _ok(AppTest.from_file(APP, default_timeout=60).run())
    _ok(teacher.switch_page("pages/classroom.py").run())
    teacher.selectbox(key="cls_preset").set_value("class-ring8")
    teacher.multiselect(key="cls_fields").set_value(["lr_g", "lr_d", "loss"])
    _ok(teacher.button(key="cls_open").click().run())
    url = next(c.value for c in teacher.code if "?class=" in c.value)
    code = url.rsplit("=", 1)[1]
    yield teacher, code
    klass = classes().get(code)
    if klass is not None:
        klass.close()


def student(code: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["class"] = code.lower()   # typed in any case
    return _ok(at.run())


def test_a_class_link_gives_the_student_a_run_of_their_own_and_the_wall_shows_it(opened):
    # AppTest's sessions share one visitor, so a second student is the browser's to play (test_browser_class.py)
    teacher, code = opened
    a = student(code)
    assert a.title[0].value == f"Class {code}" and a.query_params["class"] == code
    klass = classes().get(code)
    snap = klass.wait(lambda s: len(s.students) == 1, WAIT)
    assert [(s.name, s.status) for s in snap.students] == [("Student 1", Status.IDLE)]

    _ok(a.button(key="cls-start").click().run())
    snap = klass.wait(lambda s: s.students[0].step >= 20, WAIT)
    assert snap.students[0].status is Status.RUNNING and snap.training

    _ok(teacher.run())   # the wall: a thumbnail per student, the caption of the class, and the CSV
    assert any(f"Class {code} · class-ring8 · 1 student · " in c.value for c in teacher.caption)
    # (the caption's phrases are joined by no-break spaces, so that one wraps whole: pages/parts/wall.unbroken)
    assert any("Student 1 · step" in str(img.proto).replace("\u00a0", " ") for img in teacher.get("image"))
    # each of Start all and Pause all enabled where it would act on a run (a class pass: Start all stood enabled
    # with every run training)
    assert teacher.button(key="wall-start").disabled and not teacher.button(key="wall-pause").disabled
    _ok(teacher.button(key="wall-pause").click().run())
    klass.wait(lambda s: s.students[0].status is Status.PAUSED, WAIT)
    _ok(teacher.run())
    assert not teacher.button(key="wall-start").disabled and teacher.button(key="wall-pause").disabled


def test_the_teacher_ends_the_class_after_saying_so_and_gets_the_form_back(opened):
    teacher, code = opened
    _ok(teacher.button(key="wall-close").click().run())
    assert classes().get(code) is not None   # asked first: one click beside Pause all must not end it
    _ok(teacher.button(key="wall-close-yes").click().run())
    assert classes().get(code) is None
    assert teacher.button(key="cls_open") and not any("?class=" in c.value for c in teacher.code)
    # said once, on the form (a class pass: the page went back to the form without a word)
    assert [m.value for m in teacher.success] == [f"Class {code} has ended: no student had joined. Open a new "
                                                  "class below; it gets a new code."]
    assert W.class_ended("ABC234", 1).startswith("Class ABC234 has ended: 1 student's run stopped.")
    assert W.class_ended("ABC234", 3).startswith("Class ABC234 has ended: 3 students' runs stopped.")
    _ok(teacher.run())
    assert not teacher.success


def test_the_server_line_puts_the_classes_first_and_the_slots_are_the_other_runs():
    class Load:
        training, slots, queued, watching = 0, 1, 2, 0
    assert load_line(Load(), (1, 0)) == "Server: 1 class training · other runs: 0 of 1 slots busy · 2 waiting"
    assert load_line(Load(), (2, 1)) == ("Server: 2 classes training · 1 class waiting · other runs: 0 of 1 slots "
                                         "busy · 2 waiting")
    assert load_line(Load(), (0, 0)) == "Server: 0 of 1 run slots busy · 2 waiting"   # no class: no "other"


def test_a_student_changes_an_open_field_and_a_closed_one_is_refused(opened):
    _, code = opened
    a = student(code)
    klass = classes().get(code)
    run_id = klass.wait(lambda s: len(s.students) == 1, WAIT).students[0].run_id
    box = next(w for w in a.text_input if w.key.startswith(f"cls_f_{run_id}_lr_g_"))
    box.set_value("7e-4")
    _ok(a.button(key=next(b.key for b in a.button if "FormSubmitter" in str(b.key))).click().run())
    snap = klass.wait(lambda s: s.students[0].config.lr_g == 7e-4, WAIT)
    assert snap.students[0].changed == {"lr_g": 7e-4}
    with pytest.raises(Exception, match="batch_size"):
        klass.send(run_id, ClassCommand.UPDATE, batch_size=32)   # not opened by the teacher


def test_the_wall_warns_of_a_local_address_once_with_a_run_on_the_watch_link(opened, monkeypatch):
    """The class link's box and the watch link's line both name a link for students: one warning for the page,
    above the box that folds once students are in (a class pass saw it twice)."""
    teacher, code = opened
    monkeypatch.setattr(links, "network_address", lambda: "192.168.1.20")
    st.cache_data.clear()   # the address as looked up for the pages, cached a while
    student(code)
    klass = classes().get(code)
    run_id = klass.wait(lambda s: len(s.students) == 1, WAIT).students[0].run_id
    teacher.context = {"url": "http://127.0.0.1:8501/classroom"}
    _ok(teacher.run())
    _ok(teacher.button(key="wall-on-watch").click().run())
    klass.wait(lambda s: s.spotlight == run_id, WAIT)
    _ok(teacher.run())
    assert any("watch link sees" in i.value and "192.168.1.20" in i.value for i in teacher.info)
    assert ["Students cannot open 127.0.0.1" in w.value for w in teacher.warning] == [True], [w.value for w in teacher.warning]
    st.cache_data.clear()


def test_a_bad_class_code_is_said_and_dropped_from_the_address():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["class"] = "O0O0O0"   # look-alikes are not in the alphabet
    _ok(at.run())
    assert "class" not in at.query_params
    assert any("6 letters and digits" in e.value for e in at.error)


def test_the_teacher_puts_a_student_s_run_on_the_watch_link_and_takes_it_off(opened):
    teacher, code = opened
    student(code)
    klass = classes().get(code)
    run_id = klass.wait(lambda s: len(s.students) == 1, WAIT).students[0].run_id
    _ok(teacher.run())
    _ok(teacher.button(key="wall-on-watch").click().run())
    assert klass.wait(lambda s: s.spotlight == run_id, WAIT).spotlight == run_id
    _ok(teacher.run())
    line = next(i.value for i in teacher.info if "watch link sees" in i.value)
    # no run of the teacher's own to go back to (a class pass: "Back to my own run" left the projector empty)
    assert teacher.button(key="wall-off-watch").label == W.OFF_WATCH_NO_RUN
    watch_code = re.search(r"\?watch=([\w-]+)", line).group(1)

    watcher = AppTest.from_file(APP, default_timeout=60)
    watcher.query_params["watch"] = watch_code
    _ok(watcher.run())
    _ok(watcher.switch_page("pages/watch.py").run())
    # presenter view, a watch link's default: the run's title in its one line above the picture
    assert [m.value for m in watcher.markdown if m.value.startswith(f"**Class {code}: Student 1's run**")]

    # the Train page's watch link says whose run it shows now, not "this run" (a class pass was misled)
    _ok(teacher.switch_page("pages/train.py").run())
    _ok(teacher.button(key="btn.Step").click().run())   # a run of the teacher's own: the share box needs one
    _ok(teacher.toggle(key="share").set_value(True).run())
    notes = [m.value for m in teacher.markdown if "see" in m.value]
    assert any("Student 1's run" in n for n in notes) and not any("see this run live" in n for n in notes), notes
    _ok(teacher.switch_page("pages/classroom.py").run())

    assert teacher.button(key="wall-off-watch").label == W.OFF_WATCH   # now they have one
    _ok(teacher.button(key="wall-off-watch").click().run())
    assert klass.wait(lambda s: s.spotlight is None, WAIT).spotlight is None
    _ok(watcher.run())
    assert not [m.value for m in watcher.markdown if "Student 1" in m.value]


def test_a_class_on_the_teacher_s_drawing():
    teacher = _ok(AppTest.from_file(APP, default_timeout=60).run())
    _ok(teacher.switch_page("pages/classroom.py").run())
    teacher.selectbox(key="cls_preset").set_value("class-ring8")
    _ok(teacher.radio(key="cls_data").set_value("drawn").run())
    assert teacher.button(key="cls_open").disabled   # no drawing yet
    _ok(teacher.button(key="cls_drawing.shape.smile").click().run())
    _ok(teacher.button(key="cls_open").click().run())
    code = next(c.value for c in teacher.code if "?class=" in c.value).rsplit("=", 1)[1]
    klass = classes().get(code)
    try:
        snap = klass.snapshot()
        assert snap.base.dataset == "drawn" and snap.base.data_path == "the teacher's drawing"
        student(code)
        run_id = klass.wait(lambda s: len(s.students) == 1, WAIT).students[0].run_id
        klass.send(run_id, ClassCommand.STEP)
        snap = klass.wait(lambda s: s.students[0].step == 1, WAIT)
        assert snap.students[0].status is Status.PAUSED and snap.students[0].problem is None
        _ok(teacher.run())
        assert any("class-ring8 on the teacher's drawing · 1 student" in c.value for c in teacher.caption)
    finally:
        klass.close()


def test_a_refused_value_goes_back_and_a_press_shows_at_once(opened):
    _, code = opened
    a = student(code)
    klass = classes().get(code)
    run_id = klass.wait(lambda s: len(s.students) == 1, WAIT).students[0].run_id
    apply = next(b.key for b in a.button if "FormSubmitter" in str(b.key))
    box = next(w for w in a.text_input if w.key.startswith(f"cls_f_{run_id}_lr_g_"))
    shown = box.value
    box.set_value("fast")
    _ok(a.button(key=apply).click().run())
    assert any("lr_g" in e.value for e in a.error)
    assert next(w for w in a.text_input if w.key.startswith(f"cls_f_{run_id}_lr_g_")).value == shown
    lr_d = next(w for w in a.text_input if w.key.startswith(f"cls_f_{run_id}_lr_d_"))
    lr_d.set_value("5e-4")   # the next change is sent alone, not refused again for the old lr_g
    _ok(a.button(key=apply).click().run())
    assert klass.wait(lambda s: s.students[0].config.lr_d == 5e-4, WAIT).students[0].changed == {"lr_d": 5e-4}

    _ok(a.button(key="cls-start").click().run())   # the redraw after the press already shows the run training
    go = [b for b in a.button if b.key in ("cls-start", "cls-resume")]
    assert a.button(key="cls-pause").disabled is False and go == []   # Pause in Start's place while it trains
    assert a.button(key="cls-step").disabled is True
    _ok(a.button(key="cls-pause").click().run())
    klass.wait(lambda s: s.students[0].status is Status.PAUSED, WAIT)
    _ok(a.run())
    assert a.button(key="cls-resume").disabled is False and not [b for b in a.button if b.key == "cls-pause"]
