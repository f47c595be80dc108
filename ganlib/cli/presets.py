"""python -m ganlib presets: one line for each preset, its name and what it trains."""
from __future__ import annotations

from ganlib.engine.presets import PRESETS


def run(args) -> int:
    width = max(map(len, PRESETS))
    for name, (text, _) in PRESETS.items():
        print(f"{name:<{width}}  {text}")
    return 0
