"""Labels in Vietnamese and English for the enums a user sees, read through the stdlib ``gettext``.

``label(DossierState.CERTIFIED, "vi")`` is "Đã công nhận". The message catalogues ship in the
package: ``locale/<lang>/LC_MESSAGES/ocop_workflow.po`` are the sources (managed with Babel, a
build and test dependency only) and the ``.mo`` files beside them are compiled from them
(``pybabel compile -d src/ocop_workflow/locale -D ocop_workflow``). At run time only ``gettext``
reads them, so the core install stays light.

Message ids are stable: ``"<EnumClass>.<MEMBER>"`` for an enum member (``"DossierState.CERTIFIED"``,
the member's name, which does not change when its stored value does), ``"<area>.<key>"`` for other
texts (``"diagram.only_in"``). The Vietnamese wording follows the decisions' own terms (hồ sơ,
chủ thể, Hội đồng đánh giá, công nhận, thu hồi, đánh giá lại, nâng hạng; facts page sections 3, 4
and 6).

This module imports nothing from the rest of the library, so any module may use it (the enums'
``vi`` properties read it lazily) without an import cycle.
"""

from __future__ import annotations

import enum
import functools
import gettext
from importlib import resources

from ocop_workflow.errors import InvalidInput

__all__ = ["DOMAIN", "LANGUAGES", "Labelled", "checked_language", "label", "message_id", "text"]

DOMAIN = "ocop_workflow"
"""The gettext domain: the catalogues' file name."""

LANGUAGES = ("vi", "en")
"""The languages of the shipped catalogues, Vietnamese first: the officials read it first."""


class _Missing(gettext.NullTranslations):
    """The catalogues' fallback: a message id without a translation is an error, never shown."""

    def gettext(self, message: str) -> str:
        raise KeyError(message)


@functools.cache
def _catalogue(lang: str) -> gettext.GNUTranslations:
    entry = resources.files("ocop_workflow") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with entry.open("rb") as stream:
        catalogue = gettext.GNUTranslations(stream)
    catalogue.add_fallback(_Missing())
    return catalogue


def checked_language(lang: object, field: str = "lang") -> str:
    """``lang`` if it is one of :data:`LANGUAGES`; otherwise an :class:`InvalidInput` naming
    ``field`` and the value."""
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise InvalidInput(f"{field!r} must be one of {', '.join(LANGUAGES)} (got {lang!r})")
    return lang


def message_id(member: enum.Enum) -> str:
    """The stable message id of an enum member: ``"DossierState.CERTIFIED"``."""
    if not isinstance(member, enum.Enum):
        raise InvalidInput(f"'member' must be an enum member (got {member!r})")
    return f"{type(member).__name__}.{member.name}"


def label(member: enum.Enum, lang: str) -> str:
    """The label of ``member`` in ``lang`` (``"vi"`` or ``"en"``).

    :class:`InvalidInput` naming the language when it is neither, or naming the member when the
    catalogues have no label for it (an enum of another library).
    """
    key = message_id(member)
    try:
        return _catalogue(checked_language(lang)).gettext(key)
    except KeyError:
        raise InvalidInput(f"'member' {key} has no label in {lang!r}") from None


def text(key: str, lang: str, **values: object) -> str:
    """The text of message ``key`` in ``lang``, its ``{placeholders}`` filled from ``values``.

    For the user-facing texts that are not enum members (``text("diagram.only_in", "vi",
    regime="QD148_2023")``); :class:`InvalidInput` for an unknown key or a missing value.
    """
    if not isinstance(key, str):
        raise InvalidInput(f"'key' must be a message id (got {key!r})")
    try:
        template = _catalogue(checked_language(lang)).gettext(key)
    except KeyError:
        raise InvalidInput(f"'key' {key!r} is not a message of the catalogues") from None
    try:
        return template.format(**values)
    except (KeyError, IndexError) as error:
        raise InvalidInput(f"message {key!r} needs the value {error} (got {values!r})") from None


class Labelled:
    """Mixin of the enums a user sees: ``.vi`` and ``.en`` read the catalogues (:func:`label`),
    one definition for every such enum."""

    __slots__ = ()

    @property
    def vi(self) -> str:
        """Vietnamese label (:func:`label`)."""
        return label(self, "vi")  # type: ignore[arg-type]

    @property
    def en(self) -> str:
        """English label (:func:`label`)."""
        return label(self, "en")  # type: ignore[arg-type]
