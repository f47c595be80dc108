"""The words of lesson links (classroom/lesson.py): the banner a student's Train page shows for a lesson or a link
that was not used, and the teacher's link panel. Plain strings only, torch-free, as all of words/."""
from __future__ import annotations

PANEL = "🔗 Copy lesson link"
LOCK_LABEL = "lock (shown, cannot be changed)"
HIDE_LABEL = "hide (not shown)"
# "Leave the lesson" unlocks every field: a teacher should not take the locks for more than they are
LOCKS_GUIDE = ("Locks guide students through a lesson; they are not a security boundary: anyone can press Leave "
               "the lesson and change every field.")
FIX_FIRST = "Fix the setting marked in red above to get a link."
SCAN = "Scan to open the lesson"
WHILE_TRAINING = ("This run goes on as it is: the link is of the setup that started it, with the locks chosen "
                  "here.")
LEAVE_HELP = "Unlock and show every field; the values stay"


def no_link(why) -> str:
    """Why the setup makes no link (encode()'s error, which names the field)."""
    return f"No link for this setup: {why}"


def copy_note(skipped: list[str]) -> str:
    """Under the link: how to copy it (st.code's own copy button shows only while the pointer is over it), what it
    gives, and the settings it leaves to the server (`skipped`, which differ from the preset's here)."""
    note = ("**Copy the link above** (select it, or use the copy button at its right when the pointer is over it) "
            "and send it to the class, or let them scan the QR code. Whoever opens it gets this preset and these "
            "values, ready to Start.")
    if skipped:
        note += f" Not in the link (the server's business): {', '.join(skipped)}; they get the preset's."
    return note


def not_used(problems) -> str:
    """A link whose problems kept it from being used."""
    return "This lesson link was not used, so the form shows the defaults. What was wrong: " + "; ".join(problems)


def opened(preset_name: str, locked: int, hidden: int) -> str:
    """The banner of a lesson in force: its preset, how much it fixes, and what to do."""
    return (f"A lesson: preset {preset_name}, {locked} field{'s' * (locked != 1)} locked 🔒 and {hidden} hidden. "
            "Change what is open, then press Start.")
