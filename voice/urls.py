"""The voice pages, under /memorials/<uuid>/voice/: the subject's samples and spoken consent
(`voice.subject_urls`), and the twin's speech and listening in conversations
(`voice.speech_urls`)."""

from voice.speech_urls import urlpatterns as speech_urlpatterns
from voice.subject_urls import urlpatterns as subject_urlpatterns

app_name = "voice"

urlpatterns = [*subject_urlpatterns, *speech_urlpatterns]
