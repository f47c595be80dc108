"""The Class page's faults a class pass found (a teacher and students in browsers at 1280 x 720), under AppTest: a
student's Reset asks first, a student hears that the class ended and what to do next, the wall keeps its order,
groups and spotlight across a reload, learning rates read one way on the wall and in a student's fields, and the
Watch page's legends fit their charts beside an open sidebar.

Driven as tests/test_app_class.py drives a class (its `opened` fixture, `student`): AppTest runs no fragment timer,
so each check reruns the page while the class's own thread trains.
"""
import re

import pytest
from streamlit.testing.v1 import AppTest

from ganlib.charts.look import COLUMN_PX, PRESENTER, SIDEBAR_OPEN
from ganlib.charts.training import training_figure
from ganlib.classroom.classes import ClassCommand
from ganlib.words import class_text as W
from pages.parts.ui import classes
from test_app_class import APP, WAIT, _ok, opened, student  # noqa: F401 (opened: the fixture)


def _stepped(code: str, steps: int = 3):
    """The class's one student (this test's visitor) with a run of `steps` steps; (the class, the run's id)."""
    klass = classes().get(code)
    run_id = klass.wait(lambda s: len(s.students) == 1, WAIT).students[0].run_id
    for i in range(steps):
        klass.send(run_id, ClassCommand.STEP)
        klass.wait(lambda s, n=i + 1: s.student(run_id).step >= n, WAIT)
    return klass, run_id


def _end(teacher, code: str) -> None:
    """The teacher ends the class from the wall (asked, then yes)."""
    _ok(teacher.run())
    _ok(teacher.button(key="wall-close").click().run())
    _ok(teacher.button(key="wall-close-yes").click().run())
    assert classes().get(code) is None


def test_a_student_s_reset_asks_first_and_no_keeps_the_run(opened):
    _, code = opened
    a = student(code)
    klass, run_id = _stepped(code)
    _ok(a.run())
    _ok(a.button(key="cls-reset").click().run())
    assert klass.snapshot().student(run_id).step == 3   # one click threw a run away (a class pass): now it asks
    assert [w.value for w in a.warning] == [W.reset_question(3)]
    assert "its 3 steps of training" in W.reset_question(3)
    # a run that trains on while the question waits: its count is a floor
    assert "its more than 9,641 steps of training" in W.reset_question(9641, training=True)
    _ok(a.button(key="cls-reset-no").click().run())
    assert not a.warning and klass.snapshot().student(run_id).step == 3
    assert not [b for b in a.button if b.key in ("cls-reset-yes", "cls-reset-no")]

    _ok(a.button(key="cls-reset").click().run())
    _ok(a.button(key="cls-reset-yes").click().run())
    snap = klass.wait(lambda s: s.student(run_id).step == 0 and s.student(run_id).starts == 2, WAIT)
    assert snap.student(run_id).step == 0
    assert not a.warning   # answered
    # a run at step 0 has nothing to lose: its Reset asks nothing
    _ok(a.button(key="cls-reset").click().run())
    assert not a.warning


@pytest.mark.parametrize("reload", [False, True], ids=["same tab", "reloaded"])
def test_a_student_hears_that_the_class_ended_keeps_their_picture_and_is_shown_where_to_go(opened, reload):
    """In the tab that drew the run, and in a new session after a reload: that one said "No class is open under the
    code" and had no picture (a class pass); the server now remembers the class a while (class_memory.py)."""
    teacher, code = opened
    a = student(code)
    _stepped(code, 2)
    _ok(a.run())
    _end(teacher, code)
    if reload:   # a new session of the same visitor (AppTest's sessions share one)
        a = AppTest.from_file(APP, default_timeout=60)
        a.query_params["class"] = code
    _ok(a.run())
    assert [i.value for i in a.info] == [W.CLASS_ENDED]
    links = [str(p.proto) for p in a.get("page_link")]
    assert len(links) == 1 and W.TO_TRAIN in links[0] and "train" in links[0]
    pictures = [img for p in a.get("image") for img in p.proto.imgs]
    assert [(p.caption, p.url[:22]) for p in pictures] == [(W.last_picture(2), "data:image/png;base64,")]


def test_a_student_who_reloads_after_the_class_ended_is_shown_where_to_go():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["class"] = "ABC234"   # no such class on this server (ended before the reload)
    _ok(at.run())
    assert any("No class is open under the code ABC234" in w.value for w in at.warning)
    assert any(W.TO_TRAIN in str(p.proto) for p in at.get("page_link"))


def _reloaded_wall(**params) -> AppTest:
    """The teacher's Class page as a reload opens it: a new session, with `params` in the address."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    _ok(at.run())
    return _ok(at.switch_page("pages/classroom.py").run())


def test_the_wall_keeps_its_order_groups_and_spotlight_across_a_reload(opened):
    teacher, code = opened
    student(code)
    klass = classes().get(code)
    klass.join("another-student")   # AppTest's sessions share one visitor: a second student joins by the class
    snap = klass.wait(lambda s: len(s.students) == 2, WAIT)
    second = snap.students[1].run_id
    klass.spotlight(second)   # on the teacher's watch link: class state, not the wall session's
    klass.wait(lambda s: s.spotlight == second, WAIT)

    wall = _reloaded_wall(wall_order="lr_g", wall_group="loss")
    assert wall.selectbox(key="wall_order").value == "lr_g" and wall.selectbox(key="wall_group").value == "loss"
    assert wall.selectbox(key="wall_spot").value == second   # what the class has on the watch link
    assert [m.value for m in wall.markdown if m.value.startswith("**loss = ")] == [f"**loss = {snap.base.loss}**"]
    # the address is kept as the teacher's browser sends it: read back whole, and anything unknown is the default
    bad = _reloaded_wall(wall_order="modes;drop", wall_group="<b>x</b>")
    assert bad.selectbox(key="wall_order").value == "joined" and bad.selectbox(key="wall_group").value is None
    assert "wall_order" not in bad.query_params and "wall_group" not in bad.query_params
    # the widget's own choice holds in its session: the class's spotlight only starts a new one
    _ok(wall.selectbox(key="wall_spot").set_value(snap.students[0].run_id).run())
    assert wall.selectbox(key="wall_spot").value == snap.students[0].run_id


def test_learning_rates_read_one_way_on_the_wall_and_in_a_student_s_fields(opened):
    teacher, code = opened
    a = student(code)
    klass = classes().get(code)
    run_id = klass.wait(lambda s: len(s.students) == 1, WAIT).students[0].run_id
    klass.send(run_id, ClassCommand.UPDATE, lr_g=0.01)   # the class's lr_d stays at 3e-3
    klass.wait(lambda s: s.student(run_id).config.lr_g == 0.01, WAIT)
    _ok(a.run())
    boxes = {name: next(w.value for w in a.text_input if w.key.startswith(f"cls_f_{run_id}_{name}_"))
             for name in ("lr_g", "lr_d")}
    assert boxes["lr_g"] == "1e-2" and boxes["lr_d"] == "3e-3", boxes   # not "0.01" beside "3e-3"
    _ok(teacher.run())
    captions = [str(img.proto).replace("\u00a0", " ") for img in teacher.get("image")]
    assert any("lr_g 1e-2" in c for c in captions) and not any("0.01" in c for c in captions)
    _ok(teacher.selectbox(key="wall_group").set_value("lr_g").run())
    assert any(m.value == "**lr_g = 1e-2**" for m in teacher.markdown)


def test_a_presenter_legend_that_wraps_puts_its_title_on_a_row_of_its_own():
    """The Watch page's loss chart beside an open sidebar (~316 px): plotly wraps a legend's entries as if its
    title ("smoothed:") at their left took no room, and "D(G(z)) fake" ran out of the chart (a class pass at
    1280 x 720). The title goes above the entries where they take more than one row, and the rows are reserved."""
    n = 200
    history = {"step": list(range(1, n + 1)), **{k: [0.5] * n for k in ("d_loss", "g_loss", "d_real", "d_fake",
                                                                       "value")}}
    narrow = training_figure(history, (), "lsgan", presenter=True, width=int(COLUMN_PX[1] * SIDEBAR_OPEN))
    assert narrow.layout.legend2.title.text == "smoothed:" and narrow.layout.legend2.title.side == "top"
    wide = training_figure(history, (), "lsgan", presenter=True, width=1000)
    assert wide.layout.legend.title.side == wide.layout.legend2.title.side == "left"   # one row: beside it
    # the room above D's panel: the title's row and the entries' two
    gap = narrow.layout.yaxis.domain[0] - narrow.layout.yaxis2.domain[1]
    assert gap * (narrow.layout.height - narrow.layout.margin.t - narrow.layout.margin.b) >= 3 * PRESENTER.row


def test_the_watch_link_keeps_the_spotlit_run_once_the_class_ended_and_says_so(opened):
    """A projector on the teacher's watch link said "Nothing to show yet" when the class ended with a student's run
    on it (a class pass): it keeps that run as it was, said to be over, until the teacher starts a run."""
    teacher, code = opened
    a = student(code)
    _stepped(code, 2)
    _ok(a.run())
    _ok(teacher.run())
    _ok(teacher.button(key="wall-on-watch").click().run())
    klass = classes().get(code)
    klass.wait(lambda s: s.spotlight is not None, WAIT)
    _ok(teacher.run())
    watch_code = re.search(r"\?watch=([\w-]+)", next(i.value for i in teacher.info if "watch link sees" in i.value))[1]
    _end(teacher, code)

    watcher = AppTest.from_file(APP, default_timeout=60)
    watcher.query_params["watch"] = watch_code
    _ok(watcher.run())
    _ok(watcher.switch_page("pages/watch.py").run())
    # presenter view (a watch link's default): one line, so the run fits a 720 px projector (a class pass: the
    # info box and a heading pushed its charts off the screen)
    line = next(m.value for m in watcher.markdown if m.value.startswith(f"**{W.ended_on_projector(code, 'Student 1')}"))
    assert " · ended · step 2" in line and "steps/s" not in line   # not "training", and no pace of a class gone
    assert not watcher.info and not watcher.subheader
    _ok(watcher.toggle(key="presenter").set_value(False).run())   # a laptop: the sentence in full, and a heading
    assert W.ended_on_watch(code) in [i.value for i in watcher.info]
    assert [h.value for h in watcher.subheader] == [f"Class {code}: Student 1's run"]
    line = next(c.value for c in watcher.caption if c.value.startswith("Student 1 · "))
    assert " · ended · step 2" in line and "steps/s" not in line

    _ok(teacher.switch_page("pages/train.py").run())   # the teacher's own run: the link shows it from now on
    _ok(teacher.button(key="btn.Step").click().run())
    _ok(watcher.run())
    assert W.ended_on_watch(code) not in [i.value for i in watcher.info] and not watcher.subheader
    assert not [m for m in watcher.markdown if m.value.startswith(f"**{W.ended_on_projector(code, 'Student 1')}")]
