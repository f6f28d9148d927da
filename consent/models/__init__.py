from consent.models.audit import AuditEvent
from consent.models.documents import ConsentDocument, ConsentRecord, ConsentScope
from consent.models.keys import MemorialKey

__all__ = ["AuditEvent", "ConsentDocument", "ConsentRecord", "ConsentScope", "MemorialKey"]
