"""meetups_register() never confirms a newcomer while anyone is on the waiting list.

Free seats and waiting fans at once only exist for an instant inside a transaction that promotes
(meetups.capacity.change_capacity and every cancel promote under the same lock), but the rule is
the SQL's own as well: a newcomer joins the waiting list behind them. Everything else is as in
0004_register_function (same signature, same refusal codes).
"""

import importlib

from django.db import migrations

# Reversing restores the 0004 body.
PREVIOUS = importlib.import_module("meetups.migrations.0004_register_function").CREATE.replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
)

CREATE = r"""
CREATE OR REPLACE FUNCTION meetups_register(p_meetup bigint, p_fan bigint, p_answer text, p_code text, p_now timestamptz,
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
    -- A new query, so a new snapshot taken after the lock: see the docstring. Both subqueries are
    -- index-only (registration_state_order for the count, registration_strict_order for max).
    -- A fan who cancelled takes the same row again with a place at the end and a new ticket; a fan
    -- whose row is not cancelled gets no row back ('already').
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
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("meetups", "0005_fairness_and_changes")]

    operations = [migrations.RunSQL(CREATE, PREVIOUS)]
