"""A verdict as text for the terminal (`quizapp exercise --check` and `--watch`)."""

from __future__ import annotations

from collections.abc import Callable

from quizapp.exercises.checker import Verdict


def format_params(params: dict) -> str:
    return " ".join(f"{key}={value}" for key, value in params.items())


def format_verdict(verdict: Verdict, title: str, style: Callable[..., str] = lambda text, **_: text) -> str:
    lines = [style(f"{verdict.exercise} — {title}", bold=True) + f"   [{verdict.device}, {verdict.duration_s:.2f} s]"]
    if verdict.error:
        lines.append(style(verdict.error, fg="red"))
    width = max((len(case.name) for case in verdict.cases), default=0)
    shown = None
    for case in verdict.cases:
        mark = style("✓", fg="green") if case.passed else style("✗", fg="red")
        lines.append(f"  {mark} {case.name:<{width}}  {style(format_params(case.params), dim=True)}")
        if not case.passed and case.message not in ("not run", verdict.error):
            if case.message == shown:
                lines.append(style("      (the same as above)", dim=True))
            else:
                lines += ["      " + line for line in case.message.splitlines()]
                shown = case.message
    passed = sum(case.passed for case in verdict.cases)
    if verdict.passed:
        lines.append(style(f"All {len(verdict.cases)} cases pass.", fg="green", bold=True))
    else:
        lines.append(style(f"{passed}/{len(verdict.cases)} cases pass.", fg="red", bold=True))
    if verdict.output.strip():
        lines.append("Your code printed:")
        lines += ["  │ " + line for line in verdict.output.rstrip().splitlines()[-20:]]
    if verdict.isolation:
        lines.append(style("Sandbox: " + "; ".join(verdict.isolation), dim=True))
    return "\n".join(lines)
