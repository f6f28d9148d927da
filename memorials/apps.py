from django.apps import AppConfig


class MemorialsConfig(AppConfig):
    name = "memorials"
    default_auto_field = "django.db.models.BigAutoField"
