from django.db import models


class Message(models.Model):
    """One Celery task call, written in the transaction of the data it is about.

    `sent_at` is set once the broker took it; rows still unsent are sent again by the sweeper. The
    Celery task id is `outbox-<id>`, so a task can tell a second delivery of the same message
    (`outbox.queueing.once`).
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk}"
