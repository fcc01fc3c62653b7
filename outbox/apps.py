from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Queued work")

    def ready(self):
        from celery.signals import worker_init

        from outbox.tasks import sweep_after_worker_start

        # A worker that (re)starts sweeps up what could not be sent while the broker was away.
        worker_init.connect(sweep_after_worker_start, weak=False, dispatch_uid="outbox.sweep_on_worker_start")
