from django.core.management.base import BaseCommand, CommandError

from audits.services import audit_verify_all, audit_verify_chain
from portal.models import City


class Command(BaseCommand):
    help = "Verify the audit log's hash chains and name the first broken entry of each."

    def add_arguments(self, parser):
        parser.add_argument("--city", metavar="SLUG", help="Verify one city's chain only.")
        parser.add_argument(
            "--record", action="store_true", help="Also record each result as an audit.verified event."
        )

    def handle(self, *args, city=None, record=False, **options):
        if city:
            found = City.objects.filter(slug=city).first()
            if found is None:
                raise CommandError(f"No city with slug {city!r}.")
            results = [audit_verify_chain(city=found)]
        else:
            results = audit_verify_all(record=record)
        broken = 0
        for result in results:
            label = str(result.city) if result.city else "installation"
            if result.ok:
                self.stdout.write(f"OK      {label}: {result.entries} entries")
            else:
                broken += 1
                event = result.first_broken
                if event is None:
                    self.stdout.write(f"BROKEN  {label}: {result.problem}")
                    continue
                self.stdout.write(
                    f"BROKEN  {label}: entry {event.sequence} ({event.public_id}, {event.event_type}, "
                    f"{event.occurred_at.isoformat()}): {result.problem}"
                )
        if broken:
            raise CommandError(f"{broken} chain(s) broken.")
