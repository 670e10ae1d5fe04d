"""Text from tools and models, made safe to show a person: on a terminal, in an editor's
message, hover or document.

C0 controls (but newline and tab), DEL, C1 controls and the bidirectional overrides and
isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source") become visible ``\\uXXXX`` escapes,
so a tool cannot set a terminal's title, clear the screen or make text read differently than
it runs. So do lone surrogates (U+D800-U+DFFF, what a JSON ``"\\ud800"`` decodes to): they are
no character, and no UTF-8 output can carry them. Inside a JSON string such an escape is the
same character, so escaping a JSON text keeps it exactly the JSON it was.
"""

from __future__ import annotations

import re
from typing import Optional

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_controls(text: str) -> str:
    return _CONTROLS.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def has_controls(text: Optional[str]) -> bool:
    return bool(text) and _CONTROLS.search(text) is not None


def has_lone_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so that it can be written as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)
