from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from conversations.guardrails.panels import safety_panel_register
        from conversations.holders import conversations_holders_register
        from conversations.onboarding import conversations_onboarding_register
        from conversations.panels import conversations_panel_register

        conversations_holders_register()
        conversations_onboarding_register()
        conversations_panel_register()
        safety_panel_register()
