"""ocop-workflow: Vietnam's OCOP ("Mỗi xã một sản phẩm") evaluation process as a library.

A :class:`Dossier` moves through the states of :class:`DossierState`, driven by a
:class:`Workflow` under a :class:`~ocop_workflow.rules.RuleSet` from :mod:`ocop_workflow.rulesets`.
"""

from ocop_workflow import rulesets
from ocop_workflow import serialization as _codec  # noqa: F401  (installs the codec of Dossier.to_dict)
from ocop_workflow.dossier import Certificate, Dossier, DossierKind, HistoryRecord, Location, Score
from ocop_workflow.errors import (
    DefinitionError,
    InvalidInput,
    OcopError,
    PermissionDenied,
    TransitionNotAllowed,
)
from ocop_workflow.rules import KnockOut, Level, RevocationReason, RuleSet
from ocop_workflow.states import DossierState
from ocop_workflow.workflow import Action, ActionName, ScoreResult, Workflow

__all__ = [
    "Action",
    "ActionName",
    "Certificate",
    "DefinitionError",
    "Dossier",
    "DossierKind",
    "DossierState",
    "HistoryRecord",
    "InvalidInput",
    "KnockOut",
    "Level",
    "Location",
    "OcopError",
    "PermissionDenied",
    "RevocationReason",
    "RuleSet",
    "Score",
    "ScoreResult",
    "TransitionNotAllowed",
    "Workflow",
    "rulesets",
]

__version__ = "0.1.0"
