"""Does the wire carry arrays exactly, and refuse every forged array header?

Arrays travel as raw bytes described by a dtype string and a shape in the JSON
header; the grader decodes whatever the worker sends, so a header that lies
about either must be a WireError, never an object array, a crash or a huge
allocation.
"""

import json

import numpy as np
import pytest

from autograder.sandbox.inside import wire


def _message(tree, blobs):
    header = json.dumps({"v": tree, "b": [len(b) for b in blobs]}).encode()
    return len(header).to_bytes(4, "big") + header + b"".join(blobs)


VALUES = [
    np.arange(6.0).reshape(2, 3),
    np.arange(6.0).reshape(2, 3).T,  # Fortran order
    np.zeros((2, 3, 4), order="F"),
    np.arange(10)[::2],  # not contiguous
    np.zeros((0, 3)),
    np.array(5),
    np.array([True, False]),
    np.arange(4, dtype=">f8"),  # big-endian stays big-endian
    np.array([1 + 2j, -1j]),
    np.arange(5, dtype=np.uint8),
    np.arange(3, dtype=np.float32),
    np.float32(2.5),
    np.int8(-3),
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_arrays_round_trip_with_dtype_shape_and_order(value):
    (back,) = wire.loads(wire.dumps([value]))
    assert type(back) is type(value)
    assert np.asarray(back).dtype == np.asarray(value).dtype
    assert np.shape(back) == np.shape(value)
    assert np.array_equal(back, value)
    if isinstance(value, np.ndarray):
        assert back.flags.writeable and back.flags.owndata
        fortran = value.flags.f_contiguous and not value.flags.c_contiguous
        assert back.flags.f_contiguous if fortran else back.flags.c_contiguous


def test_decoded_arrays_are_independent_copies():
    x = np.arange(4.0)
    first, second = wire.loads(wire.dumps([x, x]))
    first += 1
    assert np.array_equal(second, x)


def test_object_and_structured_arrays_are_not_sent():
    with pytest.raises(wire.Unencodable):
        wire.dumps(np.array([object()]))
    with pytest.raises(wire.Unencodable):
        wire.dumps(np.zeros(2, dtype=[("a", "<f8")]))
    with pytest.raises(wire.Unencodable):
        wire.dumps(np.array(["text"]))


EIGHT = np.arange(2.0).tobytes()  # 16 bytes: two float64


@pytest.mark.parametrize(
    "node, blob, words",
    [
        ({"A": 0, "d": "<f8", "h": [3]}, EIGHT, "do not match"),  # too few bytes
        ({"A": 0, "d": "<f8", "h": [1]}, EIGHT, "do not match"),  # too many bytes
        ({"A": 0, "d": "|O", "h": [2]}, EIGHT, "refused"),  # object dtype
        ({"A": 0, "d": "|O8", "h": [2]}, EIGHT, "refused"),
        ({"A": 0, "d": [["a", "<f8"]], "h": [2]}, EIGHT, "refused"),  # structured
        ({"A": 0, "d": "|V16", "h": [1]}, EIGHT, "refused"),
        ({"A": 0, "d": "<U2", "h": [2]}, EIGHT, "refused"),
        ({"A": 0, "d": "f8", "h": [2]}, EIGHT, "refused"),  # no byte order
        ({"A": 0, "d": "=f8", "h": [2]}, EIGHT, "refused"),
        ({"A": 0, "h": [2]}, EIGHT, "refused"),  # no dtype
        ({"A": 0, "d": "<f8", "h": [-2]}, EIGHT, "shape"),  # negative
        ({"A": 0, "d": "<f8", "h": [-1, -2]}, EIGHT, "shape"),
        ({"A": 0, "d": "<f8", "h": [2.0]}, EIGHT, "shape"),
        ({"A": 0, "d": "<f8", "h": [True, 2]}, EIGHT, "shape"),
        ({"A": 0, "d": "<f8", "h": 2}, EIGHT, "shape"),
        ({"A": 0, "d": "<f8"}, EIGHT, "shape"),
        ({"A": 0, "d": "<f8", "h": [1] * 40 + [2]}, EIGHT, "shape"),  # too many axes
        ({"A": 0, "d": "<f8", "h": [0, 10**30]}, b"", "shape"),  # huge
        # no bytes, but dimensions whose product overflows numpy's sizes
        ({"A": 0, "d": "<f8", "h": [0] + [2**29] * 31}, b"", "malformed"),
        ({"A": 0, "d": "<f8", "h": [2**40, 2**40]}, EIGHT, "shape"),
        # a product that wraps around in 64-bit arithmetic to exactly two items
        ({"A": 0, "d": "<f8", "h": [2**33, 2**31 + 1]}, EIGHT, "shape|match"),
        ({"A": 0, "d": "|u1", "h": [2**32, 2**32, 16]}, EIGHT, "shape|match"),
        ({"A": 1, "d": "<f8", "h": [2]}, EIGHT, "out of range"),
        ({"A": -1, "d": "<f8", "h": [2]}, EIGHT, "out of range"),
        ({"A": "0", "d": "<f8", "h": [2]}, EIGHT, "out of range"),
    ],
)
def test_forged_array_headers_are_wire_errors(node, blob, words):
    with pytest.raises(wire.WireError, match=words):
        wire.loads(_message({"L": [node]}, [blob]))


def test_a_well_formed_header_built_by_hand_decodes():
    (back,) = wire.loads(_message({"L": [{"A": 0, "d": "<f8", "h": [2, 1]}]}, [EIGHT]))
    assert back.shape == (2, 1) and back.dtype == np.float64 and back[1, 0] == 1.0


def test_the_encoding_does_not_follow_a_patched_numpy(monkeypatch):
    x = np.arange(3.0)
    want = wire.dumps([x, np.float32(1)])
    monkeypatch.setattr(np, "asarray", lambda *a, **k: np.zeros(1))
    monkeypatch.setattr(np, "ascontiguousarray", lambda *a, **k: np.zeros(1))
    monkeypatch.setattr(np, "frombuffer", lambda *a, **k: np.zeros(1))
    assert wire.dumps([x, np.float32(1)]) == want
    assert np.array_equal(wire.loads(want)[0], x)


def test_canonical_key_is_stable_and_tells_values_apart():
    a = np.arange(4.0)
    assert wire.canonical_key([a]) == wire.canonical_key([a.copy()])
    assert wire.canonical_key([a]) != wire.canonical_key([a.reshape(2, 2)])
    assert wire.canonical_key([a]) != wire.canonical_key([a.astype(np.float32)])
