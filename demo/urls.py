from django.urls import path

from demo import views

app_name = "demo"

urlpatterns = [
    path("memorials/<uuid:memorial_id>/demo/remove/", views.demo_remove_page, name="remove"),
]
