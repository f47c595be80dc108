"""Codes people read off a projector and type on a phone: a class's code (classes.py) and a watch code (runs.py).

One alphabet for both: digits and capitals without the look-alikes 0/O and 1/I/L, so a code read out or copied
by hand has one spelling. What is typed is taken in any case, with spaces and dashes anywhere (a phone's
keyboard adds them, and a long code is shown in dashed groups), and comes back in the one form the code is
shown and kept in. Anything else is refused whole: a page never looks up a half-parsed code.
"""
from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from typing import Iterable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"   # 31 symbols: 0-9 and A-Z less 0, 1, I, L, O
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]")   # spaces, and dashes as phones' keyboards turn them
SYMBOLS = frozenset(ALPHABET)


@dataclass(frozen=True)
class Codes:
    """Codes of `length` symbols of ALPHABET, shown (and kept) in dashed groups of `group` (0: in one piece)."""
    length: int
    group: int = 0

    @property
    def bits(self) -> float:
        """How many random bits a code carries: what a guesser must search."""
        return self.length * math.log2(len(ALPHABET))

    def new(self, taken: Iterable[str] = ()) -> str:
        """A fresh random code, in the shown form, that is none of `taken`."""
        taken = set(taken)
        while True:
            code = self._shown("".join(secrets.choice(ALPHABET) for _ in range(self.length)))
            if code not in taken:
                return code

    def parse(self, text) -> str | None:
        """A code as typed or as it comes in an address, in the shown form; None for anything that is not one."""
        if not isinstance(text, str) or len(text) > 4 * self.length:   # no work on a pasted essay
            return None
        plain = SEPARATORS.sub("", text).upper()
        if len(plain) != self.length or not set(plain) <= SYMBOLS:
            return None
        return self._shown(plain)

    def _shown(self, plain: str) -> str:
        if not self.group:
            return plain
        return "-".join(plain[i:i + self.group] for i in range(0, len(plain), self.group))


# A class's code is read out and typed by a room at once, and only a server's few open classes are behind it: 6
# symbols, 887 million codes, so a guess finds one about once in a hundred million tries.
CLASS_CODES = Codes(length=6)
# A watch code stays valid as long as its owner's record (hours) and shows their run to whoever holds it: 10
# symbols, 49.5 bits (a guess in 8e14), shown as ABCDE-FGHJK to read off a projector.
WATCH_CODES = Codes(length=10, group=5)
