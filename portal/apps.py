from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Steward portal"

    def ready(self) -> None:
        from portal.public import connect_invalidation

        connect_invalidation()
