"""``panier audit verify``: prove that nobody changed the audit log behind the application."""

from django.core.management.base import BaseCommand, CommandError

from panier.audit.selectors import audit_verify
from panier.audit.services import audit_key


class Command(BaseCommand):
    help = "Check the audit log's hash chains; fails if an entry was changed, removed or inserted."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Recompute every chain and compare it with the stored hashes.")

    def handle(self, *args, **options):
        def progress(chain: str, rows: int) -> None:
            self.stdout.write(f"  {chain}: {rows} entries checked…")

        reports = audit_verify(key=audit_key(), progress=progress)
        broken = 0
        for report in reports:
            if report.problems:
                broken += 1
                self.stdout.write(f"{report.key}: {report.rows} entries, {len(report.problems)} problem(s)")
                for problem in report.problems[:50]:
                    self.stdout.write(f"  entry {problem.pk} (#{problem.seq}): {problem.reason}")
            else:
                self.stdout.write(f"{report.key}: {report.rows} entries, intact")
        total = sum(r.rows for r in reports)
        if broken:
            raise CommandError(f"audit log tampered with: {broken} of {len(reports)} chain(s) broken")
        self.stdout.write(self.style.SUCCESS(f"{len(reports)} chain(s), {total} entries: all intact"))
