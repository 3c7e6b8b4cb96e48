"""`panier restore`: restore a backup, or rehearse one with --verify."""

import dj_database_url
from django.core.management.base import BaseCommand, CommandError

from panier.backups.database import Database
from panier.backups.services import backup_drill, backup_restore
from panier.core.errors import PanierError


class Command(BaseCommand):
    help = "Restore a backup into a fresh database, or check one with --verify."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            help="Destination URL to restore from (default: the first configured one that answers).",
        )
        parser.add_argument(
            "--archive", default="latest", help="Archive name (default: the latest one)."
        )
        parser.add_argument(
            "--database-url",
            help="Database to restore into (default: DATABASE_URL). It must be empty unless --force.",
        )
        parser.add_argument(
            "--media-root", help="Folder to restore the media into (default: MEDIA_ROOT)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that is not empty (it is kept under another name).",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Restore drill: restore into a scratch database, run the checks, drop it.",
        )

    def handle(self, *args, **options):
        try:
            if options["verify"]:
                drill = backup_drill(
                    source_url=options["source"], archive=options["archive"], report=self._report
                )
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Restore drill of {drill.archive} from {drill.source} passed "
                        f"in {drill.seconds:.1f} s."
                    )
                )
                return
            target = None
            if options["database_url"]:
                target = Database.from_settings(dj_database_url.parse(options["database_url"]))
            result = backup_restore(
                target=target,
                source_url=options["source"],
                archive=options["archive"],
                media_root=options["media_root"],
                force=options["force"],
                report=self._report,
            )
        except PanierError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {result.archive} from {result.source} into {result.target} "
                f"({result.media_files} media files) in {result.seconds:.1f} s."
                + (f" Applied {len(result.migrated)} newer migrations." if result.migrated else "")
            )
        )

    def _report(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
