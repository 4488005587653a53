"""The public page's section on reviews and checkpoints (kept here so the portal view stays as it is)."""

import datetime as dt

from django import template

from audits.models import AuditEvent  # noqa: F401  (keeps the app's models loaded first)
from audits.reviews.models import Checkpoint
from audits.reviews.selectors import signed_reviews_public
from audits.services import chain_name

register = template.Library()


@register.inclusion_tag("audits/_public_reviews.html")
def public_reviews_and_checkpoints(city):
    checkpoints = Checkpoint.objects.filter(chain=chain_name(city)).order_by("-signed_at")[:10]
    return {
        "city": city,
        "reviews": signed_reviews_public(city=city),
        "checkpoints": list(checkpoints),
        "last_year": dt.date.today().year - 1,
        "this_year": dt.date.today().year,
    }
