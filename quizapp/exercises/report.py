"""A verdict for the terminal: as text (`quizapp exercise --check` and `--watch`) or as strict JSON.

Everything in a verdict that quizapp did not write itself (what the learner's code printed, its
exception text, and the exercise file's title, case names and parameters) goes through
`visible()` before any styling is added: the colours survive, the learner's escape codes do not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from quizapp.core.untrusted import visible
from quizapp.exercises.verdict import Verdict

ABS_ERR_REASON = (
    "infinite: a NaN or ±inf where a finite value was expected, or a finite value where ±inf or NaN was"
)
REL_ERR_REASON = "infinite: a value differs where the expected value is 0"


def format_params(params: dict) -> str:
    return " ".join(f"{key}={value}" for key, value in params.items())


def format_verdict(
    verdict: Verdict, title: str, style: Callable[..., str] = lambda text, **_: text, *, sandbox: bool = True
) -> str:
    """The verdict as text; `sandbox=False` leaves out the line listing the isolation layers (a
    watch prints it once, not after every save)."""
    header = f"{visible(verdict.exercise)} — {visible(title)}"
    lines = [style(header, bold=True) + f"   [{visible(verdict.device)}, {verdict.duration_s:.2f} s]"]
    if verdict.error:
        lines.append(style(visible(verdict.error), fg="red"))
    names = [visible(case.name) for case in verdict.cases]
    width = max(map(len, names), default=0)
    shown = None
    for case, name in zip(verdict.cases, names):
        if not case.ran:
            if verdict.nothing_ran:
                continue  # said once below, not as a ✗ on every case
            lines.append(style(f"  · {name:<{width}}  not run", dim=True))
            continue
        mark = style("✓", fg="green") if case.passed else style("✗", fg="red")
        lines.append(f"  {mark} {name:<{width}}  {style(visible(format_params(case.params)), dim=True)}")
        if not case.passed and case.message != verdict.error:
            if case.message == shown:
                lines.append(style("      (the same as above)", dim=True))
            else:
                lines += ["      " + line for line in visible(case.message).splitlines()]
                shown = case.message
    passed = sum(case.passed for case in verdict.cases)
    if verdict.passed:
        lines.append(style(f"All {len(verdict.cases)} cases pass.", fg="green", bold=True))
    elif verdict.nothing_ran:
        lines.append(
            style(
                f"Not run: none of the {len(verdict.cases)} cases ran; fix the error above first.",
                fg="red",
                bold=True,
            )
        )
    else:
        lines.append(style(f"{passed}/{len(verdict.cases)} cases pass.", fg="red", bold=True))
    if verdict.output.strip():
        lines.append("Your code printed:")
        lines += ["  │ " + line for line in visible(verdict.output).rstrip().splitlines()[-20:]]
    if verdict.isolation and sandbox:
        lines.append(style(visible("Sandbox: " + "; ".join(verdict.isolation)), dim=True))
    return "\n".join(lines)


def verdict_json(verdict: Verdict) -> str:
    """The verdict as strict JSON: pure ASCII (every other character `\\uXXXX`-escaped, so no
    control character reaches a terminal and the data stays exact), and no NaN or Infinity, which
    `JSON.parse` and other strict parsers reject. A non-finite number becomes `null`, with a
    `<key>_reason` beside it saying why (`"max_rel_err": null, "max_rel_err_reason": "infinite: …"`)."""
    data = verdict.to_json()
    data["cases"] = [_case_json(case) for case in data["cases"]]  # each with its own reasons
    return json.dumps(_finite(data), ensure_ascii=True, allow_nan=False)


def _case_json(case: dict) -> dict:
    reasons = {}
    abs_err, rel_err = case.get("max_abs_err"), case.get("max_rel_err")
    if _non_finite(abs_err):
        reasons["max_abs_err"] = ABS_ERR_REASON
    if _non_finite(rel_err):
        reasons["max_rel_err"] = (
            REL_ERR_REASON
            if not _non_finite(abs_err)
            else f"{REL_ERR_REASON}, or max_abs_err is infinite too"
        )
    return _finite(case, reasons)


def _finite(data: dict, reasons: dict[str, str] | None = None) -> dict:
    """`data` with each non-finite float (at any depth) as None, and a `<key>_reason` beside it."""
    out = {}
    for key, value in data.items():
        clean, why = _clean(value)
        out[key] = clean
        if why:
            out[f"{key}_reason"] = (reasons or {}).get(key, why)
    return out


def _clean(value: object) -> tuple[object, str | None]:
    if isinstance(value, float) and not math.isfinite(value):
        return None, "not a number (NaN)" if math.isnan(value) else f"{'-' if value < 0 else '+'}infinity"
    if isinstance(value, dict):
        return _finite(value), None
    if isinstance(value, (list, tuple)):
        items = [_clean(item) for item in value]
        why = next((why for _, why in items if why), None)
        return [item for item, _ in items], (
            f"holds a non-finite value ({why}), shown as null" if why else None
        )
    return value, None


def _non_finite(value: object) -> bool:
    return isinstance(value, float) and not math.isfinite(value)
