from consent.models.audit import AuditEvent
from consent.models.documents import ConsentDocument, ConsentRecord, ConsentScope
from consent.models.erasure import ErasureCertificate
from consent.models.keys import MemorialKey
from consent.models.tasks import ConsentBoundTask

__all__ = [
    "AuditEvent",
    "ConsentBoundTask",
    "ConsentDocument",
    "ConsentRecord",
    "ConsentScope",
    "ErasureCertificate",
    "MemorialKey",
]
