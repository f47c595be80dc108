"""The loss-history CSV is one table: pandas.read_csv reads it as it is, one row per curve point, and each
live change sits in the `event` column of the row of its step."""
import io

import numpy as np
import pandas as pd
import pytest

from ganlib.classroom.export import EVENT_COLUMN, history_csv
from ganlib.run.history import COLUMNS, Curve, Event


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data))


def curve(steps, stride=1):
    """A history as the runner keeps it: a Curve fed one made-up step at a time."""
    c = Curve(capacity=10_000)
    c.stride = stride
    rng = np.random.default_rng(0)
    for s in range(1, steps + 1):
        c.add(s, 0.01 * s, tuple(rng.random(5)))
    return c.columns()


def events_by_step(table: pd.DataFrame) -> dict:
    marked = table[table[EVENT_COLUMN].notna()]
    return dict(zip(marked["step"], marked[EVENT_COLUMN]))


def test_the_csv_is_one_table_with_every_point_and_the_changes_on_their_steps():
    h = curve(50)
    events = [Event(10, "lr_g", 2e-4, 1e-3), Event(10, "d_steps", 1, 2), Event(25, "lr_d", 2e-4, 5e-5)]
    table = read(history_csv(h, events))
    assert list(table.columns) == [*COLUMNS, EVENT_COLUMN]
    assert len(table) == 50 and list(table["step"]) == list(range(1, 51))
    for c in COLUMNS[1:]:                  # the numbers as recorded, to the 6 digits written
        assert table[c].dtype == float and np.allclose(table[c], h[c], rtol=1e-5)
    assert events_by_step(table) == {10: "lr_g 2e-4 -> 1e-3; d_steps 1 -> 2", 25: "lr_d 2e-4 -> 5e-5"}


def test_on_a_curve_that_averages_steps_a_change_goes_on_the_row_that_takes_it_in():
    h = curve(40, stride=4)                # rows at steps 4, 8, ..., 40, each the mean of 4 steps
    table = read(history_csv(h, [Event(8, "lr_g", 1e-3, 1e-2), Event(13, "lr_d", 1e-3, 1e-2)]))
    assert len(table) == 10
    # after step 8: the row of step 8; after step 13 (no such row): the row of steps 13..16
    assert events_by_step(table) == {8: "lr_g 1e-3 -> 1e-2", 16: "lr_d 1e-3 -> 1e-2"}


def test_a_change_after_the_last_point_gets_a_row_of_its_own():
    h = curve(20)
    table = read(history_csv(h, [Event(5, "epochs", 10, 20), Event(23, "epochs", 20, 40)]))
    assert len(table) == 21 and list(table["step"])[-1] == 23
    assert table.iloc[-1][list(COLUMNS[1:])].isna().all()   # no curve values there, only the change
    assert events_by_step(table) == {5: "epochs 10 -> 20", 23: "epochs 20 -> 40"}
    only = read(history_csv({}, [Event(0, "lr_g", 2e-4, 1e-3)]))   # before the first step
    assert list(only["step"]) == [0] and only[EVENT_COLUMN][0] == "lr_g 2e-4 -> 1e-3"


@pytest.mark.parametrize("events", [(), [Event(3, "lr_g", 2e-4, 1e-3)]])
def test_with_or_without_changes_the_columns_are_the_same(events):
    table = read(history_csv(curve(5), events))
    assert list(table.columns) == [*COLUMNS, EVENT_COLUMN] and len(table) == 5
