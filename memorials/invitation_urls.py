from django.urls import path

from memorials import views

app_name = "invitations"

urlpatterns = [path("<str:token>/", views.invitation_show, name="show")]
