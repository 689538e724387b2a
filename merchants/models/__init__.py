"""The merchants app's models, one module per sub-domain; every name is importable from here
(migrations and the other apps use `merchants.models.X`)."""

from merchants.models.accounts import Invitation, Membership, User
from merchants.models.audit import AuditEntry
from merchants.models.county_changes import CountyChangeRequest
from merchants.models.declarations import (
    CLOSED_DECLARATION_STATES,
    REVIEW_QUEUE_OPEN_STATES,
    Declaration,
    DeclarationDocument,
    DeclarationEvent,
    DeclarationState,
    declaration_upload_path,
)
from merchants.models.external import (
    EXTERNAL_SOURCES,
    ColdChainRecord,
    ExternalRecord,
    FoodChainRecord,
    PenaltyRecord,
    QualityRecord,
    RegistryRecord,
)
from merchants.models.files import StoredFile
from merchants.models.merchants import Industry, Merchant, Permit, new_public_code
from merchants.models.notifications import Notification
from merchants.models.pools import Pool
from merchants.models.regions import Region
from merchants.models.reports import CheckedReport
from merchants.models.schemes import Commitment, RequiredDocument, Scheme
from merchants.models.stations import Station

__all__ = [
    "CLOSED_DECLARATION_STATES",
    "EXTERNAL_SOURCES",
    "REVIEW_QUEUE_OPEN_STATES",
    "AuditEntry",
    "CheckedReport",
    "ColdChainRecord",
    "Commitment",
    "CountyChangeRequest",
    "Declaration",
    "DeclarationDocument",
    "DeclarationEvent",
    "DeclarationState",
    "ExternalRecord",
    "FoodChainRecord",
    "Industry",
    "Invitation",
    "Membership",
    "Merchant",
    "Notification",
    "PenaltyRecord",
    "Permit",
    "Pool",
    "QualityRecord",
    "Region",
    "RegistryRecord",
    "RequiredDocument",
    "Scheme",
    "Station",
    "StoredFile",
    "User",
    "declaration_upload_path",
    "new_public_code",
]
