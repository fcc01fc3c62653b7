"""Celery work in the admin: the outbox, and the periodic tasks (django-celery-beat) with their names in
the reader's language.

Who edits the schedules: the Operations group (accounts/roles.py) may change when a periodic task runs
and whether it is enabled; what it runs (the task, its arguments, its routing) stays with superusers,
since a task with arguments of one's choosing is any write the site can make.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import ClockedScheduleAdmin as BaseClockedScheduleAdmin
from django_celery_beat.admin import CrontabScheduleAdmin as BaseCrontabScheduleAdmin
from django_celery_beat.admin import PeriodicTaskAdmin as BasePeriodicTaskAdmin
from django_celery_beat.admin import PeriodicTaskForm, PeriodicTaskInline
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from outbox.models import Message

# The names the apps' migrations give their periodic tasks (and celery's own), so that they are in the
# catalogue; a row keeps its name as the key migrations find it by, and staff read `gettext(name)`.
TASK_NAMES = [
    gettext_noop("Accounts: mail the digests that are due"),
    gettext_noop("Forum: add counted views to threads"),
    gettext_noop("Forum: club boards for new cities"),
    gettext_noop("Forum: purge drafts untouched for 30 days"),
    gettext_noop("Forum: rank the hot threads"),
    gettext_noop("Meetups: nightly city ranking"),
    gettext_noop("Meetups: schedule the fortnightly meetup"),
    gettext_noop("Meetups: reminders for tomorrow"),
    gettext_noop("Meetups: mark no-shows after meetups"),
    gettext_noop("Meetups: pass on late seats not confirmed in time"),
    gettext_noop("Meetups: remind fans to confirm a late seat"),
    gettext_noop("Outbox: send queued work the broker missed"),
    gettext_noop("Service desk: triage feedback the queue missed"),
    gettext_noop("Service desk: weekly activity rate"),
    gettext_noop("Service desk: solve answered items the fan did not reply to"),
    gettext_noop("Service desk: alert the desk group about items past their thresholds"),
    gettext_noop("celery.backend_cleanup"),
]

# django-celery-beat's own words its Chinese catalogue leaves in English: translated in ours.
BEAT_WORDS = [
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
    gettext_noop("Periodic Tasks Using This Schedule"),
    gettext_noop("Task (custom)"),
]

# What only superusers change on a periodic task: what it runs and where it goes.
WHAT_IT_RUNS = ["name", "task", "args", "kwargs", "queue", "exchange", "routing_key", "priority", "headers"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "created_at", "sent_at", "done_at"]
    list_filter = ["task"]
    readonly_fields = ["task", "args", "kwargs", "created_at", "sent_at", "done_at"]

    def has_add_permission(self, request):
        return False


class ScheduleForm(PeriodicTaskForm):
    """The form without the task fields: its checks of them do not apply."""

    def clean(self):
        return forms.ModelForm.clean(self)


class _Names:
    """A periodic task's name in the reader's language, and its task (whose field has an English label)."""

    @admin.display(description=_("name"), ordering="name")
    def label(self, task):
        return gettext(task.name)

    @admin.display(description=_("task"))
    def task_path(self, task):
        return task.task


class TasksInline(_Names, PeriodicTaskInline):
    fields = ["label", "task_path", "args", "kwargs"]
    readonly_fields = fields


class TaskFilter(admin.AllValuesFieldListFilter):
    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("task")


for model in (PeriodicTask, CrontabSchedule, IntervalSchedule, SolarSchedule, ClockedSchedule):
    admin.site.unregister(model)


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(BaseCrontabScheduleAdmin):
    list_display = ["__str__", "in_words"]
    fields = ["in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"]
    readonly_fields = ["in_words"]
    inlines = [TasksInline]

    @admin.display(description=_("in words"))
    def in_words(self, crontab):
        return crontab.human_readable


@admin.register(IntervalSchedule, SolarSchedule)
class ScheduleAdmin(admin.ModelAdmin):
    inlines = [TasksInline]


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(BaseClockedScheduleAdmin):
    inlines = [TasksInline]


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(_Names, BasePeriodicTaskAdmin):
    list_display = ["label", "enabled", "schedule", "start_time", "last_run_at", "one_off"]
    list_filter = ["enabled", "one_off", ("task", TaskFilter), "start_time", "last_run_at"]

    @admin.display(description=_("schedule"))
    def schedule(self, task):
        return task.scheduler

    @admin.display(description=_("in words"))
    def crontab_translation(self, task):
        return task.crontab.human_readable if task.crontab_id else "—"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        (title, options), *rest = fieldsets
        shown = {"name": "label", "task": "task_path"}
        fields = [shown.get(name, name) for name in options["fields"] if name != "regtask"]
        return [(title, {**options, "fields": fields}), *rest]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        return [*readonly, "label", "task_path", *WHAT_IT_RUNS]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not request.user.is_superuser:
            kwargs["form"] = ScheduleForm
        return super().get_form(request, obj, change, **kwargs)
