"""Labels: every member of every enum a user sees has both languages, and the shipped catalogues
are compiled from their sources."""

import ast
import enum
import gettext
import io
import re
from importlib import resources
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from ocop_workflow import (
    ActionName,
    DossierKind,
    DossierState,
    InvalidInput,
    KnockOut,
    Level,
    RevocationReason,
)
from ocop_workflow.access import Role
from ocop_workflow.agenda import Due
from ocop_workflow.checklists import CheckItem, ContentItem
from ocop_workflow.labels import DOMAIN, LANGUAGES, label, message_id, text
from ocop_workflow.scoring import SHEETS, GapResolution, ProblemKind, ProductGroup, sheet_group
from ocop_workflow.states import Event

# Every enum whose members a user reads (in tables, diagrams, spreadsheets, messages). A new enum
# a user sees belongs here; a new member of one of these fails the tests below until labelled.
LABELLED = (
    DossierState,
    Level,
    DossierKind,
    ActionName,
    RevocationReason,
    KnockOut,
    ProductGroup,
    Event,  # the diagrams' arrows
    Due,  # the agenda's rows
    Role,
    CheckItem,  # the commune's checks
    ContentItem,  # a dossier's contents
    ProblemKind,  # sheet check
    GapResolution,  # sheet show
)
# Texts that are not enum members, by area (see labels.text).
TEXT_AREAS = ("diagram.", "funnel.", "plot.", "legend.", "heading.", "cli.")

LOCALE = resources.files("ocop_workflow") / "locale"


def catalogue_path(lang, suffix):
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.{suffix}"


def source(lang):
    with catalogue_path(lang, "po").open("rb") as stream:
        return read_po(stream)


def messages(catalogue):
    return {m.id: m.string for m in catalogue if m.id}


def test_public_contract_from_the_issue():
    assert label(DossierState.CERTIFIED, "vi") == "Đã công nhận"
    assert label(DossierState.CERTIFIED, "en") == "Certified"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", LABELLED, ids=lambda k: k.__name__)
def test_no_member_lacks_a_label(kind, lang):
    for member in kind:
        found = label(member, lang)
        assert isinstance(found, str)
        assert found.strip()
        assert found != message_id(member)


@pytest.mark.parametrize("kind", LABELLED, ids=lambda k: k.__name__)
def test_the_two_languages_differ(kind):
    """An English label copied into the Vietnamese catalogue (or the reverse) is not a label."""
    for member in kind:
        assert label(member, "vi") != label(member, "en"), member


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogues_hold_no_stale_or_unknown_message(lang):
    ids = set(messages(source(lang)))
    members = {message_id(m) for kind in LABELLED for m in kind}
    assert members <= ids
    others = ids - members
    assert all(key.startswith(TEXT_AREAS) for key in others), sorted(others)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_sources_are_complete_and_not_fuzzy(lang):
    catalogue = source(lang)
    assert catalogue.locale is not None
    assert str(catalogue.locale) == lang
    for message in catalogue:
        if message.id:
            assert message.string, message.id
            assert not message.fuzzy, message.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_shipped_mo_is_compiled_from_the_po(lang):
    """Compile the source as the build does and compare catalogues, message by message."""
    compiled = io.BytesIO()
    write_mo(compiled, source(lang))
    compiled.seek(0)
    with catalogue_path(lang, "mo").open("rb") as stream:
        shipped = stream.read()
    assert messages(read_mo(io.BytesIO(shipped))) == messages(read_mo(compiled))
    # And what the runtime reads (the stdlib) agrees with the source.
    runtime = gettext.GNUTranslations(io.BytesIO(shipped))
    for key, string in messages(source(lang)).items():
        assert runtime.gettext(key) == string


@pytest.mark.parametrize("bad", ["fr", "VI", "", None, ["vi"], 1])
def test_another_language_is_refused_by_name(bad):
    with pytest.raises(InvalidInput, match=r"'lang' must be one of vi, en \(got "):
        label(DossierState.CERTIFIED, bad)
    with pytest.raises(InvalidInput, match="'lang'"):
        text("diagram.transitional", bad)


def test_a_value_that_is_not_a_labelled_member_is_refused():
    class Colour(enum.Enum):
        RED = "red"

    with pytest.raises(InvalidInput, match=r"'member' Colour\.RED has no label in 'vi'"):
        label(Colour.RED, "vi")
    with pytest.raises(InvalidInput, match="'member' must be an enum member"):
        label("certified", "vi")  # type: ignore[arg-type]


def test_the_enums_own_labels_read_the_same_catalogue():
    for state in DossierState:
        assert state.vi == label(state, "vi")
        assert state.en == label(state, "en")
    for level in Level:
        assert level.vi == label(level, "vi")
    for kind in DossierKind:
        assert kind.vi == label(kind, "vi")


def test_vietnamese_labels_use_the_decisions_terms():
    assert "công nhận" in label(DossierState.NOT_RECOGNISED, "vi")
    assert "thu hồi" in label(DossierState.REVOKED, "vi")
    assert "Hội đồng đánh giá" in label(DossierState.PROVINCE_SCORED, "vi")
    assert "hồ sơ" in label(DossierState.REGISTERED, "vi")
    assert "Chủ thể" in label(DossierState.WITHDRAWN, "vi")
    assert label(DossierKind.REEVALUATION, "vi") == "Đánh giá lại"
    assert "Nâng hạng" in label(DossierKind.UPGRADE, "vi")


def test_texts_fill_their_placeholders():
    assert "QD148_2023" in text("diagram.only_in", "vi", regime="QD148_2023")
    with pytest.raises(InvalidInput, match="needs the value 'regime'"):
        text("diagram.only_in", "en")
    with pytest.raises(InvalidInput, match=r"'key' 'diagram\.nothing' is not a message"):
        text("diagram.nothing", "en")


def test_every_sheet_is_in_a_labelled_product_group():
    assert {group for group, _ in SHEETS.values()} == {g.value for g in ProductGroup}
    for number, (group, _) in SHEETS.items():
        assert sheet_group(number).value == group
    with pytest.raises(InvalidInput, match=r"'number' must be a sheet number from 1 to 26"):
        sheet_group(27)


# -- the texts of the areas: CLI, legends, headings ---------------------------------------------

SRC = Path(__file__).resolve().parents[1] / "src" / "ocop_workflow"


def _keys_in_source():
    """Every message id the package's source names: literal ids (``"cli.usage"``), and f-string
    ids as patterns (``f"cli.{key}.help"`` matches ``cli.sheet.help``)."""
    literals, patterns = set(), []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if id(node) in inside:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.startswith(TEXT_AREAS) and " " not in node.value:
                    literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and str(first.value).startswith(TEXT_AREAS):
                    parts = [
                        re.escape(str(v.value)) if isinstance(v, ast.Constant) else r"[\w.]+"
                        for v in node.values
                    ]
                    patterns.append(re.compile("".join(parts)))
    return literals, patterns


def _fields(template):
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_the_source_names_is_in_the_catalogue(lang):
    literals, _ = _keys_in_source()
    ids = set(messages(source(lang)))
    assert literals, "the scan found no message id"
    assert literals <= ids, sorted(literals - ids)


def test_every_text_of_the_catalogue_is_used_by_the_source():
    """No stale text: each id of the areas is named literally or matches an f-string id."""
    literals, patterns = _keys_in_source()
    ids = {key for key in messages(source("en")) if key.startswith(TEXT_AREAS)}
    unused = {k for k in ids - literals if not any(p.fullmatch(k) for p in patterns)}
    # Enum-like families read through a member's name (legend.due.<Due member>).
    unused -= {f"legend.due.{due.name}" for due in Due}
    assert not unused, sorted(unused)


def test_the_texts_have_the_same_placeholders_and_differ_in_each_language():
    vi, en = messages(source("vi")), messages(source("en"))
    assert set(vi) == set(en)
    for key in en:
        if key.startswith(TEXT_AREAS):
            assert _fields(vi[key]) == _fields(en[key]), key
            assert vi[key] != en[key], key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_formats_with_its_placeholders(lang):
    """A template that str.format cannot read (a stray brace) fails here, not in front of a user."""
    for key, template in messages(source(lang)).items():
        if key.startswith(TEXT_AREAS):
            values = dict.fromkeys(_fields(template), "x")
            assert isinstance(text(key, lang, **values), str), key
