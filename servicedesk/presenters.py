"""Turn the insights figures into what the template draws: charts and the numbers beside them."""

from django.utils.translation import gettext as _

from accounts.models import City
from fancity.lib import charts
from forum.models import FeedbackKind
from servicedesk import insights
from servicedesk.models import Rule


def segment_labels() -> dict[str, str]:
    return {
        "new": _("New (joined in the last 30 days)"),
        "active": _("Active (last 30 days)"),
        "dormant": _("Dormant (30+ days)"),
        "core_testers": _("Core testers"),
        "meetup_attendees": _("Meetup attendees"),
    }


def _label(day) -> str:
    return day.strftime("%m-%d")


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def insights_context(city: City | None, target: int) -> dict:
    feedback = insights.feedback_per_day(city=city)
    labels = [_label(d) for d in feedback.days]
    kinds = list(FeedbackKind)
    feedback_chart = charts.stacked_columns(
        labels, [(f"kind-{k.value}", [feedback.by_kind[d][k.value] for d in feedback.days]) for k in kinds]
    )
    kind_totals = [(k.value, k.label, sum(feedback.by_kind[d][k.value] for d in feedback.days)) for k in kinds]
    status_chart = charts.bars([(label, n, str(n)) for _s, label, n in feedback.statuses])

    response = insights.response_times(target, city=city)
    response_chart = charts.line_chart(
        [_label(r.day) for r in response.days],
        [("median", [r.median for r in response.days]), ("p90", [r.p90 for r in response.days])],
        guide=target,
        guide_label=_("target %(n)d min") % {"n": target},
    )

    automatic = insights.automatic_share(city=city)
    automatic_chart = charts.stacked_columns(
        [_label(d) for d, _n, _a in automatic.days],
        [("auto", [a for _d, _n, a in automatic.days]), ("person", [n - a for _d, n, a in automatic.days])],
    )

    rated = insights.satisfaction(city=city)
    if rated.rules:  # ratings keep the rule's name as it was; show the rule's name in the reader's language
        rule_labels = {rule.name: rule.label for rule in Rule.objects.only("name", "name_en")}
        for r in rated.rules:
            r.label = rule_labels.get(r.label, r.label)
    satisfaction_chart = charts.bars(
        [
            (label, 100 * r.rate, f"{_percent(r.helped, r.total)} ({r.helped}/{r.total})")
            for label, r in [(_("Automatic"), rated.automatic), (_("By a person"), rated.human)]
        ],
        top=100,
    )
    rule_chart = charts.bars(
        [(r.label or "—", 100 * r.rate, f"{_percent(r.helped, r.total)} ({r.helped}/{r.total})") for r in rated.rules],
        top=100,
    )

    weeks = insights.activity_weeks(city)
    activity_chart = charts.line_chart(
        [w.week.strftime("%m-%d") for w in weeks], [("rate", [round(100 * w.rate, 1) for w in weeks])], every=4
    )
    by_city = insights.activity_by_city() if city is None else []
    city_chart = charts.bars(
        [(c.label, 100 * w.rate, f"{100 * w.rate:.0f}% ({w.active}/{w.total})") for c, w in by_city], top=100
    )

    signups = insights.signups(city=city)
    signup_chart = charts.stacked_columns(
        [_label(s.day) for s in signups],
        [("back", [s.came_back for s in signups]), ("gone", [s.signups - s.came_back for s in signups])],
    )
    signup_total = sum(s.signups for s in signups)
    came_back = sum(s.came_back for s in signups)

    ranking = insights.city_ranking() if city is None else []
    counts = insights.segment_counts(city)
    return {
        "city": city,
        "target": target,
        "feedback": feedback,
        "feedback_chart": feedback_chart,
        "kind_totals": kind_totals,
        "status_chart": status_chart,
        "response": response,
        "response_chart": response_chart,
        "within_target": _percent(response.within_target, response.answered),
        "automatic": automatic,
        "automatic_chart": automatic_chart,
        "automatic_share": _percent(automatic.automatic, automatic.tickets),
        "channels": insights.by_channel(city=city),
        "satisfaction": rated,
        "satisfaction_chart": satisfaction_chart,
        "rule_chart": rule_chart,
        "weeks": weeks,
        "activity_chart": activity_chart,
        "latest_week": weeks[-1] if weeks else None,
        "city_chart": city_chart,
        "signups": signups,
        "signup_chart": signup_chart,
        "signup_total": signup_total,
        "came_back": came_back,
        "came_back_share": _percent(came_back, signup_total),
        "ranking": ranking,
        "meetups_held": insights.meetups_held(),
        "segment_counts": [(key, label, counts[key]) for key, label in segment_labels().items()],
        "all_fans": counts["all"],
    }
