"""The methods ``latm eval`` knows, and its command-line arguments (cheap: the CLI builds its
parser before it imports what makes and answers)."""

from __future__ import annotations

import argparse
from pathlib import Path

METHODS = ("tool-parser", "tool-user", "user-direct", "user-cot", "maker-cot", "program")
TOOL_METHODS = ("tool-parser", "tool-user")
DEFAULT_CONCURRENCY = 4


def method_list(text: str) -> tuple[str, ...]:
    """``"tool-parser,user-cot"`` (or ``all``) as a tuple of known method names, in the order given."""
    names = [name.strip() for name in text.replace(" ", ",").split(",") if name.strip()]
    if names == ["all"]:
        return METHODS
    unknown = [name for name in names if name not in METHODS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown method(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(METHODS)} or all")
    return tuple(dict.fromkeys(names))


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def not_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=Path, help="solved examples in any format latm reads (the test set, and with --make the "
                   "making examples first)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--tool", metavar="NAME", help="evaluate this tool on the whole file (or after --skip)")
    which.add_argument("--make", metavar="NAME", help="make the tool NAME from the first --train + --validation "
                       "examples, then evaluate it on the rest")
    p.add_argument("--train", type=positive, help="making examples shown to the maker (default: train_examples)")
    p.add_argument("--validation", type=positive, help="examples the tests are written for (default: validation_examples)")
    p.add_argument("--skip", type=not_negative, default=0, help="examples to leave out before the test set")
    p.add_argument("--methods", type=method_list, default=METHODS,
                   help=f"comma-separated, of: {', '.join(METHODS)} (default: all)")
    p.add_argument("--limit", type=positive, help="at most this many test questions")
    p.add_argument("--concurrency", type=positive, default=DEFAULT_CONCURRENCY,
                   help=f"questions answered at once per method (default {DEFAULT_CONCURRENCY})")
    p.add_argument("--out", type=Path, help="output folder (default .latm/eval/<time>-<name>/)")
    p.add_argument("--cot-prompt", type=Path, help="the data set's few-shot chain-of-thought prompt, for user-cot and maker-cot")
