"""The Celery application. Queues: ``default``, ``recognition`` (GPU hosts), ``reviews``."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("steward")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("recognition"), Queue("reviews"))
app.autodiscover_tasks()
