"""Decision 148's 26 sheets by number, the sheet files this package ships, and which sheet a
product is scored on.

Facts page section 3 lists the sheets: one per product sub-group, in six groups.
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
import unicodedata
from importlib import resources

import attrs

from ocop_workflow.errors import InvalidInput
from ocop_workflow.scoring.model import ScoringSheet
from ocop_workflow.validators import whole

__all__ = [
    "NAMES_VI",
    "PRODUCT_WORDS",
    "SHEETS",
    "ProductGroup",
    "SheetEntry",
    "sheet_entries",
    "sheet_for",
    "sheet_group",
    "shipped_sheet",
    "shipped_sheet_numbers",
]


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

NAMES_VI: dict[int, str] = {
    # The same sub-groups (facts page section 3), named shortly in Vietnamese by this project.
    1: "rau, củ, quả, hạt tươi",
    2: "thịt, thủy sản, trứng, sữa tươi",
    3: "gạo, ngũ cốc, hạt sơ chế",
    4: "mật ong, nông sản thực phẩm khác",
    5: "thực phẩm ăn liền",
    6: "gạo, ngũ cốc chế biến",
    7: "rau, quả, hạt chế biến",
    8: "thịt, thủy sản, trứng, sữa, mật ong chế biến",
    9: "tương, nước mắm, gia vị dạng lỏng",
    10: "gia vị khác",
    11: "chè",
    12: "trà thảo mộc",
    13: "cà phê, ca cao",
    14: "rượu trắng",
    15: "đồ uống có cồn khác",
    16: "nước khoáng, nước uống đóng chai",
    17: "đồ uống không cồn khác",
    18: "thực phẩm chức năng, thuốc dược liệu, thuốc cổ truyền",
    19: "mỹ phẩm từ dược liệu",
    20: "tinh dầu, dược liệu khác",
    21: "thủ công mỹ nghệ gia dụng, trang trí",
    22: "vải, may mặc",
    23: "hoa",
    24: "cây cảnh",
    25: "động vật cảnh",
    26: "du lịch cộng đồng, du lịch sinh thái, điểm du lịch",
}
"""Sheet number -> the sub-group's short Vietnamese name."""

PRODUCT_WORDS: dict[int, tuple[str, ...]] = {
    # Common words for products of each sub-group, Vietnamese and English (this project's list;
    # which sub-group a product belongs to follows the sub-group names of facts page section 3).
    1: (
        "rau",
        "củ",
        "quả",
        "hạt",
        "trái cây",
        "hoa quả",
        "rau tươi",
        "vegetables",
        "tubers",
        "fruit",
        "nuts",
        "fresh fruit",
        "fresh vegetables",
        "cam",
        "bưởi",
        "xoài",
        "nhãn",
        "mận",
        "chuối",
        "vải thiều",
        "cà chua",
        "orange",
        "mango",
        "longan",
        "lychee",
    ),
    2: (
        "thịt",
        "thịt tươi",
        "cá",
        "tôm",
        "cua",
        "trứng",
        "sữa",
        "sữa tươi",
        "thủy sản",
        "hải sản",
        "gà",
        "lợn",
        "bò",
        "meat",
        "fresh meat",
        "fish",
        "shrimp",
        "seafood",
        "eggs",
        "milk",
        "fresh milk",
        "chicken",
        "pork",
        "beef",
    ),
    3: ("gạo", "lúa", "ngô", "ngũ cốc", "gạo nếp", "rice", "cereals", "grains", "corn", "maize"),
    4: ("mật ong", "phấn hoa", "sữa ong chúa", "honey", "pollen", "royal jelly"),
    5: (
        "ăn liền",
        "ăn sẵn",
        "đồ ăn sẵn",
        "thực phẩm ăn liền",
        "ready-to-eat",
        "ready to eat",
        "instant food",
    ),
    6: (
        "bún",
        "phở",
        "miến",
        "bánh đa",
        "bánh phở",
        "bánh tráng",
        "bánh đa nem",
        "cốm",
        "bột gạo",
        "noodles",
        "rice noodles",
        "rice paper",
        "rice flour",
        "processed rice",
        "processed cereals",
    ),
    7: (
        "mứt",
        "ô mai",
        "quả sấy",
        "hoa quả sấy",
        "trái cây sấy",
        "rau sấy",
        "dưa muối",
        "măng khô",
        "hạt điều rang",
        "dried fruit",
        "jam",
        "pickles",
        "roasted nuts",
        "processed fruit",
        "processed vegetables",
        "processed nuts",
    ),
    8: (
        "thịt khô",
        "thịt sấy",
        "thịt gác bếp",
        "thịt trâu gác bếp",
        "lạp xưởng",
        "giò",
        "chả",
        "chả cá",
        "ruốc",
        "cá khô",
        "mực khô",
        "tôm khô",
        "sữa chua",
        "sản phẩm từ mật ong",
        "jerky",
        "sausage",
        "dried fish",
        "fish cake",
        "yogurt",
        "cheese",
        "processed meat",
        "processed seafood",
        "processed milk",
        "honey products",
    ),
    9: (
        "nước mắm",
        "mắm",
        "mắm tôm",
        "tương",
        "xì dầu",
        "nước tương",
        "giấm",
        "fish sauce",
        "soy sauce",
        "sauce",
        "sauces",
        "vinegar",
        "liquid seasonings",
    ),
    10: (
        "muối",
        "hành",
        "tỏi",
        "tiêu",
        "hồ tiêu",
        "ớt",
        "gừng",
        "gia vị",
        "muối tôm",
        "salt",
        "onion",
        "garlic",
        "pepper",
        "chili",
        "ginger",
        "spices",
        "seasonings",
    ),
    11: (
        "trà",
        "chè xanh",
        "trà xanh",
        "shan tuyết",
        "chè shan",
        "trà shan",
        "chè búp",
        "tea",
        "green tea",
        "black tea",
        "oolong",
    ),
    12: (
        "trà thảo mộc",
        "trà thảo dược",
        "trà hoa",
        "trà atiso",
        "atiso",
        "trà gừng",
        "trà túi lọc thảo mộc",
        "herbal tea",
        "herb tea",
        "artichoke tea",
        "flower tea",
    ),
    13: ("cà phê", "ca cao", "cacao", "sô cô la", "coffee", "cocoa", "chocolate"),
    14: (
        "rượu",
        "rượu gạo",
        "rượu ngô",
        "rượu nếp",
        "rượu men lá",
        "white spirits",
        "spirits",
        "rice wine",
        "liquor",
    ),
    15: (
        "rượu vang",
        "rượu ngâm",
        "rượu sim",
        "rượu mơ",
        "bia",
        "wine",
        "beer",
        "cider",
        "alcoholic drinks",
    ),
    16: (
        "nước khoáng",
        "nước đóng chai",
        "nước tinh khiết",
        "mineral water",
        "bottled water",
        "spring water",
    ),
    17: (
        "nước ép",
        "nước giải khát",
        "siro",
        "đồ uống không cồn",
        "juice",
        "soft drinks",
        "syrup",
        "non-alcoholic drinks",
    ),
    18: (
        "thực phẩm chức năng",
        "thực phẩm bảo vệ sức khỏe",
        "thuốc",
        "thuốc nam",
        "thuốc bắc",
        "thuốc cổ truyền",
        "functional foods",
        "health supplements",
        "supplements",
        "herbal medicine",
        "traditional medicine",
    ),
    19: (
        "mỹ phẩm",
        "dầu gội",
        "xà phòng",
        "kem dưỡng",
        "son",
        "cosmetics",
        "shampoo",
        "soap",
        "skin cream",
    ),
    20: (
        "tinh dầu",
        "dược liệu",
        "sâm",
        "essential oils",
        "essential oil",
        "medicinal herbs",
        "herbs",
        "ginseng",
    ),
    21: (
        "thủ công mỹ nghệ",
        "mây tre đan",
        "mây tre",
        "gốm",
        "gốm sứ",
        "đồ gỗ",
        "đồ gỗ mỹ nghệ",
        "sơn mài",
        "chiếu cói",
        "đồ trang trí",
        "handicrafts",
        "handicraft",
        "pottery",
        "ceramics",
        "woodwork",
        "wood carving",
        "rattan",
        "lacquerware",
        "decorations",
    ),
    22: (
        "thổ cẩm",
        "dệt",
        "dệt may",
        "may mặc",
        "quần áo",
        "lụa",
        "tơ tằm",
        "textiles",
        "garments",
        "clothing",
        "brocade",
        "silk",
        "fabric",
    ),
    23: ("hoa tươi", "hoa lan", "hoa đào", "hoa hồng", "flowers", "flower", "orchids", "roses"),
    24: ("cây kiểng", "bonsai", "cây bonsai", "ornamental plants", "potted plants"),
    25: (
        "cá cảnh",
        "chim cảnh",
        "gà cảnh",
        "ornamental fish",
        "ornamental birds",
        "ornamental animals",
        "pets",
    ),
    26: (
        "du lịch",
        "điểm du lịch",
        "homestay",
        "tourism",
        "community tourism",
        "eco-tourism",
        "ecotourism",
        "tourist site",
        "tourist sites",
    ),
}
"""Sheet number -> common product words (besides its sub-group names), for :func:`sheet_for`."""


@attrs.frozen
class SheetEntry:
    """One sheet of the catalogue: its number, product group and sub-group (in English and, as
    ``name_vi``, in Vietnamese), facts page section 3."""

    number: int
    group: str
    sub_group: str
    name_vi: str


def sheet_entries() -> tuple[SheetEntry, ...]:
    """The 26 sheets in number order, with their group and sub-group."""
    return tuple(
        SheetEntry(number, group, sub_group, NAMES_VI[number])
        for number, (group, sub_group) in SHEETS.items()
    )


def sheet_group(number: int) -> ProductGroup:
    """The product group of sheet ``number`` (1-26); :class:`InvalidInput` for another number."""
    if isinstance(number, bool) or not isinstance(number, int) or number not in SHEETS:
        raise InvalidInput(f"'number' must be a sheet number from 1 to 26 (got {number!r})")
    return ProductGroup(SHEETS[number][0])


@functools.cache
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
    """The shipped sheet ``number`` (written by this project; see ``docs/sheet-format.md``).

    Read once per process: a sheet is immutable, and replay asks for it on every sheet score."""
    number = whole(number, "number")
    if number not in shipped_sheet_numbers():
        raise InvalidInput(
            f"'number': no shipped sheet {number!r} (shipped: {list(shipped_sheet_numbers())})"
        )
    return _read_shipped(number)


@functools.cache
def _read_shipped(number: int) -> ScoringSheet:
    from ocop_workflow.scoring.sheet_format import sheet_from_toml_text

    entry = resources.files("ocop_workflow.scoring") / "data" / f"sheet-{number:02d}.toml"
    return sheet_from_toml_text(entry.read_text(encoding="utf-8"), source=entry.name)


def _plain(word: str) -> str:
    """``word`` without its accents, đ as d: what a keyboard without Vietnamese types."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> tuple[str, ...]:
    """The words of ``text``, lower case, composed (NFC): punctuation and spacing do not count."""
    return tuple(re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold()))


def _same_word(typed: str, known: str) -> bool:
    """Accents are optional, not wrong when given: a typed word with accents must match them, one
    typed without them matches any accented form (``ca`` is ``cà`` or ``cá``, ``cà`` is not
    ``cá``)."""
    return typed == known or (typed == _plain(typed) and typed == _plain(known))


@functools.cache
def _terms() -> tuple[tuple[tuple[str, ...], int, str], ...]:
    """Every name and product word as (its words, sheet number, as written)."""
    found = []
    for number, (_, sub_group) in SHEETS.items():
        for term in (sub_group, NAMES_VI[number], *PRODUCT_WORDS[number]):
            found.append((_words(term), number, term))
    return tuple(found)


def _contains(words: tuple[str, ...], term: tuple[str, ...]) -> bool:
    size = len(term)
    return any(
        all(
            _same_word(typed, known) for typed, known in zip(words[i : i + size], term, strict=True)
        )
        for i in range(len(words) - size + 1)
    )


def sheet_for(text: str) -> ScoringSheet:
    """The shipped sheet a product is scored on, from its name or kind in Vietnamese or English.

    ``sheet_for("cà phê bột")`` is sheet 13, ``sheet_for("tra shan tuyet")`` sheet 11: the words
    of the text are compared with each sub-group's names (English and Vietnamese) and
    :data:`PRODUCT_WORDS`, accents optional (see :func:`_same_word`), and the longest match wins
    ("trà thảo mộc" is sheet 12, not tea's 11). A text that matches nothing, or matches two sheets
    equally well, is :class:`InvalidInput` naming the text and the closest candidates.
    """
    if not isinstance(text, str) or not _words(text):
        raise InvalidInput(f"'text' must name a product, such as 'cà phê' (got {text!r})")
    words = _words(text)
    best: dict[int, tuple[int, str]] = {}  # sheet -> (words of its longest match, as written)
    for term, number, written in _terms():
        if term and _contains(words, term) and len(term) > best.get(number, (0, ""))[0]:
            best[number] = (len(term), written)
    if not best:
        plain = " ".join(_plain(w) for w in words)
        choices = {
            " ".join(_plain(w) for w in term): (number, written)
            for term, number, written in _terms()
        }
        close = difflib.get_close_matches(plain, list(choices), n=3, cutoff=0.5)
        hint = "; ".join(
            f"sheet {choices[c][0]} ({SHEETS[choices[c][0]][1]}) by {choices[c][1]!r}"
            for c in close
        )
        raise InvalidInput(
            f"'text': no sheet matches {text!r}" + (f"; closest: {hint}" if hint else "")
        )
    top = max(size for size, _ in best.values())
    winners = sorted(number for number, (size, _) in best.items() if size == top)
    if len(winners) > 1:
        hint = "; ".join(f"sheet {n} ({SHEETS[n][1]}) by {best[n][1]!r}" for n in winners)
        raise InvalidInput(
            f"'text': {text!r} matches more than one sheet equally well: {hint}; say more"
        )
    return shipped_sheet(winners[0])
