from consent.models.documents import ConsentDocument, ConsentRecord, ConsentScope

__all__ = ["ConsentDocument", "ConsentRecord", "ConsentScope"]
