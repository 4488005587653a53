from django.apps import AppConfig


class CamerasConfig(AppConfig):
    name = "cameras"
    verbose_name = "Cameras, reads and hits"

    def ready(self) -> None:
        from cameras import hooks, live

        hooks.hits_committed.subscribe(live.push_hits_to_dispatchers)
