"""The twin's rows: its versions and their build, the style portrait, the persona pack, and
the record of every call made to a language model."""

from twins.models.calls import LlmCall
from twins.models.fidelity import FidelityReport, FidelityStatus
from twins.models.persona import Exemplar, FactKind, FactOrigin, FactReview, PersonaFact
from twins.models.portrait import CorrectionKind, StyleCorrection, StylePortrait
from twins.models.twin import BuildStatus, Twin, TwinVersion

__all__ = [
    "BuildStatus",
    "CorrectionKind",
    "Exemplar",
    "FactKind",
    "FactOrigin",
    "FactReview",
    "FidelityReport",
    "FidelityStatus",
    "LlmCall",
    "PersonaFact",
    "StyleCorrection",
    "StylePortrait",
    "Twin",
    "TwinVersion",
]
