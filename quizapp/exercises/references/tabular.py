"""pandas: the reference is pandas itself."""

from __future__ import annotations

import numpy as np

from quizapp.exercises.params.tabular import WineParams
from quizapp.exercises.references.base import (
    CaseData,
    call,
    reference,
)

# -- pandas ----------------------------------------------------------------------------------------


_COUNTRIES = ["Italy", "France", "Spain", "US", "Chile", "Portugal"]


@reference("pandas_wine", WineParams)
def pandas_wine(params: WineParams, rng: np.random.Generator, device: str) -> CaseData:
    """The reference is pandas itself (on the CPU whatever the device)."""
    import pandas as pd

    from quizapp.exercises.frames import frame_payload, make_frame

    del device
    country: list[str | None] = [str(c) for c in rng.choice(_COUNTRIES, params.rows)]
    price: list[float | None] = [round(float(p), 2) for p in rng.uniform(5, 200, params.rows)]
    if params.missing:
        for i in range(0, params.rows, 4):
            price[i] = None
        for i in range(1, params.rows, 5):
            country[i] = None
    columns: dict[str, list] = {
        "country": country,
        "points": [int(p) for p in rng.integers(80, 101, params.rows)],
        "price": price,
    }
    df = make_frame(columns)
    frame = {"$frame": columns}
    return CaseData(
        inputs={},
        calls=[
            call("select_countries", frame, params.countries, outputs=("selected",)),
            call("first_rows", frame, params.last_label, outputs=("first",)),
            call("mean_points_by_country", frame, outputs=("mean_points",)),
            call("fill_missing_prices", frame, outputs=("filled",)),
            call("country_dummies", frame, outputs=("dummies",)),
        ],
        expected={
            "selected": frame_payload(df.loc[df.country.isin(params.countries)]),
            "first": frame_payload(df.loc[: params.last_label, ["country", "points"]]),
            "mean_points": frame_payload(df.groupby("country").points.mean()),
            "filled": frame_payload(df.fillna({"price": df.price.median()})),
            "dummies": frame_payload(pd.get_dummies(df.country, dummy_na=True)),
        },
    )
