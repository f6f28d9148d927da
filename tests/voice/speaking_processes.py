"""Imported by a test's Celery worker (`--include`) and served by its uvicorn (as the ASGI
application): the speaking double registered in those processes too."""

from legacy.asgi import application  # Django set up first
from tests.voice.speaking_double import register_from_environment

register_from_environment()

__all__ = ["application"]
