"""The ratings models, one module per sub-domain; every model is importable from here (and the
migrations refer to these names)."""

from merchants.models import Pool
from ratings.models.appeals import Appeal
from ratings.models.evaluation import Evaluation, EvaluationRun, Trigger, TriggerKind
from ratings.models.files import RatingFile, rating_file_path
from ratings.models.nominations import Nomination
from ratings.models.policy import EvaluationPolicy, default_credit_deductions, default_star_bands
from ratings.models.pools import (
    APPEALABLE_REASONS,
    IN_PROGRAMME,
    TRANSITIONS,
    PoolChange,
    ReasonCode,
    Standing,
)
from ratings.models.warnings import WarningRectification

__all__ = [
    "APPEALABLE_REASONS",
    "IN_PROGRAMME",
    "TRANSITIONS",
    "Appeal",
    "Evaluation",
    "EvaluationPolicy",
    "EvaluationRun",
    "Nomination",
    "Pool",
    "PoolChange",
    "RatingFile",
    "ReasonCode",
    "Standing",
    "Trigger",
    "TriggerKind",
    "WarningRectification",
    "default_credit_deductions",
    "default_star_bands",
    "rating_file_path",
]
