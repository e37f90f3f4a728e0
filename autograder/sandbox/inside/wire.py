"""The wire format between the grader and the sandboxed worker.

Self-contained (stdlib + numpy only): the worker imports it from its private
runtime folder, where nothing else of the package exists.

A message is an 8-byte big-endian length and a body; the body is a 4-byte
header length, a JSON header and the concatenated binary blobs it refers to.
Values are encoded as a JSON tree:

- None, bool, int, float (NaN and infinities allowed) and str stand for themselves;
- {"L": [...]} a list, {"T": [...]} a tuple, {"D": [[key, value], ...]} a dict
  with str or int keys;
- {"A": i, "d": "<f8", "h": [2, 3]} an ndarray whose raw bytes (C order) are
  blob i, with its dtype string and shape ("f": 1 when the bytes are those of
  its transpose: a Fortran-ordered array; "s": 1 a numpy scalar; "t": 1 a torch
  tensor converted to an array);
- {"H": n} a handle to an object that stays in the worker.

Decoding is strict: an array's dtype must be one of a fixed list of numeric and
boolean dtype strings with an explicit byte order (never an object or a
structured dtype), its shape a short list of non-negative ints whose product
times the item size is exactly the blob's length; nesting and sizes are
bounded, and anything else is a `WireError`. Arrays are made from the bytes
with `frombuffer` and copied (writable, owning their memory): nothing the
worker sends is parsed as Python syntax or unpickled.
"""

from __future__ import annotations

import json
import struct
import time
from typing import Any

import numpy as np

# Bound now, before any student code runs in the worker: a submission that
# patches numpy, json or builtins cannot change how replies are encoded.
_np_asarray = np.asarray
_np_ascontiguousarray = np.ascontiguousarray
_np_frombuffer = np.frombuffer
_np_array = np.array
_pack = struct.pack
_unpack = struct.unpack
_np_ndarray = np.ndarray
_np_generic = np.generic
_json_dumps = json.dumps
_json_loads = json.loads
isinstance = isinstance  # noqa: PLW0127 - a module-level binding, safe from builtins patches
len = len  # noqa: PLW0127
type = type  # noqa: PLW0127

MAX_MESSAGE_BYTES = 512 * 1024 * 1024  # one frame (the grader caps replies far lower)
MAX_HEADER_BYTES = 4 * 1024 * 1024  # its JSON header
MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_ERROR_TEXT = 4000  # an error's type and message, cut on the grader's side
MAX_TRACE_ENTRIES = 20  # lines of an error's traceback kept
_TIME_CHECK_EVERY = 1024  # nodes between two looks at the clock while decoding
_monotonic = time.monotonic
_ALLOWED_KINDS = frozenset("biufc")
_PLAIN = frozenset({str, int, float, bool})  # exact types that encode as themselves
MAX_NDIM = 32
# Every dtype the wire carries, by its dtype string (byte order explicit: "<",
# ">" or "|" for one-byte types): booleans, integers, floats, complex numbers.
DTYPES: dict[str, np.dtype] = {}
for _code in "?bhilqBHILQefdgFDG":
    for _order in "<>":
        _dtype = np.dtype(_code).newbyteorder(_order)
        DTYPES[_dtype.str] = _dtype
del _code, _order, _dtype


class WireError(ValueError):
    """A message that does not follow the format or breaks its limits."""


class Handle:
    """A reference to an object that lives in the worker (e.g. a layer's cache)."""

    __slots__ = ("ident",)

    def __init__(self, ident: int) -> None:
        self.ident = int(ident)

    def __repr__(self) -> str:
        return f"<handle {self.ident}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Handle) and other.ident == self.ident

    def __hash__(self) -> int:
        return hash(("handle", self.ident))


class Unencodable(TypeError):
    """A value with a type the wire does not carry."""


def _is_torch_tensor(value: Any) -> bool:
    cls = type(value)
    return cls.__module__.startswith("torch") and cls.__name__ in {"Tensor", "Parameter"}


def encode_value(value: Any, blobs: list[bytes], handle_of: Any = None, depth: int = 0) -> Any:
    """Encode `value` into a JSON tree, appending array bytes to `blobs`.

    `handle_of(obj)` (worker side) turns an object the wire cannot carry into a
    Handle; without it such objects raise Unencodable.
    """
    if depth > MAX_DEPTH:
        raise Unencodable("value nested too deeply")
    cls = type(value)  # exact built-in types first: most of what travels
    if cls in _PLAIN or value is None:
        return value
    if cls is list:
        return {"L": [encode_value(v, blobs, handle_of, depth + 1) for v in value]}
    if cls is tuple:
        return {"T": [encode_value(v, blobs, handle_of, depth + 1) for v in value]}
    if cls is dict:
        return _encode_dict(value, blobs, handle_of, depth)
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Handle):
        return {"H": value.ident}
    if isinstance(value, _np_ndarray) or isinstance(value, _np_generic):
        array = _np_asarray(value)
        dtype = array.dtype
        if dtype.kind not in _ALLOWED_KINDS or dtype.str not in DTYPES:
            raise Unencodable(f"array of dtype {dtype} cannot be sent (numbers only)")
        flags = array.flags
        node: dict[str, Any] = {"A": len(blobs), "d": dtype.str}
        if array.ndim > 1 and flags.f_contiguous and not flags.c_contiguous:
            array = array.T  # C-contiguous: its bytes are the Fortran-ordered array's
            node["f"] = 1
        elif not flags.c_contiguous:
            array = _np_ascontiguousarray(array)
        node["h"] = list(array.shape)
        blobs.append(array.tobytes())
        if isinstance(value, _np_generic):
            node["s"] = 1
        return node
    if _is_torch_tensor(value):
        array = value.detach().cpu().numpy()
        node = encode_value(_np_array(array), blobs, handle_of, depth + 1)
        node["t"] = 1
        return node
    if isinstance(value, tuple):
        return {"T": [encode_value(v, blobs, handle_of, depth + 1) for v in value]}
    if isinstance(value, list):
        return {"L": [encode_value(v, blobs, handle_of, depth + 1) for v in value]}
    if isinstance(value, dict):
        return _encode_dict(value, blobs, handle_of, depth)
    if handle_of is not None:
        return {"H": handle_of(value)}
    raise Unencodable(f"a value of type {type(value).__name__} cannot be sent")


def _encode_dict(value: dict[Any, Any], blobs: list[bytes], handle_of: Any, depth: int) -> Any:
    items = []
    for key, item in value.items():
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise Unencodable(f"dict key of type {type(key).__name__} cannot be sent")
        items.append([key, encode_value(item, blobs, handle_of, depth + 1)])
    return {"D": items}


def clip(text: Any, limit: int = MAX_ERROR_TEXT) -> str:
    """`str(text)` cut to `limit` characters (the grader's cap on what the worker says)."""
    text = str(text)
    if len(text) <= limit:
        return text
    return text[:limit] + f"... [{len(text) - limit} characters cut]"


class _Decoder:
    def __init__(self, blobs: list[Any], as_torch: bool, deadline: float | None = None) -> None:
        self.blobs = blobs
        self.nodes = 0
        self.as_torch = as_torch
        self.deadline = deadline

    def _tick(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise WireError("message has too many values")
        if (
            self.deadline is not None
            and self.nodes % _TIME_CHECK_EVERY == 0
            and _monotonic() > self.deadline
        ):
            raise WireError("decoding the reply ran past the check's deadline")

    def array(self, node: dict[str, Any]) -> np.ndarray:
        index = node["A"]
        if type(index) is not int or not 0 <= index < len(self.blobs):
            raise WireError("array reference out of range")
        dtype = DTYPES.get(node.get("d")) if type(node.get("d")) is str else None
        if dtype is None:
            raise WireError(f"array dtype {clip(node.get('d'), 40)!r} refused (numbers only)")
        shape = node.get("h")
        if type(shape) is not list or len(shape) > MAX_NDIM:
            raise WireError("malformed array shape")
        count = 1
        for size in shape:
            if type(size) is not int or not 0 <= size <= MAX_MESSAGE_BYTES:
                raise WireError("malformed array shape")
            count *= size
        blob = self.blobs[index]
        if count * dtype.itemsize != len(blob):
            raise WireError("array shape and dtype do not match its bytes")
        try:
            array = _np_frombuffer(blob, dtype=dtype).reshape(shape)
        except (TypeError, ValueError) as exc:
            raise WireError(f"malformed array: {clip(exc, 200)}") from None
        if node.get("f"):
            return array.T.copy(order="F")
        return array.copy()

    def value(self, node: Any, depth: int = 0) -> Any:
        self._tick()
        if depth > MAX_DEPTH:
            raise WireError("message nested too deeply")
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if isinstance(node, float):
            return node
        if not isinstance(node, dict) or len(node) == 0:
            raise WireError(f"unexpected node {type(node).__name__}")
        if "A" in node:
            array = self.array(node)
            if node.get("s"):
                return array[()]
            if node.get("t") and self.as_torch:
                import torch

                return torch.from_numpy(array)  # already an owned copy
            return array
        if "H" in node:
            if not isinstance(node["H"], int):
                raise WireError("bad handle")
            return Handle(node["H"])
        if "T" in node and isinstance(node["T"], list):
            return tuple(self.value(v, depth + 1) for v in node["T"])
        if "L" in node and isinstance(node["L"], list):
            return [self.value(v, depth + 1) for v in node["L"]]
        if "D" in node and isinstance(node["D"], list):
            out: dict[Any, Any] = {}
            for pair in node["D"]:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise WireError("bad dict entry")
                key = pair[0]
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise WireError("bad dict key")
                out[key] = self.value(pair[1], depth + 1)
            return out
        raise WireError(f"unknown node {sorted(node)[:3]}")


def dumps(value: Any, handle_of: Any = None) -> bytes:
    """Encode a value as a message body (without the length prefix)."""
    blobs: list[bytes] = []
    tree = encode_value(value, blobs, handle_of)
    header = _json_dumps({"v": tree, "b": [len(b) for b in blobs]}, allow_nan=True).encode()
    return b"".join([_pack(">I", len(header)), header, *blobs])


def loads(body: bytes | bytearray, as_torch: bool = False, deadline: float | None = None) -> Any:
    """Decode a message body strictly; raises WireError on anything unexpected.

    `deadline` (time.monotonic) bounds the decoding: a reply built to be slow to
    decode costs the check its time, not the grader's.
    """
    if len(body) > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {len(body)} bytes is over the limit")
    if len(body) < 4:
        raise WireError("truncated message")
    (header_len,) = _unpack(">I", body[:4])
    if header_len > len(body) - 4:
        raise WireError("truncated header")
    if header_len > MAX_HEADER_BYTES:
        raise WireError(f"header of {header_len} bytes is over the limit of {MAX_HEADER_BYTES}")
    try:
        header = _json_loads(body[4 : 4 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"malformed header: {clip(exc, 200)}") from None
    except RecursionError:
        raise WireError("header nested too deeply") from None
    if not isinstance(header, dict) or not isinstance(header.get("b"), list):
        raise WireError("malformed header")
    view = memoryview(body)  # blobs are views: the arrays made from them are the only copies
    blobs: list[Any] = []
    offset = 4 + header_len
    for size in header["b"]:
        if not isinstance(size, int) or size < 0 or offset + size > len(body):
            raise WireError("blob sizes do not add up")
        blobs.append(view[offset : offset + size])
        offset += size
    if offset != len(body):
        raise WireError("trailing bytes after the last blob")
    if deadline is not None and _monotonic() > deadline:
        raise WireError("decoding the reply ran past the check's deadline")
    return _Decoder(blobs, as_torch, deadline).value(header.get("v"))


def frame(body: bytes) -> bytes:
    return _pack(">Q", len(body)) + body


def read_exact(read: Any, size: int) -> bytes:
    """Read exactly `size` bytes with `read(n)`; raises EOFError when the peer is gone."""
    chunks = []
    remaining = size
    while remaining:
        chunk = read(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def canonical_key(value: Any) -> str:
    """A stable digest of a value (same arrays and numbers -> same key)."""
    import hashlib

    body = dumps(value)
    return hashlib.sha256(body).hexdigest()
