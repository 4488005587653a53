from django.apps import AppConfig


class CamerasConfig(AppConfig):
    name = "cameras"
    verbose_name = "Cameras, reads and hits"
