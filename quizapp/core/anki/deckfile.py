"""Writing an imported deck as an ordinary quizapp deck file (YAML), merged with the one a previous
import wrote: cards are matched by id and updated in place, cards the file holds that this package
does not (added by hand, or from another package) stay."""

from __future__ import annotations

from typing import Any

import yaml

from quizapp.core.anki import AnkiPackageError
from quizapp.core.anki.convert import DeckPlan

# libyaml when it is there: the pure-Python emitter and parser took 1.3 s and 2.4 s a 10k-card deck.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Multi-line text as a | block: LaTeX backslashes stay as written, the file reads like the card.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def merged_cards(plan: DeckPlan, existing: str | None, path: str) -> list[dict[str, Any]]:
    """The cards of `plan` merged into those of the file a previous import wrote (its text)."""
    if existing is None:
        return plan.cards
    try:
        data = yaml.load(existing, Loader=_Loader)  # a safe loader, C or Python
    except yaml.YAMLError as error:
        raise AnkiPackageError(
            f"{path} exists and cannot be read as YAML ({error}); move it away and import again"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        raise AnkiPackageError(f"{path} exists and is not a deck file; move it away and import again")
    fresh = {card["id"]: card for card in plan.cards}
    cards: list[dict[str, Any]] = []
    for card in data["cards"]:
        if isinstance(card, dict) and card.get("id") in fresh:
            cards.append(fresh.pop(card["id"]))
        elif isinstance(card, dict):
            cards.append(card)
    return cards + list(fresh.values())


def dump(plan: DeckPlan, cards: list[dict[str, Any]], package_name: str) -> str:
    header = (
        f"# Imported from the Anki package {package_name!r} by `quizapp import`. An ordinary deck file:\n"
        "# edit it freely (ids keep each card's history). Importing the package again updates the cards\n"
        "# it holds, matched by id, and keeps any card added here.\n"
    )
    document = {
        "quizapp": 1,
        "deck": {"id": plan.deck_id, "title": plan.title, "source": f"anki deck {plan.anki_id}"},
        "cards": cards,
    }
    return header + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
