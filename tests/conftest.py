"""Shared test setup: torch runs with the app's thread count.

Torch keeps a thread count per thread and starts at one per core; on 2 shared
cores that makes the tests crawl (20 seed-mlp steps: 16 s at 2 threads, 0.65 s
at 1), and it is not how the app runs (see ganlib/device.py).
"""
from ganlib.device import set_threads

set_threads()
