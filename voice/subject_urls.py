"""The subject's voice pages: samples (upload, record, analysis) and the spoken consent."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
