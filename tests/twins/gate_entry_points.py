"""Every twins entry point gated by consent, for the consent test suite to import.

Each entry is (name, scope, callable(memorial) -> None); it must raise ConsentRequired when
the scope is not granted."""

from __future__ import annotations

from collections.abc import Callable

from twins.models import BuildStatus, Twin, TwinVersion
from twins.services.build import twin_build_run
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
]  # fmt: skip
