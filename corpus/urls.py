from django.urls import path

from corpus import views

app_name = "corpus"

urlpatterns = [
    path("", views.corpus_index, name="index"),
    path("uploads/", views.upload_new, name="upload"),
    path("uploads/<uuid:upload_id>/delete/", views.upload_remove, name="upload_delete"),
    path("uploads/<uuid:upload_id>/retry/", views.upload_again, name="upload_retry"),
    path("identities/", views.identity_new, name="identity_add"),
    path("identities/<int:identity_id>/delete/", views.identity_delete, name="identity_delete"),
    path("people/", views.correspondent_new, name="correspondent_add"),
    path(
        "people/<int:correspondent_id>/delete/",
        views.correspondent_delete,
        name="correspondent_delete",
    ),
    path("documents/", views.document_list, name="documents"),
    path(
        "documents/<uuid:document_id>/register/",
        views.document_register,
        name="document_register",
    ),
    path("documents/<uuid:document_id>/delete/", views.document_remove, name="document_delete"),
    path("passages/", views.passage_list, name="passages"),
    path("passages/<int:passage_id>/delete/", views.passage_remove, name="passage_delete"),
    path("deleted/<uuid:deletion_id>/undo/", views.deletion_undo, name="deletion_undo"),
]
