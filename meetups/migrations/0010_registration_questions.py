"""Registration questions per meetup (Question, Answer); meetups_register() writes the answers.

The answers are inserted by the same statement that registers (the database function, in
autocommit), so they commit with the registration or not at all, and the meetup lock is held no
longer than before. The function gains a last argument `p_answers jsonb` (default NULL: write no
answers, as before): a JSON array of {"q": question id, "v": answer, "d": phone digits}. A fan who
cancelled and registers again gets their answers replaced. Event staff may manage the questions
and read the answers in the admin.
"""

import importlib

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# Reversing restores the 0006 body (five arguments, no answers).
PREVIOUS = (
    "DROP FUNCTION meetups_register(bigint, bigint, text, text, timestamptz, jsonb);"
    + importlib.import_module("meetups.migrations.0006_register_waiting_first").CREATE
)

CREATE = r"""
DROP FUNCTION meetups_register(bigint, bigint, text, text, timestamptz);
CREATE FUNCTION meetups_register(p_meetup bigint, p_fan bigint, p_answer text, p_code text, p_now timestamptz,
                                 p_answers jsonb DEFAULT NULL,
                                 OUT outcome text, OUT registration_id bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    m meetups_meetup%ROWTYPE;
BEGIN
    -- Wait at most 3 s for the lock (SQLSTATE 55P03 otherwise); reset when the transaction ends.
    PERFORM set_config('lock_timeout', '3s', true);
    SELECT * INTO m FROM meetups_meetup WHERE id = p_meetup FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'missing';
        RETURN;
    END IF;
    -- The same checks, in the same order, as Meetup.registration_closed_reason() in Python.
    outcome := CASE
        WHEN m.status = 'draft' THEN 'draft'
        WHEN m.status = 'cancelled' THEN 'cancelled'
        WHEN m.starts_at <= p_now OR m.status = 'finished' THEN 'past'
        WHEN m.status = 'closed' THEN 'closed'
        WHEN m.registration_opens_at IS NULL OR p_now < m.registration_opens_at THEN 'not_yet'
        WHEN m.registration_closes_at IS NOT NULL AND p_now >= m.registration_closes_at THEN 'closed'
    END;
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    -- As in 0006: a new query, so a new snapshot taken after the lock.
    INSERT INTO meetups_registration AS r
           (meetup_id, fan_id, state, "order", answer, ticket_code, created_at, confirmed_at)
    SELECT p_meetup, p_fan, s.state, s.next_order, p_answer, p_code, p_now,
           CASE WHEN s.state = 'confirmed' THEN p_now END
    FROM (SELECT CASE WHEN m.mode <> 'first_come' THEN 'applied'
                      WHEN NOT EXISTS (SELECT 1 FROM meetups_registration
                                       WHERE meetup_id = p_meetup AND state = 'waiting')
                       AND (SELECT count(*) FROM meetups_registration
                            WHERE meetup_id = p_meetup AND state = 'confirmed') < m.capacity THEN 'confirmed'
                      ELSE 'waiting' END AS state,
                 COALESCE((SELECT max("order") FROM meetups_registration WHERE meetup_id = p_meetup), 0) + 1
                   AS next_order) s
    ON CONFLICT (meetup_id, fan_id) DO UPDATE
       SET state = EXCLUDED.state, "order" = EXCLUDED."order", answer = EXCLUDED.answer,
           ticket_code = EXCLUDED.ticket_code, created_at = EXCLUDED.created_at,
           confirmed_at = EXCLUDED.confirmed_at, cancelled_at = NULL, draw_weight = NULL,
           checked_in_at = NULL, reminded_at = NULL
       WHERE r.state = 'cancelled'
    RETURNING r.id INTO registration_id;
    outcome := CASE WHEN registration_id IS NULL THEN 'already' ELSE 'ok' END;
    IF registration_id IS NOT NULL AND p_answers IS NOT NULL THEN
        -- The registration's answers, replaced (a fan registering again answers again).
        DELETE FROM meetups_answer a WHERE a.registration_id = meetups_register.registration_id;
        INSERT INTO meetups_answer (registration_id, question_id, value, digits)
        SELECT meetups_register.registration_id, (e->>'q')::bigint, e->>'v', COALESCE(e->>'d', '')
        FROM jsonb_array_elements(p_answers) e;
    END IF;
END
$$;
"""

# Event staff define the questions (inline on the meetup) and read the answers (on a registration).
CODENAMES = ["add_question", "change_question", "delete_question", "view_question", "view_answer"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("meetups")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Event staff")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="meetups", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Event staff").first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="meetups", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("meetups", "0009_checkin_window_and_late_reminder"),
    ]

    operations = [
        migrations.CreateModel(
            name="Question",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(max_length=200, verbose_name="question")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("text", "Short text"),
                            ("phone", "Phone number"),
                            ("choice", "Single choice"),
                            ("yes_no", "Yes or no"),
                        ],
                        default="text",
                        max_length=10,
                        verbose_name="kind of answer",
                    ),
                ),
                (
                    "options",
                    models.TextField(
                        blank=True,
                        help_text="Single choice only: one option per line.",
                        max_length=2000,
                        verbose_name="options",
                    ),
                ),
                ("required", models.BooleanField(default=True, verbose_name="required")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "meetup",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="meetups.meetup",
                        verbose_name="meetup",
                    ),
                ),
            ],
            options={
                "verbose_name": "registration question",
                "verbose_name_plural": "registration questions",
                "ordering": ["meetup", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="Answer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.CharField(max_length=300, verbose_name="answer")),
                ("digits", models.CharField(blank=True, editable=False, max_length=20, verbose_name="phone digits")),
                (
                    "registration",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="meetups.registration",
                        verbose_name="registration",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="meetups.question",
                        verbose_name="question",
                    ),
                ),
            ],
            options={
                "verbose_name": "answer",
                "verbose_name_plural": "answers",
                "ordering": ["registration", "question__position", "question_id"],
                "constraints": [
                    models.UniqueConstraint(fields=("registration", "question"), name="answer_once_per_question")
                ],
            },
        ),
        migrations.RunSQL(CREATE, PREVIOUS),
        migrations.RunPython(grant, revoke),
    ]
