"""Errors of backups and restores, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from panier.core.errors import Conflict, PanierError


class BackupError(PanierError):
    code = "backup_error"
    status = 500
    default_message = _("The backup could not be completed.")


class BackupKeyMissing(BackupError):
    code = "backup_key_missing"
    default_message = _(
        "No backup key: set PANIER_BACKUP_KEY or put the key in the file named by "
        "PANIER_BACKUP_KEY_FILE."
    )


class DestinationInvalid(BackupError):
    code = "backup_destination_invalid"
    status = 400
    default_message = _("A backup destination is not a valid URL.")


class DestinationFailed(BackupError):
    code = "backup_destination_failed"
    default_message = _("A backup destination could not be written or read.")


class ArchiveNotFound(BackupError):
    code = "backup_archive_not_found"
    status = 404
    default_message = _("No backup archive was found.")


class ArchiveCorrupt(BackupError):
    code = "backup_archive_corrupt"
    default_message = _("The backup archive is damaged or was altered.")


class WrongKey(BackupError):
    code = "backup_wrong_key"
    default_message = _("The backup key does not open this archive.")


class SchemaTooNew(BackupError):
    code = "backup_schema_too_new"
    default_message = _(
        "This archive was made by a newer version of Panier; upgrade Panier, then restore."
    )


class TargetNotEmpty(Conflict):
    code = "backup_target_not_empty"
    default_message = _(
        "The target database is not empty; restore into a fresh database or pass --force."
    )


class DrillFailed(BackupError):
    code = "backup_drill_failed"
    default_message = _("The restore drill found differences with the backup.")
