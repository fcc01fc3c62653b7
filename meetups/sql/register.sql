-- meetups_register: a fan registers for a meetup in one statement (meetups/registration.py calls it).
--
-- Takes the meetup's row lock, repeats Meetup.registration_closed_reason() (tests/meetups/test_open_rule.py
-- checks that they agree), counts and inserts, and writes the answers to the meetup's questions.
-- Migrations load this file (meetups/migrations/0011_register_function_from_file.py); a change here
-- needs a new migration that loads it again, and tests/meetups/test_register_sql.py checks that
-- the database runs what this file says.
--
-- Guests (migration 0016): a fan may bring up to `max_guests` guests (p_guests); each confirmed
-- registration takes 1 + guests seats, and a newcomer is confirmed only if all of them fit.
-- The signature before guests is dropped first, so no overload is left behind.
DROP FUNCTION IF EXISTS meetups_register(bigint, bigint, text, text, timestamptz, jsonb);
CREATE OR REPLACE FUNCTION meetups_register(p_meetup bigint, p_fan bigint, p_answer text, p_code text, p_now timestamptz,
                                 p_answers jsonb DEFAULT NULL, p_guests integer DEFAULT 0,
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
    IF p_guests < 0 OR p_guests > m.max_guests THEN
        outcome := 'guests';
        RETURN;
    END IF;
    -- As in 0006: a new query, so a new snapshot taken after the lock.
    INSERT INTO meetups_registration AS r
           (meetup_id, fan_id, state, "order", answer, ticket_code, created_at, confirmed_at, guests)
    SELECT p_meetup, p_fan, s.state, s.next_order, p_answer, p_code, p_now,
           CASE WHEN s.state = 'confirmed' THEN p_now END, p_guests
    FROM (SELECT CASE WHEN m.mode <> 'first_come' THEN 'applied'
                      WHEN NOT EXISTS (SELECT 1 FROM meetups_registration
                                       WHERE meetup_id = p_meetup AND state = 'waiting')
                       AND (SELECT COALESCE(sum(1 + guests), 0) FROM meetups_registration
                            WHERE meetup_id = p_meetup AND state = 'confirmed') + 1 + p_guests <= m.capacity
                      THEN 'confirmed'
                      ELSE 'waiting' END AS state,
                 COALESCE((SELECT max("order") FROM meetups_registration WHERE meetup_id = p_meetup), 0) + 1
                   AS next_order) s
    ON CONFLICT (meetup_id, fan_id) DO UPDATE
       SET state = EXCLUDED.state, "order" = EXCLUDED."order", answer = EXCLUDED.answer,
           ticket_code = EXCLUDED.ticket_code, created_at = EXCLUDED.created_at,
           confirmed_at = EXCLUDED.confirmed_at, cancelled_at = NULL, draw_weight = NULL,
           checked_in_at = NULL, reminded_at = NULL, guests = EXCLUDED.guests
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
