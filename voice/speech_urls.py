"""The twin's voice in conversations: replaying a spoken reply, and listening (speech to text)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
