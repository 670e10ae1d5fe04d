"""The sandbox protocol: framing and the values that travel, shared by the worker and the host.

Standard library only. The worker (``worker.py``, beside this file in the image and in the latm
package) loads it by path; the host imports it as ``latm.sandbox.recipe.protocol``.

Frames. The worker reads request frames on fd 0 and writes one result frame per request on
fd 1. A frame is ``MAGIC + 8 hex digits length + 8 hex digits CRC32 + JSON object``; the reader
resynchronises on the magic, so stray bytes on either channel are skipped, never fatal. The
worker's first frame is ``{"hello": PROTOCOL, ...}``. Each request carries a fresh ``nonce`` that
its result echoes; the host ignores results with another nonce.

Values. Return values travel as JSON: ``None``, ``bool``, ``int``, ``float`` (NaN and infinities
included) and ``str`` as they are; tuples and lists become lists; dicts keep ``str`` keys, and
``int``, ``float``, ``bool`` or ``None`` keys become strings (as JSON does). Anything else (sets,
bytes, objects, cycles, ints too long to print, nesting deeper than the interpreter allows)
raises ``Unserializable``, which the worker reports as error type ``UnserializableResult`` with a
short repr.
"""

from __future__ import annotations

import json
import zlib

PROTOCOL = 1
MAGIC = b"\x00\x1eLATM1\x1f"
_HEADER = len(MAGIC) + 16
REPR_LIMIT = 200

# Bound now: a call may replace json.dumps in its own process, and must not garble its report.
encode_json = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
decode_json = json.JSONDecoder().decode


# ---------------------------------------------------------------------------------- framing
def encode_frame(obj: dict) -> bytes:
    payload = encode_json(obj).encode("ascii")
    return MAGIC + b"%08x%08x" % (len(payload), zlib.crc32(payload)) + payload


class FrameReader:
    """Splits a byte stream into frames, skipping anything that is not a whole, valid frame."""

    def __init__(self, max_len: int) -> None:
        self.max_len = max_len
        self.buf = bytearray()

    def feed(self, data: bytes) -> list:
        self.buf += data
        frames = []
        while True:
            found = self._next_frame()
            if found is None:
                return frames
            frames.append(found)

    def _next_frame(self):
        start = self.buf.find(MAGIC)
        if start < 0:
            del self.buf[: max(0, len(self.buf) - len(MAGIC) + 1)]
            return None
        waiting = None  # first position that may still become a frame when more bytes arrive
        pos = start
        while pos >= 0:
            state, obj, end = self._frame_at(pos)
            if state == "ok":
                del self.buf[:end]
                return obj
            if state == "partial" and waiting is None:
                waiting = pos
            pos = self.buf.find(MAGIC, pos + 1)
        del self.buf[: waiting if waiting is not None else max(0, len(self.buf) - len(MAGIC) + 1)]
        return None

    def _frame_at(self, pos: int):
        head = bytes(self.buf[pos + len(MAGIC): pos + _HEADER])
        if len(head) < 16:
            return "partial", None, 0
        try:
            length, crc = int(head[:8], 16), int(head[8:], 16)
        except ValueError:
            return "bad", None, 0
        if length > self.max_len:
            return "bad", None, 0
        end = pos + _HEADER + length
        if end > len(self.buf):
            return "partial", None, 0
        payload = bytes(self.buf[pos + _HEADER: end])
        if zlib.crc32(payload) != crc:
            return "bad", None, 0
        try:
            obj = decode_json(payload.decode("utf-8"))
        except ValueError:
            return "bad", None, 0
        return ("ok", obj, end) if isinstance(obj, dict) else ("bad", None, 0)


# ------------------------------------------------------------------ values that travel as JSON
class Unserializable(Exception):
    pass


def short_repr(value) -> str:
    try:
        text = repr(value)
    except BaseException as err:  # a hostile __repr__ must not break the report
        text = f"<{type(value).__name__} whose repr raised {type(err).__name__}>"
    return text if len(text) <= REPR_LIMIT else text[: REPR_LIMIT - 3] + "..."


def to_json_data(value):
    """``value`` as JSON-compatible data (see the module docstring), or raise Unserializable."""
    if value is None or isinstance(value, (bool, int, float, str)):
        if type(value) not in (type(None), bool, int, float, str):  # subclasses may lie in repr/str
            value = _plain(value)
        return value
    if isinstance(value, (list, tuple)):
        return [to_json_data(item) for item in value]
    if isinstance(value, dict):
        return {_key(k): to_json_data(v) for k, v in value.items()}
    raise Unserializable(f"a value of type {type(value).__name__} cannot travel as JSON: {short_repr(value)}")


def _plain(value):
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def _key(key) -> str:
    if isinstance(key, str):
        return str(key)
    if key is None or isinstance(key, (bool, int, float)):
        return encode_json(_plain(key))
    raise Unserializable(f"a dict key of type {type(key).__name__} cannot travel as JSON: {short_repr(key)}")
