"""``panier db_worker``: django-tasks' database worker, at a lower CPU priority.

The worker usually shares its machine with ``panier serve``. Its tasks (the
confirmation e-mail and invoice PDF of a paid order, payment settlements)
can wait a few seconds; the customer waiting for a page cannot. So the
worker lowers its own scheduling priority before it starts (``nice``, 10 by
default, from ``PANIER_TASK_WORKER_NICE`` or ``--nice``): on an idle machine
it runs as fast as before, and while the web workers need every core it
takes only what they leave, then catches up once the rush is over. Every
task is still run: the queue is a table, so nothing is lost while it waits.
``--nice 0`` keeps the priority it was started with.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser

from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from panier.core.priority import lower_priority, niceness_increment


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background tasks (e-mails, invoice PDFs, payment settlements) at a lower CPU priority "
        "than the web server."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--nice",
            type=str,
            default=os.environ.get("PANIER_TASK_WORKER_NICE", "10"),
            help=(
                "How much lower than the web server the worker's CPU priority is, 0 to 19 "
                "(default 10, or PANIER_TASK_WORKER_NICE); 0 keeps the current priority."
            ),
        )

    def handle(self, *args, nice: str, **options) -> None:
        try:
            increment = niceness_increment(str(nice))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        niceness = lower_priority(increment)
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(f"Task worker running at niceness {niceness}.")
        super().handle(*args, **options)
