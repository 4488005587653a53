from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing, search and revocation"

    def ready(self) -> None:
        # Sharing listens to the cameras app below it (which never imports sharing).
        from cameras import hooks
        from sharing.hotlist_screen import refuse_immigration_entries, refuse_immigration_hotlists
        from sharing.services.alerts import partner_alerts_on_hits

        hooks.hits_committed.subscribe(partner_alerts_on_hits)
        hooks.hotlist_screens.subscribe(refuse_immigration_hotlists)
        hooks.hotlist_entry_screens.subscribe(refuse_immigration_entries)
