"""The protocol's framing and value conversion, used on both ends (the worker and the host)."""

from __future__ import annotations

import math

import pytest

from latm.sandbox.recipe.protocol import MAGIC, FrameReader, Unserializable, encode_frame, to_json_data


def test_frames_survive_being_split_anywhere():
    data = encode_frame({"a": 1}) + encode_frame({"b": "two"})
    for cut in range(len(data) + 1):
        reader = FrameReader(1 << 20)
        assert reader.feed(data[:cut]) + reader.feed(data[cut:]) == [{"a": 1}, {"b": "two"}]


@pytest.mark.parametrize("garbage", [
    b"hello world\n",
    MAGIC,  # a bare magic
    MAGIC + b"zzzzzzzzzzzzzzzz",  # a header that is not hex
    MAGIC + b"ffffffff00000000",  # a length beyond the limit
    MAGIC + b"0000000500000000hello",  # a checksum that does not match
    MAGIC + b"00000100deadbeef{",  # a plausible header whose body never comes
    encode_frame({"x": 1})[:-3],  # a frame cut short
])
def test_garbage_before_a_frame_is_skipped(garbage):
    reader = FrameReader(1 << 20)
    assert reader.feed(garbage + encode_frame({"ok": True}) + b"trailing junk") == [{"ok": True}]
    assert reader.feed(encode_frame({"next": 2})) == [{"next": 2}]


def test_non_object_json_is_not_a_frame():
    reader = FrameReader(1 << 20)
    import zlib

    payload = b"[1, 2]"
    fake = MAGIC + b"%08x%08x" % (len(payload), zlib.crc32(payload)) + payload
    assert reader.feed(fake + encode_frame({"real": 1})) == [{"real": 1}]


def test_reader_memory_stays_bounded_on_endless_garbage():
    reader = FrameReader(1024)
    for _ in range(100):
        assert reader.feed(b"x" * 10_000) == []
    assert len(reader.buf) < len(MAGIC)


@pytest.mark.parametrize("value, expected", [
    ((1, (2, 3)), [1, [2, 3]]),
    ({"a": (1,), 2: "int key", None: 0, True: 1, 1.5: 2}, {"a": [1], "2": "int key", "null": 0, "true": 1, "1.5": 2}),
    ("ünïcode", "ünïcode"),
    (None, None),
])
def test_values_become_json_data(value, expected):
    assert to_json_data(value) == expected


def test_special_floats_travel():
    frame = FrameReader(1 << 20).feed(encode_frame({"v": to_json_data([math.inf, -math.inf])}))[0]
    assert frame["v"] == [math.inf, -math.inf]
    nan = FrameReader(1 << 20).feed(encode_frame({"v": math.nan}))[0]["v"]
    assert math.isnan(nan)


def test_subclasses_of_plain_types_become_plain():
    class Sneaky(int):
        def __repr__(self):
            return "not an int"

    converted = to_json_data([Sneaky(3)])
    assert converted == [3] and type(converted[0]) is int


@pytest.mark.parametrize("value, name", [({1, 2}, "set"), (b"raw", "bytes"), (object(), "object"),
                                         ({(1, 2): 3}, "tuple")])
def test_values_json_cannot_carry_are_refused_with_their_type(value, name):
    with pytest.raises(Unserializable, match=name):
        to_json_data(value)
