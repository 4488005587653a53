from django.db import models


class Role(models.TextChoices):
    CHIEF = "chief", "Chief"
    CLERK = "clerk", "Records clerk"
    DISPATCHER = "dispatcher", "Dispatcher"
    OFFICER = "officer", "Officer / investigator"
    AUDITOR = "auditor", "Auditor"
    PARTNER = "partner", "Partner agency user"

    @classmethod
    def city_roles(cls) -> list["Role"]:
        return [cls.CHIEF, cls.CLERK, cls.DISPATCHER, cls.OFFICER, cls.AUDITOR]
