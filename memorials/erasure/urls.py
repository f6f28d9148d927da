from django.urls import path

from memorials.erasure import views

app_name = "rights"

urlpatterns = [
    path("memorials/<uuid:memorial_id>/erase/", views.erasure_start, name="erase"),
    path(
        "memorials/<uuid:memorial_id>/erase/confirm/", views.erasure_confirm, name="erase_confirm"
    ),
    path("memorials/<uuid:memorial_id>/export/", views.export_page, name="export"),
    path(
        "memorials/<uuid:memorial_id>/export/download/",
        views.export_download,
        name="export_download",
    ),
    path("erasures/<uuid:certificate_id>/", views.erasure_done, name="erased"),
    path(
        "erasures/<uuid:certificate_id>/certificate.json",
        views.erasure_certificate_download,
        name="certificate",
    ),
]
