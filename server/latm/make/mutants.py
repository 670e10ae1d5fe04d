"""Wrong results on purpose (mutation testing): a check counts only when it fails once the tool's
entry function returns a wrong value, which proves its answer came from calling that function.

Three wrong functions, because honest code reacts to each differently:

- ``sentinel`` returns an object that equals nothing (its text names it as latm's wrong result);
- ``negated`` and ``shifted`` call the real function and change every part of its result but
  keep its type: numbers become ``-x - 1`` or ``x + 1`` (one changes a sign, for code that
  compares with a bound; the other a position, for code that indexes with it), booleans are
  negated, letters and digits shifted by one, each item of a list, tuple, set or dict changed,
  so code that goes on computing with the result still runs.

A check is *killed* when in one of the runs it finishes with a different verdict, or when in all
of them it cannot finish (it crashed before reaching its verdict: it needed the result).
Only the outermost call of the entry function is changed, so a recursive tool still works.
"""

from __future__ import annotations

from typing import Optional, Sequence

KINDS = ("sentinel", "negated", "shifted")
PRELUDE = '''
def _latm_mutate(name, kind):
    import functools
    import numbers
    import string

    real = globals().get(name)
    if not callable(real):
        return

    class Wrong:
        __slots__ = ()
        __hash__ = object.__hash__

        def __eq__(self, other):
            return False

        def __ne__(self, other):
            return True

        def __repr__(self):
            return "<a wrong result from latm's check>"

    wrong = Wrong()
    plain = string.ascii_lowercase + string.ascii_uppercase + string.digits
    moved = str.maketrans(plain, "".join(part[1:] + part[0] for part in
                                         (string.ascii_lowercase, string.ascii_uppercase, string.digits)))

    def changed(value, depth=0):
        if depth > 20:
            return wrong
        if isinstance(value, bool):
            return not value
        if isinstance(value, numbers.Number):
            try:
                other = -value - 1 if kind == "negated" else value + 1
                return other if other != value else wrong
            except Exception:
                return wrong
        if isinstance(value, str):
            other = value.translate(moved)
            return other if other != value else value + "~"
        if isinstance(value, (bytes, bytearray)):
            return value + b"~"
        if isinstance(value, (list, tuple)):
            items = [changed(item, depth + 1) for item in value] or [wrong]
            if isinstance(value, list):
                return items
            return type(value)._make(items) if hasattr(type(value), "_make") else tuple(items)
        if isinstance(value, dict):
            return {key: changed(item, depth + 1) for key, item in value.items()} or {wrong: wrong}
        if isinstance(value, (set, frozenset)):
            return {changed(item, depth + 1) for item in value} or {wrong}
        return wrong

    calling = []

    @functools.wraps(real)
    def mutant(*args, **kwargs):
        if calling:
            return real(*args, **kwargs)
        if kind == "sentinel":
            return wrong
        calling.append(True)
        try:
            return changed(real(*args, **kwargs))
        finally:
            calling.pop()

    globals()[name] = mutant


'''


def mutated(snippet: str, entry: str, kind: str) -> str:
    """``snippet`` run with ``entry`` returning the ``kind`` of wrong result."""
    return f"{PRELUDE}_latm_mutate({entry!r}, {kind!r})\ndel _latm_mutate\n{snippet}"


def killed(verdicts: Sequence[Optional[bool]]) -> bool:
    """From one check's verdict in each wrong run (True: still passed, False: failed, None: did
    not finish): did the wrong result change the outcome?"""
    return any(v is False for v in verdicts) or all(v is None for v in verdicts)
