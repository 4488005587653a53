from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audits.checkpoints import checkpoint_sign, checkpoint_sign_all, create_key, key_id_of, public_key_bytes
from portal.models import City


class Command(BaseCommand):
    help = "Sign checkpoints of the audit chains (every city and the installation), or create the key."

    def add_arguments(self, parser):
        parser.add_argument("--city", metavar="SLUG", help="Sign one city's chain head only.")
        parser.add_argument(
            "--create-key", action="store_true", help="Create the Ed25519 key at STEWARD_CHECKPOINT_KEY_PATH."
        )

    def handle(self, *args, city=None, create_key=False, **options):
        if create_key:
            path = Path(settings.STEWARD_CHECKPOINT_KEY_PATH)
            if path.exists():
                raise CommandError(
                    f"{path} exists already; a new key would orphan every published checkpoint."
                )
            create_key_at(path)
            self.stdout.write(f"Created {path} (key id {key_id_of(public_key_bytes())}). Back it up.")
            return
        if city:
            found = City.objects.filter(slug=city).first()
            if found is None:
                raise CommandError(f"No city with slug {city!r}.")
            checkpoints = [checkpoint_sign(city=found, reason="manual")]
        else:
            checkpoints = checkpoint_sign_all(reason="manual")
        for checkpoint in checkpoints:
            self.stdout.write(
                f"{checkpoint.chain}: {checkpoint.entries} entries, head {checkpoint.head_hash}"
            )


create_key_at = create_key
