"""`panier backup`: back up the database and media to every destination."""

from django.core.management.base import BaseCommand, CommandError

from panier.backups.errors import BackupError
from panier.backups.services import backup_create, backup_drill, drill_due


class Command(BaseCommand):
    help = "Back up the database and media, encrypted, to every configured destination."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-drill",
            action="store_true",
            help="Do not run the restore drill even when one is due.",
        )

    def handle(self, *args, **options):
        report = self._report
        try:
            result = backup_create(report=report)
        except BackupError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        failed = [o for o in result.outcomes if not o.ok]
        if failed:
            for outcome in failed:
                self.stderr.write(f"FAILED {outcome.error}")
            raise CommandError(
                f"Backup {result.archive} reached {len(result.outcomes) - len(failed)} of "
                f"{len(result.outcomes)} destinations.",
                returncode=3,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup {result.archive} ({result.size_bytes // 1024} KiB) stored in "
                f"{len(result.outcomes)} places in {result.seconds:.1f} s."
            )
        )
        if not options["no_drill"] and drill_due():
            remote = [o.url for o in result.outcomes if not o.url.startswith("file:")]
            source = remote[0] if remote else result.outcomes[0].url
            report(f"A restore drill is due: restoring {result.archive} from {source}…")
            try:
                drill = backup_drill(source_url=source, archive=result.archive, report=report)
            except BackupError as exc:
                raise CommandError(exc.message, returncode=4) from exc
            self.stdout.write(self.style.SUCCESS(f"Restore drill passed in {drill.seconds:.1f} s."))

    def _report(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
