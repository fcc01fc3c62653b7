"""Reports per agent and per team (handled, first-answer and solution medians, satisfaction) and the
service level breach report per week, team and agent: grouped SQL, a fixed number of queries whatever
the number of tickets."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import User
from servicedesk.models import Rating, SlaEvent, Team, Ticket, TicketEvent


@dataclass(frozen=True)
class Row:
    key: int | None
    name: str
    handled: int
    response_median: datetime.timedelta | None
    resolution_median: datetime.timedelta | None
    rated: int
    helpful: int

    @property
    def helpful_rate(self) -> float | None:
        return self.helpful / self.rated if self.rated else None


_SQL = f"""
WITH handled AS (
  SELECT t.id, t.claimed_by_id AS agent, t.team_id AS team, t.escalated_at,
    (SELECT min(e.at) FROM {TicketEvent._meta.db_table} e WHERE e.ticket_id = t.id AND e.kind = 'answered') AS answered,
    (SELECT min(e.at) FROM {TicketEvent._meta.db_table} e
      WHERE e.ticket_id = t.id AND e.kind IN ('solved', 'auto_solved')) AS solved
  FROM {Ticket._meta.db_table} t
  WHERE t.escalated_at >= %s AND t.merged_into_id IS NULL
)
SELECT GROUPING(agent) = 0 AS by_agent, CASE WHEN GROUPING(agent) = 0 THEN agent ELSE team END AS key,
  count(*) FILTER (WHERE answered IS NOT NULL),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered - escalated_at)),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM solved - escalated_at))
FROM handled GROUP BY GROUPING SETS ((agent), (team))
"""


def _seconds(value) -> datetime.timedelta | None:
    return None if value is None else datetime.timedelta(seconds=round(value))


def per_agent_and_team(days: int = 30, now: datetime.datetime | None = None) -> tuple[list[Row], list[Row]]:
    """Tickets escalated in the last `days`: per agent (the holder) and per team; four queries."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [since])
        rows = cursor.fetchall()
    ratings = Rating.objects.filter(rated_at__gte=since, automatic=False)
    by_agent = {
        r["answered_by"]: r
        for r in ratings.values("answered_by").annotate(n=Count("pk"), yes=Count("pk", filter=Q(helpful=True)))
    }
    by_team = {
        r["ticket__team"]: r
        for r in ratings.values("ticket__team").annotate(n=Count("pk"), yes=Count("pk", filter=Q(helpful=True)))
    }
    agent_ids = {key for by, key, *_ in rows if by and key is not None} | {k for k in by_agent if k is not None}
    names = {u.pk: u.public_name for u in User.objects.filter(pk__in=agent_ids)}
    teams = {t.pk: t.label for t in Team.objects.all()}
    agents: list[Row] = []
    team_rows: list[Row] = []
    seen_agents: set = set()
    for by, key, handled, response, resolution in rows:
        if by:
            seen_agents.add(key)
            rated: dict = dict(by_agent.get(key, {}))
            name = names.get(key, "—") if key is not None else "—"
            agents.append(
                Row(
                    key, name, handled, _seconds(response), _seconds(resolution), rated.get("n", 0), rated.get("yes", 0)
                )
            )
        else:
            rated = dict(by_team.get(key, {}))
            name = teams.get(key, "—") if key is not None else "—"
            team_rows.append(
                Row(
                    key, name, handled, _seconds(response), _seconds(resolution), rated.get("n", 0), rated.get("yes", 0)
                )
            )
    agents.sort(key=lambda r: (-r.handled, r.name))
    team_rows.sort(key=lambda r: (-r.handled, r.name))
    return agents, team_rows


def breaches(weeks: int = 12, now: datetime.datetime | None = None) -> dict[str, list[tuple[str, int]]]:
    """Breaches of the last `weeks` per week, per team and per agent (three grouped counts)."""
    since = (now or timezone.now()) - datetime.timedelta(weeks=weeks)
    rows = SlaEvent.objects.filter(stage=SlaEvent.Stage.BREACH, at__gte=since)
    per_week = [
        (
            timezone.localtime(r["week"]).date().isoformat()
            if isinstance(r["week"], datetime.datetime)
            else str(r["week"]),
            r["n"],
        )
        for r in rows.annotate(week=TruncWeek("at")).values("week").annotate(n=Count("pk")).order_by("-week")
    ]
    teams = {t.pk: t.label for t in Team.objects.all()}
    per_team = [(teams.get(r["team"], "—"), r["n"]) for r in rows.values("team").annotate(n=Count("pk")).order_by("-n")]
    agent_rows = list(rows.values("agent").annotate(n=Count("pk")).order_by("-n"))
    names = {u.pk: u.public_name for u in User.objects.filter(pk__in=[r["agent"] for r in agent_rows if r["agent"]])}
    per_agent = [(names.get(r["agent"], "—"), r["n"]) for r in agent_rows]
    return {"week": per_week, "team": per_team, "agent": per_agent}
