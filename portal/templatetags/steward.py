"""Template filters that turn stored codes into words (see ``portal.labels``)."""

from collections.abc import Iterable
from typing import Any

from django import forms, template

from portal import labels

register = template.Library()

register.filter("offense_label", labels.offense_label)
register.filter("rule_label", labels.rule_label)
register.filter("event_label", labels.event_label)
register.filter("outcome_label", labels.outcome_label)
register.filter("humanize_code", labels.humanize_code)
register.filter("detail_items", labels.detail_items)


@register.filter
def sum_of(values: Iterable[int] | None) -> int:
    return sum(values or [])


@register.simple_tag
def chart_list(activity: dict[str, Any], *names: str) -> list[tuple[str, str, Any]]:
    """[(name, title, series)] for ``_charts.html``."""
    titles = {"reads": "Reads per day", "searches": "Searches per day", "hits": "Hotlist hits per day"}
    return [(name, titles.get(name, name), activity.get(name, {})) for name in names]


@register.filter
def is_multiple_choice(bound_field: forms.BoundField) -> bool:
    return isinstance(bound_field.field.widget, (forms.CheckboxSelectMultiple, forms.RadioSelect))


@register.filter
def form_sections(form: forms.BaseForm) -> list[tuple[str, str, list[forms.BoundField]]]:
    """[(legend, hint, [bound fields])]: the form's ``fieldsets``, then any field they leave out."""
    sections: list[tuple[str, str, list[forms.BoundField]]] = []
    placed: set[str] = set()
    for legend, hint, names in getattr(form, "fieldsets", []):
        fields = [form[name] for name in names if name in form.fields]
        placed.update(names)
        if fields:
            sections.append((legend, hint, fields))
    rest = [form[name] for name in form.fields if name not in placed]
    if rest:
        sections.append(("", "", rest))
    return sections
