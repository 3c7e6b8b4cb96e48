"""The operator's backup page: last good backup and drill, red past the RPO."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from panier.backups.models import BackupRun, RunKind
from tests import factories


def run(kind, *, ago, ok=True, message=""):
    at = timezone.now() - ago
    return BackupRun.objects.create(
        kind=kind,
        started_at=at,
        finished_at=at,
        ok=ok,
        archive="panier-x.pbk",
        size_bytes=2048,
        message=message,
    )


@pytest.fixture(autouse=True)
def _plain_static(settings):
    """Pages render without a collected static manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff_client(client, db):
    factories.login_staff(client, factories.user(is_staff=True))
    return client


def test_fresh_backup_and_drill_show_green(staff_client, settings, django_assert_max_num_queries):
    """A backup within the RPO and a drill within the month show as up to date."""
    settings.PANIER_BACKUP_RPO_HOURS = 24
    run(RunKind.BACKUP, ago=timedelta(hours=3))
    run(RunKind.DRILL, ago=timedelta(days=5), message="tables: 35 tables")

    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("backups:dashboard"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Les sauvegardes et les tests de restauration sont à jour." in page
    assert page.count("backup-card backup-ok") == 2
    assert "tables: 35 tables" in page


def test_a_backup_older_than_the_rpo_turns_red(staff_client, settings):
    """Past the RPO the backup card is red and the page says action is needed."""
    settings.PANIER_BACKUP_RPO_HOURS = 24
    run(RunKind.BACKUP, ago=timedelta(hours=25))
    run(RunKind.BACKUP, ago=timedelta(hours=1), ok=False, message="s3://b: upload failed")
    run(RunKind.DRILL, ago=timedelta(days=1))

    page = staff_client.get(reverse("backups:dashboard")).content.decode()

    assert "Action requise" in page
    assert "backup-card backup-stale" in page
    assert "s3://b: upload failed" in page


def test_no_drill_yet_is_red(staff_client):
    """A shop that never rehearsed a restore is shown as late."""
    run(RunKind.BACKUP, ago=timedelta(minutes=5))

    page = staff_client.get(reverse("backups:dashboard")).content.decode()

    assert page.count("backup-card backup-stale") == 1
    assert "Pas encore." in page


def test_only_staff_see_the_page(client, db):
    """Anonymous visitors are sent to log in; customers get a 404."""
    url = reverse("backups:dashboard")

    anonymous = client.get(url)
    client.force_login(factories.user())
    customer = client.get(url)

    assert anonymous.status_code == 302
    assert customer.status_code == 404
