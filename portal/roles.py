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


# Role sets, defined once: who does what among a city's staff.
SEARCH_ROLES: tuple[Role, ...] = (Role.OFFICER, Role.CHIEF)  # search the city's reads, make lookups
MANAGER_ROLES: tuple[Role, ...] = (Role.CHIEF, Role.CLERK)  # cameras, hotlists, agreement drafts
HIT_HANDLER_ROLES: tuple[Role, ...] = (Role.DISPATCHER, Role.CHIEF)  # live hits and their dispositions
CASE_READER_ROLES: tuple[Role, ...] = (Role.CLERK, Role.AUDITOR, Role.CHIEF)  # revocation cases
CASE_OPENER_ROLES: tuple[Role, ...] = (Role.CLERK, Role.AUDITOR, Role.CHIEF)  # the chief may open one too
AGREEMENT_READER_ROLES: tuple[Role, ...] = (Role.CLERK, Role.CHIEF, Role.AUDITOR)
AGREEMENT_EDITOR_ROLES: tuple[Role, ...] = MANAGER_ROLES
AUDIT_READER_ROLES: tuple[Role, ...] = (Role.AUDITOR, Role.CHIEF)
# Staff who see camera pages and hotlists (counts and lists, never plates): everyone but the auditor.
OPERATIONS_ROLES: tuple[Role, ...] = (Role.CHIEF, Role.CLERK, Role.DISPATCHER, Role.OFFICER)
# Who decides a held search of the city's own officers (a partner's: its agency's named supervisor).
HOLD_DECIDER_ROLES: tuple[Role, ...] = (Role.CHIEF,)
