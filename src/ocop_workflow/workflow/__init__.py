"""The workflow, by job: the operations (:mod:`.operations`), the timeline of regimes
(:mod:`.timeline`), deadlines (:mod:`.deadlines`), scores from sheets (:mod:`.results`), what
may happen next (:mod:`.actions`) and replay (:mod:`.replay`)."""

from ocop_workflow.workflow.actions import Action, ActionName
from ocop_workflow.workflow.operations import Workflow
from ocop_workflow.workflow.results import ScoreResult

__all__ = ["Action", "ActionName", "ScoreResult", "Workflow"]
