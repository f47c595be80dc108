"""classes: a class's students each get a run of their own, trained together by one thread on one slot; what one
student does (pause, reset, a new lr, a NaN, leaving) changes nothing of another's numbers; closed fields and bad
codes are refused by name; close stops the thread.

Every numbers test runs twice: with OneByOne, a stand-in that steps each Trainer on its own (Ensemble's API, no
batching), and with the real batched engine/ensemble.py. Tiny nets on ring8: a run's epoch is 20 steps.
"""
import csv
import io
import time
import types

import numpy as np
import pytest

from ganlib.charts.class_map import class_map_figure
from ganlib.classroom.capacity import Limits
from ganlib.classroom.class_ticker import RATE_WINDOW_S
from ganlib.classroom.classes import ALPHABET, ClassClosed, ClassCommand as C, Classes, ClassFull, new_code
from ganlib.classroom.slots import Slots
from ganlib.engine.ensemble import Ensemble
from ganlib.engine.presets import preset
from ganlib.charts.training import training_figure
from ganlib.classroom.downloads import FAKE_RGB, off_picture, points_picture
from ganlib.classroom.wall import Outcome, class_csv, map_points
from ganlib.engine.data.drawn import JITTER
from ganlib.engine.drawn_points import shape
from ganlib.errors import DatasetError, FieldError
from ganlib.run.state import Reason, Status
from ganlib.words import class_text as W

BASE = preset("ring8").replace(g_width=8, d_width=8, batch_size=500, epochs=1, eval_every=10, sample_every=10)
T = 60.0          # seconds a wait may take on a busy machine; the tests take far less
NUMBERS = ("d_loss", "g_loss", "d_real", "d_fake", "value")   # a curve's columns but its seconds


class OneByOne:
    """Ensemble's API with no batching: each run's own Trainer.step, one after another."""
    refuses = staticmethod(Ensemble.refuses)

    def __init__(self):
        self.runs = {}

    def add(self, key, trainer):
        assert key not in self.runs
        self.runs[key] = trainer

    def remove(self, key):
        return self.runs.pop(key)

    def step(self, keys):
        return {k: self.runs[k].step() for k in keys}

    def trainer(self, key):
        return self.runs[key]

    def apply(self, key, **changes):
        return self.runs[key].apply(**changes)


class Poisoned:
    """An engine whose run `key` gets NaN weights in G after its step `at` (through trainer(key), as a page could
    not: only the test reaches in), so that its next step's losses are NaN."""

    def __init__(self, inner, at: int):
        self.inner, self.at, self.key = inner, at, None
        self.refuses = inner.refuses

    def step(self, keys):
        stats = self.inner.step(keys)
        t = self.inner.trainer(self.key) if self.key in keys else None
        if t is not None and t.step_count == self.at:
            next(t.G.parameters()).data.fill_(float("nan"))
        return stats

    def __getattr__(self, name):
        return getattr(self.inner, name)


ENGINES = {"one-by-one": OneByOne, "ensemble": Ensemble}


@pytest.fixture(params=sorted(ENGINES))
def engine(request):
    return ENGINES[request.param]


def server(engine, max_runs=1, **limits):
    """Classes over a server with `max_runs` slots (the class's runs in one of them)."""
    runs = types.SimpleNamespace(slots=Slots(max_runs), limits=Limits(max_runs=max_runs, **limits))
    return Classes(runs, ensemble=engine, slots=runs.slots), runs.slots


@pytest.fixture
def classes():
    made = []

    def make(engine, **kw):
        c, slots = server(engine, **kw)
        made.append(c)
        return c, slots
    yield make
    for c in made:
        assert c.close_all(10)


class Blocker:
    """A run that holds a server's one slot, so that a class waits in line until it lets go."""
    run_id = slot_key = "blocker"

    def __init__(self, slots):
        self.slots = slots
        assert slots.request(self)

    def grant(self):
        pass

    def go(self):
        self.slots.release(self.run_id)


def wait(cls, predicate, timeout=T):
    snap = cls.wait(predicate, timeout)
    assert predicate(snap), snap
    return snap


def numbers(view):
    return {k: view.history[k] for k in NUMBERS}, view.points


def same(a, b, engine):
    """Equal numbers: exactly one by one; to float rounding in a batched step, whose sums may take another path
    when its groups change (a run alone in its stack, or beside another: 6e-8 apart, measured)."""
    (ha, pa), (hb, pb) = a, b
    if engine is OneByOne:
        assert ha == hb and np.array_equal(pa, pb)
    else:
        assert all(np.allclose(ha[k], hb[k], rtol=1e-5, atol=1e-6) for k in NUMBERS) and ha["d_loss"]
        assert np.allclose(pa, pb, rtol=1e-5, atol=1e-6)


def a_class(classes, engine, change, open_fields=("lr_g", "epochs")):
    """Students a and b take 5 Steps; then both Start while the class waits for the slot, b's `change` (None,
    "pause", "reset", "lr" or "leave") comes, and the slot frees; returns (class, a, b) once a has finished."""
    c, slots = classes(engine)
    cls = c.open("teacher", "ring8", open_fields, base=BASE)
    a, b = cls.join("key-a", "Ada"), cls.join("key-b", "Bo")
    cls.send(b, C.UPDATE, epochs=50)   # b outlasts a
    for _ in range(5):
        cls.send(a, C.STEP)
        cls.send(b, C.STEP)
    wait(cls, lambda s: all(v.step == 5 for v in s.students))
    blocker = Blocker(slots)
    cls.send(a, C.START)
    cls.send(b, C.START)
    wait(cls, lambda s: s.queued and s.student(a).status is Status.QUEUED)
    if change == "pause":
        cls.send(b, C.PAUSE)
    elif change == "reset":
        cls.send(b, C.RESET)
    elif change == "lr":
        cls.send(b, C.UPDATE, lr_g=5e-3)
    elif change == "leave":
        cls.send(b, C.LEAVE)
    assert cls.snapshot().student(a).step == 5   # nothing trained while the class waited
    blocker.go()
    wait(cls, lambda s: s.student(a).status is Status.FINISHED)
    return cls, a, b


@pytest.mark.parametrize("change", ["pause", "reset", "lr", "leave"])
def test_one_students_change_leaves_the_others_numbers_as_they_were(classes, engine, change):
    base_cls, a0, b0 = a_class(classes, engine, None)
    cls, a, b = a_class(classes, engine, change)
    snap, base = cls.snapshot(), base_cls.snapshot()
    assert snap.student(a).step == base.student(a0).step == 20
    same(numbers(snap.student(a)), numbers(base.student(a0)), engine)
    mine = snap.student(b)
    if change == "pause":
        assert (mine.status, mine.reason, mine.step) == (Status.PAUSED, Reason.BY_USER, 5)
    elif change == "reset":   # a fresh Trainer of b's config: it starts over, its history cleared
        assert (mine.status, mine.step, mine.history["step"]) == (Status.IDLE, 0, ())
        assert mine.config == base.student(b0).config
    elif change == "lr":
        assert mine.changed == {"lr_g": 5e-3, "epochs": 50}
        assert [(e.step, e.field, e.new) for e in mine.events][-1] == (5, "lr_g", 5e-3)
        assert mine.status is Status.RUNNING and mine.config.lr_g == 5e-3
    else:
        assert mine is None and len(snap.students) == 1


def test_a_reset_run_starts_over_as_a_new_one_would(classes, engine):
    cls, a, b = a_class(classes, engine, "reset")
    base_cls, a0, b0 = a_class(classes, engine, None)
    base_cls.send(b0, C.PAUSE)   # its first rows are what a fresh b must repeat
    cls.send(b, C.STEP)
    cls.send(b, C.STEP)
    fresh = wait(cls, lambda s: s.student(b).step == 2).student(b)
    before = base_cls.snapshot().student(b0)
    same(({k: fresh.history[k] for k in NUMBERS}, 0), ({k: before.history[k][:2] for k in NUMBERS}, 0), engine)


def test_join_gives_each_student_a_run_of_their_own_and_again_the_same(classes, engine):
    c, _ = classes(engine)
    cls = c.open("teacher", "ring8", ["lr_g"], base=BASE)
    a, b = cls.join("key-a", "Ada"), cls.join("key-b")
    assert a != b and cls.join("key-a") == a and cls.run_of("key-b") == b and cls.run_of("nobody") is None
    snap = cls.snapshot()
    ada, bo = snap.students
    assert (ada.name, bo.name) == ("Ada", "Student 2") and ada.status is bo.status is Status.IDLE
    assert ada.config.seed != bo.config.seed and ada.changed == bo.changed == {}   # each its own randomness
    assert ada.points.shape == (512, 2) and not ada.points.flags.writeable and not snap.real.flags.writeable
    assert "key-a" not in repr(snap)   # an owner's key is their secret
    with pytest.raises(FieldError) as e:
        cls.join("key-c", "x" * 41)
    assert e.value.field == "name"


def test_leave_and_join_mid_way(classes, engine):
    alone, _ = classes(engine)
    lone = alone.open("teacher", "ring8", (), base=BASE)
    solo = lone.join("key-a")
    lone.send(solo, C.START)
    cls, a, b = a_class(classes, engine, "leave")
    with pytest.raises(FieldError) as e:
        cls.send(b, C.START)
    assert e.value.field == "run_id"
    c = cls.join("key-c")
    again = cls.join("key-b")   # b comes back: a new run, from step 0
    assert again != b and cls.snapshot().student(again).step == 0
    cls.send(c, C.START)
    wait(cls, lambda s: s.student(c).status is Status.FINISHED)
    same(numbers(cls.snapshot().student(a)),
         numbers(wait(lone, lambda s: s.student(solo).status is Status.FINISHED).student(solo)), engine)


def test_a_change_of_a_closed_field_or_a_bad_value_is_refused_by_name(classes):
    c, _ = classes(OneByOne, max_run_mb=200)
    cls = c.open("teacher", "ring8", ["lr_g", "g_width"], base=BASE)
    a = cls.join("key-a")
    for changes, field in (({"lr_d": 1e-3}, "lr_d"), ({"dataset": "moons"}, "dataset"), ({"lr_g": -1}, "lr_g"),
                           ({"lr_g": "fast"}, "lr_g"), ({"g_width": 4096}, "g_width"),
                           ({"g_width": 2048}, "g_width")):   # this last: more memory than a class may take
        with pytest.raises(FieldError) as e:
            cls.send(a, C.UPDATE, **changes)
        assert e.value.field == field, e.value
    with pytest.raises(FieldError) as e:
        cls.send(a, C.START, lr_g=1e-3)
    assert e.value.field == "lr_g"
    with pytest.raises(FieldError) as e:
        cls.send(a, "start")
    assert e.value.field == "command"
    for args, field in ((("fast-digits", ["lr_g"]), "preset"), (("no-such", ["lr_g"]), "preset"),
                        (("ring8", ["dataset"]), "dataset"), (("ring8", "lr_g"), "open_fields")):
        with pytest.raises(FieldError) as e:
            c.open("teacher", *args)
        assert e.value.field == field
    cls.send(a, C.UPDATE, g_width=16)   # structural: the run starts over with it, the change its first event
    view = wait(cls, lambda s: s.student(a).config.g_width == 16).student(a)
    assert view.changed == {"g_width": 16} and [(e.step, e.field) for e in view.events] == [(0, "g_width")]


def test_a_class_takes_at_most_its_size(classes, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_CLASS_SIZE", "2")
    c, _ = classes(OneByOne)
    cls = c.open("teacher", "ring8", (), base=BASE)
    a = cls.join("key-a")
    cls.join("key-b")
    with pytest.raises(ClassFull, match="GAN_STUDIO_CLASS_SIZE"):
        cls.join("key-c")
    assert cls.join("key-a") == a   # a student already in comes back in
    cls.send(a, C.LEAVE)
    cls.join("key-c")               # a place left is a place free


def test_the_class_holds_one_slot_and_frees_it_when_all_pause(classes, engine):
    c, slots = classes(engine, max_runs=3)
    cls = c.open("teacher", "ring8", ["epochs"], base=BASE)
    ids = [cls.join(f"key-{i}") for i in range(3)]
    for run_id in ids:
        cls.send(run_id, C.UPDATE, epochs=500)
        cls.send(run_id, C.START)
    snap = wait(cls, lambda s: s.training and all(v.step > 0 for v in s.students) and s.steps_per_sec > 0)
    assert slots.counts() == (1, 0)
    for run_id in ids:
        cls.send(run_id, C.PAUSE)
    snap = wait(cls, lambda s: not s.training)
    assert slots.counts() == (0, 0) and all(v.status is Status.PAUSED for v in snap.students)


def test_a_nan_pauses_one_run_only(classes, engine):
    poisoned = Poisoned(engine(), at=7)
    c, _ = classes(lambda: poisoned)
    cls = c.open("teacher", "ring8", (), base=BASE)
    a, b = cls.join("key-a"), cls.join("key-b")
    poisoned.key = b
    cls.send(a, C.START)
    cls.send(b, C.START)
    snap = wait(cls, lambda s: s.student(a).status is Status.FINISHED and s.student(b).status is Status.PAUSED)
    bad = snap.student(b)
    assert bad.reason is Reason.NAN and bad.problem.step == 8 and bad.problem.good_step == 0
    assert bad.step == 0 and np.isfinite(bad.points).all()   # back to its last good state, whole
    assert snap.student(a).step == 20 and np.isfinite(snap.student(a).history["d_loss"]).all()


def test_a_student_gone_for_the_idle_time_pauses_and_a_deserted_class_ends(classes):
    c, _ = classes(OneByOne, idle_s=0.0)
    for key in ("teacher", "key-a", "key-a", "key-b"):   # key-a has two tabs open
        c.owner_back(key)
    cls = c.open("teacher", "ring8", ["epochs"], base=BASE)
    a, b = cls.join("key-a"), cls.join("key-b")
    for run_id in (a, b):
        cls.send(run_id, C.UPDATE, epochs=500)
        cls.send(run_id, C.START)
    wait(cls, lambda s: s.student(a).step > 0)
    c.owner_left("key-a")   # one tab of two: still there
    time.sleep(0.3)
    assert cls.snapshot().student(a).status is Status.RUNNING
    c.owner_left("key-a")
    snap = wait(cls, lambda s: s.student(a).status is Status.PAUSED)
    assert snap.student(a).reason is Reason.OWNER_AWAY and snap.student(b).status is Status.RUNNING
    c.owner_left("teacher")
    assert c.get(cls.code) is cls   # a student is still there
    c.owner_left("key-b")
    assert c.get(cls.code) is None and cls.join_thread(10)
    assert {v.reason for v in cls.snapshot().students} == {Reason.OWNER_GONE}


def test_the_time_budget_is_the_class_s(classes):
    c, slots = classes(OneByOne, max_run_s=0.3)
    cls = c.open("teacher", "ring8", ["epochs"], base=BASE)
    a = cls.join("key-a")
    cls.send(a, C.UPDATE, epochs=5000)
    cls.send(a, C.START)
    snap = wait(cls, lambda s: s.time_up)
    assert snap.student(a).reason is Reason.TIME_BUDGET and slots.counts() == (0, 0)
    cls.send(a, C.RESET)   # a new start buys no time
    assert wait(cls, lambda s: s.student(a).step == 0).student(a).reason is Reason.TIME_BUDGET


def test_codes_avoid_look_alikes_and_get_refuses_garbage(classes):
    codes = {new_code() for _ in range(2000)}
    assert all(len(code) == 6 and set(code) <= set(ALPHABET) for code in codes) and len(codes) > 1990
    assert not set("0O1IL") & set("".join(codes)) and len(ALPHABET) == 31
    c, _ = classes(OneByOne)
    cls = c.open("teacher", "ring8", (), base=BASE)
    assert c.get(cls.code) is cls and c.get(f" {cls.code.lower()} ") is cls   # as typed on a phone
    for garbage in (None, "", 123, "ABC", cls.code + "2", "O0O0O0", "<script>", "A" * 10_000, [cls.code]):
        assert c.get(garbage) is None, garbage


def test_close_stops_the_thread_and_a_second_class_replaces_the_first(classes):
    c, slots = classes(OneByOne)
    first = c.open("teacher", "ring8", (), base=BASE)
    a = first.join("key-a")
    first.send(a, C.START)
    second = c.open("teacher", "ring8", (), base=BASE)
    assert c.of_teacher("teacher") is second and c.get(first.code) is None
    assert first.join_thread(10) and first.snapshot().closed
    assert first.snapshot().student(a).status is Status.STOPPED and slots.counts() == (0, 0)
    with pytest.raises(ClassClosed):
        first.join("key-b")
    with pytest.raises(ClassClosed):
        first.send(a, C.PAUSE)
    assert c.close("teacher", 10) and c.get(second.code) is None and not second.alive
    assert c.close_all(10)
    with pytest.raises(ClassClosed):
        c.open("teacher", "ring8", (), base=BASE)
    assert not first.alive and not second.alive


def test_the_class_s_steps_per_second_is_its_runs_step_counts_per_second(classes):
    """The rate the wall shows against the growth of the runs' own step counts over the same wall time."""
    c, _ = classes(Ensemble)
    cls = c.open("teacher", "ring8", ["epochs"], base=BASE)
    ids = [cls.join(f"key-{i}") for i in range(3)]
    for run_id in ids:
        cls.send(run_id, C.UPDATE, epochs=100_000)
        cls.send(run_id, C.START)
    wait(cls, lambda s: s.training and s.steps_per_sec > 0)
    time.sleep(2.5)   # a full window of the rate
    # over the rate's own window: beside other tests the pace changes, and a longer window read another one (the
    # quick tier once read 0.7x off over 3 s)
    # each read just as a snapshot is published, so that both counts are fresh (a pinned one is up to a publish old)
    v = cls.snapshot().version
    first = wait(cls, lambda s: s.version > v)
    t0 = time.monotonic()
    time.sleep(RATE_WINDOW_S)
    v = cls.snapshot().version
    last = wait(cls, lambda s: s.version > v)
    t1 = time.monotonic()
    grown = [(last.student(r).step - first.student(r).step) / (t1 - t0) for r in ids]
    # each snapshot is up to a publish old (PUBLISH_EVERY), so the counts' growth is itself a little loose
    assert all(0.7 * g <= last.steps_per_sec <= 1.3 * g for g in grown), (grown, last.steps_per_sec)


def test_the_wall_marks_a_student_away_and_a_run_that_started_over(classes):
    c, _ = classes(OneByOne)
    c.owner_back("key-a")
    cls = c.open("teacher", "ring8", ["g_width"], base=BASE)
    a = cls.join("key-a")
    assert c.of_student("key-a") == (cls, a) and c.of_student("nobody") is None
    c.owner_left("key-a")
    view = wait(cls, lambda s: s.student(a).away).student(a)
    assert "away" in W.thumb_caption(view) and view.starts == 1 and "started over" not in W.thumb_caption(view)
    c.owner_back("key-a")
    wait(cls, lambda s: not s.student(a).away)
    cls.send(a, C.STEP)
    wait(cls, lambda s: s.student(a).step == 1)
    cls.send(a, C.RESET)
    view = wait(cls, lambda s: s.student(a).starts == 2).student(a)
    assert view.step == 0 and W.thumb_caption(view).endswith("started over")
    cls.send(a, C.UPDATE, g_width=16)   # structural: the run starts over with it
    view = wait(cls, lambda s: s.student(a).starts == 3).student(a)
    assert "g_width 16" in W.thumb_caption(view) and "started over 2 times" in W.thumb_caption(view)
    assert W.wall_line(cls.snapshot()).startswith(f"Class {cls.code} · ring8 · 1 student · ")


def test_a_class_names_the_g_its_points_and_scores_are_of(classes):
    """Issue 23, one name per number: a class's points and mode counts are of the G its runs sample (the EMA when
    the run keeps one; the Theory lab draws the raw G). The truth is the Trainer's: the G it samples is its EMA
    exactly when ema > 0."""
    import dataclasses
    from ganlib.engine.trainer import Trainer
    from ganlib.words.lab_text import EMA_G, RAW_G
    c, _ = classes(OneByOne)
    c.owner_back("key-a")
    cls = c.open("teacher", "ring8", ["ema"], base=BASE.replace(ema=0.999))
    a = cls.join("key-a")
    for ema, name, other in ((0.999, EMA_G, RAW_G), (0.0, RAW_G, EMA_G)):
        view = wait(cls, lambda s: s.student(a).config.ema == ema).student(a)
        t = Trainer(view.config)
        assert (t.sampler() is t.ema) == (name == EMA_G) and (t.sampler() is t.G) == (name == RAW_G)
        scored = dataclasses.replace(view, modes=8, high_quality=0.9)
        for text in (W.quality_text(scored), W.points_caption(0, view.config.ema),
                     W.quality_text(dataclasses.replace(view, js=0.01))):
            assert name in text and other not in text, text
        if ema == 0.0:
            assert "ema 0" in W.thumb_caption(view)   # the wall's line names the class's G; this run's differs
        cls.send(a, C.UPDATE, ema=0.0)
    assert W.wall_line(cls.snapshot()).endswith("· points and scores of the EMA of each run's G")


def test_the_teacher_puts_one_run_on_the_watch_link_until_it_leaves(classes):
    c, _ = classes(OneByOne)
    cls = c.open("teacher", "ring8", (), base=BASE)
    a, b = cls.join("key-a"), cls.join("key-b")
    assert cls.snapshot().spotlight is None
    cls.spotlight(b)
    assert wait(cls, lambda s: s.spotlight == b).spotlight == b
    with pytest.raises(FieldError) as e:
        cls.spotlight("not-a-run")
    assert e.value.field == "run_id"
    cls.send(b, C.LEAVE)
    assert wait(cls, lambda s: s.student(b) is None).spotlight is None   # gone from the class, gone from the link
    cls.spotlight(a)
    wait(cls, lambda s: s.spotlight == a)
    cls.spotlight(None)
    wait(cls, lambda s: s.spotlight is None)


def test_a_class_on_a_drawing_learns_the_drawing_and_a_bad_one_is_refused_whole(classes):
    c, _ = classes(OneByOne)
    ring = shape("ring")
    cls = c.open("teacher", "ring8", (), base=BASE, drawing=ring)
    assert cls.snapshot().base.dataset == "drawn"
    # the class's real points come from the drawing: each within the jitter's reach of a point drawn
    real = cls.snapshot().real
    nearest = np.sqrt(((real[:, None, :] - ring[None]) ** 2).sum(-1)).min(1)
    assert nearest.max() < 6 * JITTER
    a = cls.join("key-a")
    cls.send(a, C.STEP)
    assert wait(cls, lambda s: s.student(a).step == 1).student(a).problem is None
    with pytest.raises(DatasetError, match="data_path"):
        c.open("teacher-2", "ring8", (), base=BASE, drawing=ring[:3])   # too few points
    assert c.of_teacher("teacher-2") is None


def test_points_outside_a_picture_are_left_out_of_it_and_counted():
    real = np.array([[-1.0, -1.0], [1.0, 1.0]], np.float32)
    inside, far = np.array([[0.0, 0.0]], np.float32), np.array([[50.0, 0.0], [0.0, -50.0]], np.float32)
    fake = np.array(FAKE_RGB, np.uint8)
    painted = lambda pts: int((points_picture(pts, real) == fake).all(-1).sum())  # noqa: E731
    assert painted(far) == 0 and off_picture(far, real) == 2   # clipped, they drew dots on the picture's edge
    assert painted(inside) == 9 and off_picture(inside, real) == 0
    assert painted(np.concatenate([inside, far])) == 9


def test_the_class_map_draws_students_at_one_point_as_one_marker_that_counts_them():
    points = [(3e-3, 8, f"Student {i}") for i in range(1, 14)] + [(1e-2, 5, "Ada")]
    trace = class_map_figure(points, "lr_g", "modes covered").data[0]
    assert list(trace.x) == [3e-3, 1e-2] and list(trace.y) == [8, 5]
    assert list(trace.text) == ["13 students", "Ada"]
    assert trace.customdata[0].endswith("and 1 more") and trace.customdata[0].count("<br>") == 12


def test_a_class_trains_beside_the_teacher_s_own_run_in_a_slot_of_its_own(monkeypatch):
    """The runs' one slot held (the teacher's Train-page run): a class still trains, in the classes' own slots,
    and a second class waits in their line, saying why."""
    monkeypatch.setenv("GAN_STUDIO_MAX_CLASSES", "1")
    runs = types.SimpleNamespace(slots=Slots(1), limits=Limits(max_runs=1))
    blocker = Blocker(runs.slots)
    c = Classes(runs, ensemble=OneByOne)
    try:
        first, second = c.open("teacher-1", "ring8", ["epochs"], base=BASE), c.open("teacher-2", "ring8", (), base=BASE)
        a, b = first.join("key-a"), second.join("key-b")
        first.send(a, C.UPDATE, epochs=500)
        first.send(a, C.START)
        wait(first, lambda s: s.student(a).step > 0)   # the first holds the classes' slot before the second asks
        second.send(b, C.START)
        snap = wait(second, lambda s: s.queued)
        assert snap.student(b).step == 0 and "another class is training" in W.wall_line(snap)
        assert "waiting for the server" in W.thumb_caption(snap.student(b))
        assert c.load() == (1, 1) and runs.slots.counts() == (1, 0)   # the teacher's run keeps its slot
        first.send(a, C.PAUSE)
        wait(second, lambda s: s.student(b).step > 0)   # the slot passes to the next class in line
    finally:
        blocker.go()
        assert c.close_all(10)


def test_the_class_csv_says_what_the_wall_says(classes):
    c, _ = classes(OneByOne)
    c.owner_back("key-b")
    cls = c.open("teacher", "ring8", ["lr_g", "seed"], base=BASE)
    a, b = cls.join("key-a", "Ada"), cls.join("key-b", "Bo")
    cls.send(a, C.STEP)
    cls.send(a, C.RESET)
    c.owner_left("key-b")
    snap = wait(cls, lambda s: s.student(a).starts == 2 and s.student(b).away)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(class_csv(snap).decode()))}
    assert rows["Ada"]["status"] == "ready" and rows["Ada"]["started_over"] == "1" and rows["Ada"]["away"] == ""
    assert rows["Bo"]["away"] == "yes" and rows["Bo"]["started_over"] == "0"
    assert [int(rows[n]["seed"]) for n in ("Ada", "Bo")] == [BASE.seed, BASE.seed + 1]   # each its own
    assert list(rows["Ada"])[:7] == ["name", "status", "step", "started_over", "away", "seed", "lr_g"]


def test_the_class_csv_has_the_outcome_columns_of_its_data_only():
    """A ring's class has modes and high-quality columns, a 1-D Gaussian's a JS column: no column of another
    data's outcome that would stay empty."""
    def student(name, **outcomes):
        values = {"modes": None, "high_quality": None, "js": None, "energy": None, **outcomes}
        return types.SimpleNamespace(name=name, status=Status.RUNNING, step=100, starts=1, away=False, config=BASE,
                               history={"d_loss": (1.3,), "g_loss": (0.7,)}, **values)

    def header(*students):
        snap = types.SimpleNamespace(open_fields=("lr_g",), base=BASE, students=students)
        return next(csv.reader(io.StringIO(class_csv(snap).decode())))

    ring = header(student("Ada", modes=8, high_quality=0.9), student("Bo", modes=5, high_quality=0.4))
    assert ring[6:] == ["lr_g", "modes", "high_quality", "d_loss", "g_loss"]
    assert header(student("Ada", js=0.02))[6:] == ["lr_g", "js", "d_loss", "g_loss"]
    assert header(student("Ada"))[6:] == ["lr_g", "d_loss", "g_loss"]   # nothing measured yet


def test_the_class_map_marks_the_students_own_values_and_counts_in_whole_numbers():
    one = class_map_figure([(3e-3, 8, "Ada"), (3e-3, 8, "Bo")], "lr_g", "modes covered", whole=True)
    assert list(one.layout.xaxis.tickvals) == [3e-3] and list(one.layout.xaxis.ticktext) == ["3e-3"]
    spread = class_map_figure([(3e-4, 2, "A"), (3e-3, 8, "B"), (1e-2, 5, "C")], "lr_g", "modes covered", whole=True)
    assert spread.layout.xaxis.type == "log" and list(spread.layout.xaxis.ticktext) == ["3e-4", "3e-3", "1e-2"]
    # the hover writes a value as the ticks do (a learning rate in one form: a class pass saw 3e-3 beside 0.01)
    assert list(spread.data[0].hovertext) == ["3e-4", "3e-3", "1e-2"]
    assert spread.layout.yaxis.dtick == 1


def test_a_narrow_loss_chart_wraps_its_panel_titles():
    history = {"step": (1, 2), "d_loss": (1.0, 0.9), "g_loss": (0.7, 0.8), "d_real": (0.6, 0.6),
               "d_fake": (0.4, 0.4), "value": (-1.3, -1.3)}
    titles = [a.text for a in training_figure(history, (), "lsgan", title_chars=55).layout.annotations
              if a.xref == "x domain" or "output" in a.text or "losses" in a.text]
    assert any("<br>" in t for t in titles)
    assert all(len(line) <= 55 for t in titles for line in t.split("<br>"))


def test_the_class_map_names_what_else_a_student_changed(classes):
    c, _ = classes(OneByOne)
    cls = c.open("teacher", "ring8", ["lr_g", "loss"], base=BASE)
    a, b = cls.join("key-a", "Ada"), cls.join("key-b", "Bo")
    cls.send(a, C.UPDATE, loss="hinge")
    cls.send(b, C.UPDATE, lr_g=5e-3)
    snap = wait(cls, lambda s: s.student(a).config.loss == "hinge" and s.student(b).config.lr_g == 5e-3)
    names = {p[2] for p in map_points(snap, "lr_g", Outcome.STEP)}
    assert names == {"Ada (loss hinge)", "Bo"}   # Bo's lr_g is the map's own axis


def test_the_status_line_says_what_the_lr_schedule_does_to_the_learning_rates():
    """A class pass saw a run's picture freeze by step 15,000 (the schedule had halved its lrs 20 times) with nothing
    on the page to say why. The words against the Trainer's own optimizer: after 25 steps, halving every 10 after
    step 5, the next step runs at 0.5 ** 2 = 0.25x."""
    from ganlib.engine.trainer import Trainer
    cfg = BASE.replace(lr_decay_after=5, lr_half_life=10)
    t = Trainer(cfg)
    for _ in range(25):
        t.step()
    assert W.schedule_words(cfg, 5) == "" and W.schedule_words(cfg.replace(lr_decay_after=0), 25) == ""
    # short on the status line (it wrapped to four lines on a student's half page, a class pass); in full in its help
    assert W.schedule_words(cfg, 25) == " · lr now 0.25x (halving every 10 steps)"
    assert W.schedule_help(cfg, 25).startswith("The learning rates are now at 0.25x what is set: they halve every 10 ")
    assert W.schedule_help(cfg, 5) is None
    t.step()   # the 26th step sets its lrs from step 25's scale
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(0.25 * cfg.lr_g)
    assert t.opt_d.param_groups[0]["lr"] == pytest.approx(0.25 * cfg.lr_d)
    # with a floor the halving stops there (the class presets' 1/16), and the words say so
    floored = Trainer(cfg.replace(lr_floor=1 / 16))
    for _ in range(51):   # step 50: 0.5 ** 4.5 = 0.044, under the floor
        floored.step()
    assert floored.opt_g.param_groups[0]["lr"] == pytest.approx(cfg.lr_g / 16)
    assert W.schedule_words(floored.cfg, 50) == " · lr now 0.062x (its floor)"
    assert "halve every 10 steps after step 5, down to 0.062x." in W.schedule_help(floored.cfg, 50)
    assert preset("class-ring8").lr_floor == preset("class-grid25").lr_floor == 1 / 16
