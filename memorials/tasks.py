from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def memorial_inactivity_check() -> dict[str, int]:
    """Daily (Celery beat): warn inactive subjects, then tell their stewards."""
    from memorials.inactivity import inactivity_check

    return inactivity_check()


@shared_task(acks_late=True)
def memorial_sunset_check() -> dict[str, int]:
    """Daily (Celery beat): close memorials whose sunset has come; erase where wished."""
    from memorials.sunset import sunset_check

    return sunset_check()
