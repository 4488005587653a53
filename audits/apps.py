from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from audits import receivers  # noqa: F401  (auth events -> audit log)
