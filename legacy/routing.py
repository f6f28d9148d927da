from django.urls import path

from conversations.consumers import ConversationConsumer
from memorials.consumers import MemorialEventsConsumer

websocket_urlpatterns = [
    path("ws/memorials/<uuid:memorial_id>/events/", MemorialEventsConsumer.as_asgi()),
    path("ws/memorials/<uuid:memorial_id>/conversation/", ConversationConsumer.as_asgi()),
]
