from django.urls import path

from memorials.consumers import MemorialEventsConsumer

websocket_urlpatterns = [
    path("ws/memorials/<uuid:memorial_id>/events/", MemorialEventsConsumer.as_asgi()),
]
