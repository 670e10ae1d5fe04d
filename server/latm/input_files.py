"""Files a user names (examples, questions, a transcript) read as text, with limits.

Only a regular file is read (a folder, ``/dev/zero``, a FIFO or a socket is refused without
reading), at most ``MAX_INPUT_BYTES``, as UTF-8 with a leading byte-order mark dropped. Every
problem is an ``InputFileError`` naming the file; ``load_json`` turns JSON nested deeper than
the parser can follow, or holding a lone surrogate (``"\\ud800"``: no character, so nothing latm
writes could hold it), into an ordinary ``JSONDecodeError``.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

from latm.errors import InputFileError
from latm.safe_text import has_lone_surrogates

MAX_INPUT_BYTES = 64 << 20
LIMIT_TEXT = "64 MiB"
TOO_DEEP = "nested too deeply"
LONE_SURROGATE = "a string holds a lone surrogate (\\ud800-\\udfff), which is no character"
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def read_input(path: Path, what: str) -> str:
    """The text of ``path``, the user's ``what`` (e.g. "questions file")."""
    try:
        # Non-blocking, so that opening a FIFO with no writer returns at once (and is then refused).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputFileError(f"Cannot read the {what} {path}: no such file.") from None
    except OSError as err:
        raise InputFileError(f"Cannot read the {what} {path}: {err.strerror or err}.") from None
    _require_regular(fd, path, what)
    with os.fdopen(fd, "rb") as handle:
        return _text(handle, f"the {what} {path}")


def _require_regular(fd: int, path: Path, what: str) -> None:
    """Nothing for a regular file; otherwise close ``fd`` and raise the error that says what it is."""
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode):
        return
    os.close(fd)
    if stat.S_ISDIR(mode):
        raise InputFileError(f"{path} is a folder, not a {what}; give a file.")
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    raise InputFileError(f"The {what} {path} is not a regular file ({kind}); give a file.")


def read_stdin(handle: BinaryIO, what: str) -> str:
    """The text of standard input (``latm make -``), under the same limit and encoding."""
    return _text(handle, f"the {what} from stdin")


def load_json(text: str) -> Any:
    try:
        value = json.loads(text)
    except RecursionError:  # the C parser stops at Python's recursion limit
        raise json.JSONDecodeError(TOO_DEEP, text, 0) from None
    if _holds_lone_surrogate(value):
        raise json.JSONDecodeError(LONE_SURROGATE, text, 0)
    return value


def _holds_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:  # not recursive: the parser accepts more levels than Python's recursion limit
        item = stack.pop()
        if isinstance(item, str) and has_lone_surrogates(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _text(handle: BinaryIO, where: str) -> str:
    try:
        data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as err:
        raise InputFileError(f"Cannot read {where}: {err.strerror or err}.") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputFileError(f"Cannot read {where}: it is larger than {LIMIT_TEXT}; split it into smaller files.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        offset = err.start + len(data) - len(err.object)  # the codec reports offsets after a byte-order mark
        raise InputFileError(f"Cannot read {where}: not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset}); "
                             "save the file as UTF-8.") from None
