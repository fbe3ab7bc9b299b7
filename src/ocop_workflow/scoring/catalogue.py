"""Decision 148's 26 sheets by number, and the sheet files this package ships.

Facts page section 3 lists the sheets: one per product sub-group, in six groups.
"""

from __future__ import annotations

import enum
from importlib import resources

from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring.model import ScoringSheet

__all__ = ["SHEETS", "ProductGroup", "sheet_group", "shipped_sheet", "shipped_sheet_numbers"]


class ProductGroup(enum.Enum):
    """The six product groups of Decision 148's sheets (facts page section 3); the values are the
    group names :data:`SHEETS` uses."""

    FOOD = "food"
    BEVERAGES = "beverages"
    HERBS = "herbs"
    HANDICRAFTS = "handicrafts"
    ORNAMENTALS = "ornamentals"
    TOURISM = "tourism"


SHEETS: dict[int, tuple[str, str]] = {
    # Facts page section 3: sheet number -> (product group, product sub-group).
    1: ("food", "fresh vegetables, tubers, fruit, nuts"),
    2: ("food", "fresh meat, seafood, eggs, milk"),
    3: ("food", "rice, cereals, pre-processed grains"),
    4: ("food", "honey and other farm foods"),
    5: ("food", "ready-to-eat food"),
    6: ("food", "processed rice and cereals"),
    7: ("food", "processed vegetables, fruit, nuts"),
    8: ("food", "processed meat, seafood, eggs, milk, honey products"),
    9: ("food", "sauces, fish sauce, liquid seasonings"),
    10: ("food", "other seasonings"),
    11: ("food", "tea"),
    12: ("food", "herbal teas from other plants"),
    13: ("food", "coffee and cocoa"),
    14: ("beverages", "white spirits"),
    15: ("beverages", "other alcoholic drinks"),
    16: ("beverages", "mineral and bottled water"),
    17: ("beverages", "other non-alcoholic drinks"),
    18: ("herbs", "functional foods, herbal and traditional medicines"),
    19: ("herbs", "cosmetics with herbal ingredients"),
    20: ("herbs", "essential oils and other herbs"),
    21: ("handicrafts", "household and decorative handicrafts"),
    22: ("handicrafts", "textiles and garments"),
    23: ("ornamentals", "flowers"),
    24: ("ornamentals", "ornamental plants"),
    25: ("ornamentals", "ornamental animals"),
    26: ("tourism", "community tourism, eco-tourism, tourist sites"),
}
"""Sheet number -> (product group, product sub-group)."""


def sheet_group(number: int) -> ProductGroup:
    """The product group of sheet ``number`` (1-26); :class:`InvalidInput` for another number."""
    if isinstance(number, bool) or not isinstance(number, int) or number not in SHEETS:
        raise InvalidInput(f"'number' must be a sheet number from 1 to 26 (got {number!r})")
    return ProductGroup(SHEETS[number][0])


def shipped_sheet_numbers() -> tuple[int, ...]:
    """The numbers of the sheets this package ships as data files."""
    folder = resources.files("ocop_workflow.scoring") / "data"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith("sheet-") and name.endswith(".toml"):
            found.append(int(name[len("sheet-") : -len(".toml")]))
    return tuple(sorted(found))


def shipped_sheet(number: int) -> ScoringSheet:
    """The shipped sheet ``number`` (written by this project; see ``docs/sheet-format.md``)."""
    if number not in shipped_sheet_numbers():
        raise InvalidInput(
            f"'number': no shipped sheet {number!r} (shipped: {list(shipped_sheet_numbers())})"
        )
    from ocop_workflow.scoring.loading import sheet_from_toml_text

    entry = resources.files("ocop_workflow.scoring") / "data" / f"sheet-{number:02d}.toml"
    return sheet_from_toml_text(entry.read_text(encoding="utf-8"), source=entry.name)
