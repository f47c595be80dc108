"""Test-only: slow a server's data loading or its training steps on purpose.

tests/test_browser_sessions.py puts this folder on a server's PYTHONPATH, so
that a tab can close while Start is still loading, or while a step is in
flight. Python runs this file at start-up; it does nothing unless
GAN_STUDIO_TEST_DATA_DELAY or GAN_STUDIO_TEST_STEP_DELAY (seconds) is set.
"""
import os
import time

_data_delay = float(os.environ.get("GAN_STUDIO_TEST_DATA_DELAY", "0"))
_step_delay = float(os.environ.get("GAN_STUDIO_TEST_STEP_DELAY", "0"))

if _data_delay or _step_delay:
    import ganlib.engine.trainer as _trainer

    _load, _step = _trainer.load_dataset, _trainer.Trainer.step

    def _slow_load(*args, **kwargs):
        time.sleep(_data_delay)
        return _load(*args, **kwargs)

    def _slow_step(self):
        time.sleep(_step_delay)
        return _step(self)

    _trainer.load_dataset = _slow_load
    _trainer.Trainer.step = _slow_step
