from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "voice"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consent.signals import consent_revoked
        from conversations.speech import reply_voice_register
        from core.holders import DataHolder, holder_register
        from twins.services.build import voice_step_register
        from voice.cloning import voice_clone_step
        from voice.holders import voice_subject_holders_register
        from voice.panels import voice_panel_register
        from voice.receivers import voice_clones_delete_on_revocation
        from voice.services import voice_clones_count, voice_clones_erase, voice_clones_export
        from voice.speaking import Speaker

        holder_register(
            DataHolder(
                name="voice.clones",
                label="copies of your voice held by a voice provider",
                count=voice_clones_count,
                erase=voice_clones_erase,
                export=voice_clones_export,
                order=20,  # the remote copy goes before anything it was made from
            )
        )
        voice_step_register(voice_clone_step)  # the twin build's voice step makes the clone
        voice_subject_holders_register()
        voice_panel_register()
        reply_voice_register(Speaker())  # the twin speaks its replies (voice.speaking)
        consent_revoked.connect(
            voice_clones_delete_on_revocation, dispatch_uid="voice.clones_delete_on_revocation"
        )
