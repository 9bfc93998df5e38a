"""An Anki package on disk: the zip, its generation, its collection file and its media, read as
hostile input.

| generation | collection file | schema | `meta` | `media` | compression |
| --- | --- | --- | --- | --- | --- |
| legacy 1 | `collection.anki2` | 11 | absent | JSON `{"0": "name"}` | none |
| legacy 2 | `collection.anki21` | 11 | protobuf, version 2 | JSON | none |
| latest (Anki ≥ 2.1.50) | `collection.anki21b` | 18 | protobuf, version 3 | zstd protobuf | zstd |

Current exports also hold a stub `collection.anki2` whose one note says "Please update to the
latest Anki version": the real collection is the newest file present, and a package holding only
the stub is refused rather than imported as one note.

Every size is capped while it is read (a zip or zstd bomb stops at the cap, whatever the headers
claim), member names that leave the package are refused, media names are reduced to a plain
file name.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from quizapp.core.anki import AnkiPackageError, protobuf

LATEST = 3
"""The `meta` version of current packages (zstd, schema 18)."""
STUB_TEXT = "Please update to the latest Anki version"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a package may hold before it is refused as a bomb."""

    total_bytes: int = 8 << 30
    """Everything read out of the package, uncompressed."""
    collection_bytes: int = 4 << 30
    file_bytes: int = 512 << 20
    """One media file."""
    ratio: int = 200
    """Uncompressed / compressed, for a member or zstd stream of more than `ratio_floor` bytes."""
    ratio_floor: int = 16 << 20
    members: int = 1_000_000


@dataclass(frozen=True)
class MediaFile:
    name: str
    """A plain file name (no folders), as the cards refer to it."""
    member: str
    """The zip member holding it."""


class Package:
    """An opened package: `collection()` gives its SQLite file, `read_media` a media file's bytes."""

    def __init__(self, path: Path, limits: Limits = Limits()) -> None:
        self.path = path
        self.limits = limits
        self._read = 0
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise AnkiPackageError(f"{path} does not exist") from None
        except IsADirectoryError:
            raise AnkiPackageError(f"{path} is a folder, not an Anki package") from None
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise AnkiPackageError(
                f"{path} is not an Anki package (not a readable zip file: {error})"
            ) from None
        try:
            self._check_members()
            self.version = self._meta_version()
        except BaseException:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- members ----------------------------------------------------------------------------------

    def _check_members(self) -> None:
        infos = self._zip.infolist()
        if len(infos) > self.limits.members:
            raise AnkiPackageError(f"{self.path} holds {len(infos)} files, more than an Anki package would")
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or ":" in info.filename:
                raise AnkiPackageError(
                    f"{self.path} holds a file named {info.filename!r}, outside the package: refused as unsafe"
                )
        self.names = {info.filename for info in infos}

    def _open_member(self, name: str) -> IO[bytes]:
        try:
            return self._zip.open(name)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError) as error:
            raise AnkiPackageError(f"{name} in {self.path} cannot be read: {error}") from None

    def _stream(self, name: str, cap: int, zstd: bool) -> Iterator[bytes]:
        """The member's bytes in chunks, decompressed, stopping at `cap` or at a bomb's ratio."""
        info = self._zip.getinfo(name)
        compressed = max(info.compress_size, 1)
        produced = 0
        with self._open_member(name) as raw:
            source: IO[bytes] = raw
            if zstd:
                import zstandard

                source = zstandard.ZstdDecompressor().stream_reader(raw)
            try:
                while chunk := source.read(_CHUNK):
                    produced += len(chunk)
                    self._read += len(chunk)
                    if produced > cap or self._read > self.limits.total_bytes:
                        raise AnkiPackageError(
                            f"{name} in {self.path} unpacks to more than {min(cap, self.limits.total_bytes) >> 20} MiB: "
                            "refused (a zip bomb, or a package too large for quizapp)"
                        )
                    if produced > self.limits.ratio_floor and produced / compressed > self.limits.ratio:
                        raise AnkiPackageError(
                            f"{name} in {self.path} unpacks to over {self.limits.ratio} times its packed size: "
                            "refused as a zip bomb"
                        )
                    yield chunk
            except AnkiPackageError:
                raise
            except Exception as error:  # zlib.error, zstd.ZstdError, a CRC mismatch (BadZipFile)…
                raise AnkiPackageError(f"{name} in {self.path} is damaged: {error}") from None

    def read_member(self, name: str, cap: int, *, zstd: bool = False) -> bytes:
        return b"".join(self._stream(name, cap, zstd))

    # -- what the package is ----------------------------------------------------------------------

    def _meta_version(self) -> int:
        if "meta" not in self.names:
            return 2 if "collection.anki21" in self.names else 1
        fields = protobuf.decode(self.read_member("meta", 1 << 16))
        version = protobuf.first_int(fields, 1)
        if version > LATEST:
            raise AnkiPackageError(
                f"{self.path} was made by a newer Anki (package version {version}; quizapp reads up to "
                f"{LATEST}): export it again with 'Support older Anki versions' ticked"
            )
        if version == 0:
            raise AnkiPackageError(f"{self.path} has a 'meta' entry without a package version")
        return version

    @property
    def collection_member(self) -> str:
        if self.version >= LATEST:
            if "collection.anki21b" not in self.names:
                raise AnkiPackageError(
                    f"{self.path} says it is a current Anki package but holds no collection.anki21b "
                    "(only Anki's 'please update' placeholder, if anything)"
                )
            return "collection.anki21b"
        for name in ("collection.anki21", "collection.anki2"):
            if name in self.names:
                return name
        raise AnkiPackageError(f"{self.path} holds no Anki collection (no collection.anki21b/anki21/anki2)")

    @contextmanager
    def collection(self) -> Iterator[sqlite3.Connection]:
        """The collection, unpacked into a temporary file and opened read-only."""
        member = self.collection_member
        folder = Path(tempfile.mkdtemp(prefix="quizapp-anki-"))
        try:
            target = folder / "collection.sqlite"
            with target.open("wb") as out:
                for chunk in self._stream(member, self.limits.collection_bytes, zstd=member.endswith("b")):
                    out.write(chunk)
            with target.open("rb") as check:
                if check.read(16) != b"SQLite format 3\x00":
                    raise AnkiPackageError(f"{member} in {self.path} is not an SQLite database")
            conn = sqlite3.connect(f"file:{target}?mode=ro&immutable=1", uri=True)
            try:
                # A hostile file's schema may hold views and triggers: let none of them call functions.
                conn.execute("PRAGMA trusted_schema = OFF")
                conn.create_collation("unicase", _unicase)
                yield conn
            finally:
                conn.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # -- media ------------------------------------------------------------------------------------

    def media(self) -> list[MediaFile]:
        """The media files the package lists, by the name cards use; unsafe names reduced or dropped."""
        if "media" not in self.names:
            return []
        files: list[MediaFile] = []
        if self.version >= LATEST:
            message = protobuf.decode(self.read_member("media", 64 << 20, zstd=True))
            for index, entry in enumerate(message.get(1, [])):
                if not isinstance(entry, bytes):
                    continue
                fields = protobuf.decode(entry)
                member = protobuf.first_text(fields, 255) if 255 in fields else str(index)
                files.append(MediaFile(protobuf.first_text(fields, 1), member))
        else:
            try:
                mapping = json.loads(self.read_member("media", 64 << 20) or b"{}")
            except ValueError as error:
                raise AnkiPackageError(f"the media list in {self.path} is not valid JSON: {error}") from None
            if not isinstance(mapping, dict):
                raise AnkiPackageError(f"the media list in {self.path} is not a JSON object")
            files = [MediaFile(str(name), str(member)) for member, name in mapping.items()]
        safe = []
        for file in files:
            name = safe_media_name(file.name)
            if name is not None and file.member in self.names:
                safe.append(MediaFile(name, file.member))
        return safe

    def read_media(self, file: MediaFile) -> bytes:
        return self.read_member(file.member, self.limits.file_bytes, zstd=self.version >= LATEST)


def safe_media_name(name: str) -> str | None:
    """A media name as a plain file name in one folder, or None when nothing usable is left.

    Anki's names are flat; a name with folders in it (`../../.bashrc`) keeps only its last part,
    control characters and a leading dot are dropped, so nothing lands outside the media folder or
    hides in it, and a name a deck folder would load (`x.yaml`) gets `.txt` added.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(char for char in base if char.isprintable()).strip().lstrip(".")
    if not base or len(base.encode()) > 200:
        return None
    if base.lower().endswith((".yaml", ".yml")):
        base += ".txt"  # beside the deck files it would be read as one
    return base


def _unicase(left: str, right: str) -> int:
    a, b = left.casefold(), right.casefold()
    return (a > b) - (a < b)
