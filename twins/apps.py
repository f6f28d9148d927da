from django.apps import AppConfig


class TwinsConfig(AppConfig):
    name = "twins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.holders import DataHolder, holder_register
        from twins.services import llm_calls_count, llm_calls_erase

        holder_register(
            DataHolder(
                name="twins.llm_calls",
                label="records of calls to a language model for your twin (token counts only)",
                count=llm_calls_count,
                erase=llm_calls_erase,
            )
        )
