from review.models.inspections import (
    Campaign,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAssignment,
    InspectionEvent,
    InspectionFile,
    InspectionMethod,
    InspectionResult,
    InspectionState,
    QualityControlSetting,
    Rectification,
)
from review.models.screening import (
    SchemeScreening,
    ScreeningCheck,
    ScreeningRuleSetting,
    ScreeningRun,
)

__all__ = [
    "Campaign",
    "ChecklistItem",
    "ChecklistTemplate",
    "Inspection",
    "InspectionAssignment",
    "InspectionEvent",
    "InspectionFile",
    "InspectionMethod",
    "InspectionResult",
    "InspectionState",
    "QualityControlSetting",
    "Rectification",
    "SchemeScreening",
    "ScreeningCheck",
    "ScreeningRuleSetting",
    "ScreeningRun",
]
