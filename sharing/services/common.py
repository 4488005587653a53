"""Pieces shared by the sharing use cases: their errors and the role check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from portal.models import City, User
from portal.roles import AGREEMENT_EDITOR_ROLES, Role
from sharing import policy as engine

AGREEMENT_EDITORS = AGREEMENT_EDITOR_ROLES


class PolicyRefusal(Exception):
    """The policy engine refused an agreement; the refusal has been audited."""

    def __init__(self, decision: engine.Decision):
        self.decision = decision
        super().__init__(f"{decision.rule}: {decision.message}")


class AgreementStateError(Exception):
    """The agreement is not in a state (or shape) that allows this transition. Nothing changed."""


def require_city_role(user: User, city: City, *roles: Role) -> None:
    if not user.has_city_role(city, *roles):
        raise PermissionDenied("Your role does not allow this.")
