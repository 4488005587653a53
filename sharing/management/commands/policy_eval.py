from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sharing.policy.evaluation import run_evaluation


class Command(BaseCommand):
    help = "Run a JSONL file of search cases through the policy engine: decisions, misses, share right."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cases", type=Path, help="e.g. ../shared/policy-cases/dev.jsonl")

    def handle(self, *args: Any, cases: Path, **options: Any) -> None:
        if not cases.is_file():
            raise CommandError(f"No such file: {cases}")
        report = run_evaluation(cases, stdout=self.stdout)
        if not report.total:
            raise CommandError("The file holds no cases.")
        if report.misses or report.errors:
            raise CommandError(f"{len(report.misses)} miss(es), {len(report.errors)} unreadable line(s).")
