"""Every twins entry point gated by consent, for the consent test suite to import.

Each entry is (name, scope, callable(memorial) -> None); it must raise ConsentRequired when
the scope is not granted."""

from __future__ import annotations

from collections.abc import Callable

from twins.fidelity import fidelity_measure
from twins.models import BuildStatus, Twin, TwinVersion
from twins.services.build import twin_build_run
from twins.services.fidelity_requests import fidelity_report_start
from twins.services.versions import twin_build_retry, twin_build_start

CORPUS = "corpus"


def _version(memorial, *, status: str = BuildStatus.QUEUED) -> TwinVersion:
    twin, _ = Twin.objects.get_or_create(memorial=memorial)
    return TwinVersion.objects.create(twin=twin, number=1, status=status)


TWINS_ENTRY_POINTS: list[tuple[str, str, Callable[..., None]]] = [
    ("twins.twin_build_start", CORPUS,
     lambda m: twin_build_start(memorial_id=m.id, actor=m.subject)),
    ("twins.twin_build_run", CORPUS, lambda m: twin_build_run(version_id=_version(m).id)),
    ("twins.twin_build_retry", CORPUS, lambda m: twin_build_retry(
        version=_version(m, status=BuildStatus.FAILED), actor=m.subject
    )),
    ("twins.fidelity_report_start", CORPUS, lambda m: fidelity_report_start(
        twin=Twin.objects.get_or_create(memorial=m)[0], actor=m.subject
    )),
    ("twins.fidelity_measure", CORPUS, lambda m: fidelity_measure(memorial_id=m.id)),
]  # fmt: skip
