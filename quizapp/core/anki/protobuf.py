"""The few protobuf messages of Anki's packages, read and written by hand (varints and
length-delimited fields): the `meta` version, the media list, note type and template configs.
Pulling in protobuf and Anki's generated classes for four small messages would cost more than this.
"""

from __future__ import annotations

from quizapp.core.anki import AnkiPackageError

Fields = dict[int, list[int | bytes]]


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise AnkiPackageError("a protobuf message in the package is truncated or malformed")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


def decode(data: bytes) -> Fields:
    """Field number → its values, in order (ints for varints and fixed numbers, bytes otherwise)."""
    fields: Fields = {}
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 2:
            length, position = _varint(data, position)
            if position + length > len(data):
                raise AnkiPackageError("a protobuf message in the package is truncated or malformed")
            value, position = data[position : position + length], position + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if position + size > len(data):
                raise AnkiPackageError("a protobuf message in the package is truncated or malformed")
            value, position = int.from_bytes(data[position : position + size], "little"), position + size
        else:
            raise AnkiPackageError(f"a protobuf message in the package has an unknown wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def first_int(fields: Fields, number: int, default: int = 0) -> int:
    values = [v for v in fields.get(number, []) if isinstance(v, int)]
    return values[-1] if values else default


def first_text(fields: Fields, number: int, default: str = "") -> str:
    values = [v for v in fields.get(number, []) if isinstance(v, bytes)]
    return values[-1].decode("utf-8", "replace") if values else default


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode(fields: list[tuple[int, int | bytes]]) -> bytes:
    """A message from (field number, value) pairs: ints as varints, bytes length-delimited."""
    out = bytearray()
    for number, value in fields:
        if isinstance(value, int):
            out += _encode_varint(number << 3) + _encode_varint(value)
        else:
            out += _encode_varint(number << 3 | 2) + _encode_varint(len(value)) + value
    return bytes(out)
