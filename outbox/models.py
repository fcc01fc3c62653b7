from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One Celery task call, written in the transaction of the data it is about.

    `sent_at` is set once the broker took it; rows still unsent are sent again by the sweeper. The
    Celery task id is `outbox-<id>`, so a task can tell a second delivery of the same message
    (`outbox.queueing.once`).
    """

    task = models.CharField(max_length=200, verbose_name=_("task"))
    args = models.JSONField(default=list, verbose_name=_("arguments"))
    kwargs = models.JSONField(default=dict, verbose_name=_("keyword arguments"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent to the broker at"))
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk}"
