"""The twin's voice in conversations: replaying a spoken reply, and listening (speech to text)."""

from django.urls import URLPattern, path

from voice import speech_views

urlpatterns: list[URLPattern] = [
    path("replies/", speech_views.replies_view, name="replies"),
    path("line/", speech_views.line_audio_view, name="line"),
    path("replies/<int:seq>/audio/", speech_views.reply_audio_view, name="reply_audio"),
    path("speak/", speech_views.speak_toggle_view, name="speak"),
    path("listen/", speech_views.listen_view, name="listen"),
]
