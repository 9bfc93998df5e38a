"""DataFrames across the sandbox boundary, as plain JSON (never pickles), and compared cell by cell.

A frame goes into the child as `{"$frame": {column: [values]}}` and comes back as the payload of
`frame_payload`: columns, index, dtypes and rows, with missing values as null.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def make_frame(columns: dict[str, list]):
    import pandas as pd

    return pd.DataFrame(columns)


def is_pandas(value: object) -> bool:
    return type(value).__module__.startswith("pandas")


def frame_payload(value) -> dict:
    """A DataFrame or Series as JSON-safe data; a Series becomes a one-column frame."""
    import pandas as pd

    kind = "series" if isinstance(value, pd.Series) else "frame"
    frame = value.to_frame(name=value.name if value.name is not None else 0) if kind == "series" else value
    return {
        "kind": kind,
        "columns": [_plain(column) for column in frame.columns],
        "index": [_plain(label) for label in frame.index],
        "dtypes": [str(dtype) for dtype in frame.dtypes],
        "rows": [[_plain(cell) for cell in row] for row in frame.itertuples(index=False, name=None)],
    }


def _plain(value: object) -> object:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:
        pass
    return str(value)


@dataclass(frozen=True)
class FrameComparison:
    passed: bool
    message: str


def compare_frames(name: str, got: dict, expected: dict, rtol: float, atol: float) -> FrameComparison:
    what = "Series" if expected["kind"] == "series" else "DataFrame"
    shape = {"columns": list, "index": list, "dtypes": list, "rows": list}
    if any(not isinstance(got.get(key), kind) for key, kind in shape.items()):
        return FrameComparison(False, f"{name}: the output could not be read back")
    if got.get("kind") != expected["kind"]:
        return FrameComparison(
            False, f"{name}: got a {got.get('kind', 'non-pandas value')}, expected a {what}"
        )
    if got["columns"] != expected["columns"]:
        if sorted(map(str, got["columns"])) == sorted(map(str, expected["columns"])):
            return FrameComparison(
                False, f"{name}: columns in order {got['columns']}, expected {expected['columns']}"
            )
        return FrameComparison(False, f"{name}: columns {got['columns']}, expected {expected['columns']}")
    if got["index"] != expected["index"]:
        counts = (
            f" ({len(got['index'])} rows, expected {len(expected['index'])})"
            if len(got["index"]) != len(expected["index"])
            else ""
        )
        return FrameComparison(
            False, f"{name}: index {_short(got['index'])}, expected {_short(expected['index'])}{counts}"
        )
    for column, got_type, expected_type in zip(expected["columns"], got["dtypes"], expected["dtypes"]):
        if got_type != expected_type:
            return FrameComparison(
                False, f"{name}: column {column!r} has dtype {got_type}, expected {expected_type}"
            )
    for row, (got_row, expected_row, label) in enumerate(
        zip(got["rows"], expected["rows"], expected["index"])
    ):
        for column, got_cell, expected_cell in zip(expected["columns"], got_row, expected_row):
            if not _same(got_cell, expected_cell, rtol, atol):
                return FrameComparison(
                    False,
                    f"{name}: at row {label!r} (position {row}), column {column!r}: got {got_cell!r}, "
                    f"expected {expected_cell!r}",
                )
    return FrameComparison(True, f"{name}: ok")


def _same(got: object, expected: object, rtol: float, atol: float) -> bool:
    if isinstance(expected, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return abs(got - expected) <= atol + rtol * abs(expected)
    return got == expected


def _short(values: list) -> str:
    return repr(values) if len(values) <= 8 else repr(values[:8])[:-1] + ", …]"
