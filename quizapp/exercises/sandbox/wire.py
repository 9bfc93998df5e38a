"""Messages across the sandbox's pipes: one JSON line, then the raw bytes it announces.

`{"case": 0, "output": "dx", "blobs": [4096]}\\n` followed by 4096 bytes. The same framing goes
client → host (a check and its inputs), child → host (results) and host → client (results, then
the outcome). Readers never trust the other side: a header longer than its cap, a line that is not
a JSON object, or more bytes than the reader's budget is a `WireError`, never a hang or a crash.
"""

from __future__ import annotations

import json
import os
import select
import time
from collections.abc import Sequence

MAX_HEADER_BYTES = 1 << 18
_CHUNK = 1 << 20

Frame = tuple[dict, list[bytes]]


class WireError(Exception):
    """The other side sent something that is not a frame, or more than it may."""


def encode(header: dict, blobs: Sequence[bytes] = ()) -> bytes:
    if blobs:
        header = {**header, "blobs": [len(blob) for blob in blobs]}
    return json.dumps(header, allow_nan=False, separators=(",", ":")).encode() + b"\n" + b"".join(blobs)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class FrameReader:
    """Frames from a file descriptor, without Python's buffering, so `select` tells the truth."""

    def __init__(
        self, fd: int, *, max_header: int = MAX_HEADER_BYTES, blob_budget: int | None = None
    ) -> None:
        self.fd = fd
        self.max_header = max_header
        self.blob_budget = blob_budget
        """Bytes of blobs this reader still accepts; None for no limit (a trusted sender)."""
        self.eof = False
        self._buffer = bytearray()
        self._header: dict | None = None
        self._sizes: list[int] = []

    def fill(self) -> None:
        """One read from the descriptor (it must be readable, or this blocks)."""
        want = sum(self._sizes) - len(self._buffer) if self._header is not None else 0
        chunk = os.read(self.fd, max(want, 65536) if want < _CHUNK else _CHUNK)
        if not chunk:
            self.eof = True
        self._buffer += chunk

    def next_frame(self) -> Frame | None:
        """A whole frame from what has been read so far, or None when more must be read first."""
        if self._header is None:
            end = self._buffer.find(b"\n", 0, self.max_header + 1)
            if end < 0:
                if len(self._buffer) > self.max_header:
                    raise WireError(f"a message longer than {self.max_header} bytes")
                return None
            self._header, self._sizes = self._parse(bytes(self._buffer[:end]))
            del self._buffer[: end + 1]
        if len(self._buffer) < sum(self._sizes):
            return None
        blobs, position = [], 0
        for size in self._sizes:
            blobs.append(bytes(self._buffer[position : position + size]))
            position += size
        del self._buffer[:position]
        header, self._header, self._sizes = self._header, None, []
        return header, blobs

    def read(self, timeout: float | None = None) -> Frame | None:
        """The next frame, waiting up to `timeout` seconds (None: forever); None on timeout.

        Raises EOFError when the other side has closed its end.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            frame = self.next_frame()
            if frame is not None:
                return frame
            if self.eof:
                raise EOFError
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0)
            if remaining is not None and not select.select([self.fd], [], [], remaining)[0]:
                return None
            self.fill()

    def _parse(self, line: bytes) -> tuple[dict, list[int]]:
        try:
            header = json.loads(line)
        except ValueError:
            raise WireError("a message that is not JSON") from None
        if not isinstance(header, dict):
            raise WireError("a message that is not a JSON object")
        sizes = header.pop("blobs", [])
        if not isinstance(sizes, list) or not all(isinstance(size, int) and size >= 0 for size in sizes):
            raise WireError("a message with malformed sizes")
        if self.blob_budget is not None:
            self.blob_budget -= sum(sizes)
            if self.blob_budget < 0:
                raise WireError("more data than the check's outputs can hold")
        return header, sizes
