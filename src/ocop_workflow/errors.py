"""The library's exceptions: one hierarchy under :class:`OcopError`.

Every message names the field and quotes the bad value, so an application can show it as is.
"""

from __future__ import annotations

__all__ = [
    "DefinitionError",
    "InvalidInput",
    "OcopError",
    "PermissionDenied",
    "TransitionNotAllowed",
]


class OcopError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidInput(OcopError, ValueError):
    """A value is malformed or out of range (a score of 104.5, an unknown sheet, a bad date).

    It is also a :class:`ValueError`, so callers may catch either.
    """


class TransitionNotAllowed(OcopError):
    """The operation is not allowed in the dossier's current state or at that level."""


class DefinitionError(OcopError, ValueError):
    """A rule set, transition table or schedule is inconsistent when it is defined."""


class PermissionDenied(OcopError):
    """The actor may not perform the operation: wrong role, or a unit the dossier does not lie
    in (see :mod:`ocop_workflow.access`). Nothing is changed."""
