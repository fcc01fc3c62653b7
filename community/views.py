"""The community's pages: check-in, credits, devices, shown medals, follow, followers, the user card."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from community import checkin, credits, devices, follows, medals
from community.forms import DevicesForm, ShownMedalsForm
from community.profile import standing_of, user_card
from fancity.lib.params import safe_next


def _fan(username: str) -> User:
    return get_object_or_404(User.objects.fans().select_related("city"), username=username)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def checkin_page(request):
    """GET: today's check-in and streak; POST: check in (one tap; a second tap finds today's row)."""
    if request.method == "POST":
        try:
            row, made = checkin.check_in(request.user)
        except PermissionDenied:
            if _wants_json(request):
                return JsonResponse({"error": _("You cannot check in now.")}, status=403)
            raise
        text = (
            ngettext("Checked in: %(n)d day in a row.", "Checked in: %(n)d days in a row.", row.streak)
            % {"n": row.streak}
            if made
            else _("You have already checked in today.")
        )
        if _wants_json(request):
            return JsonResponse({"streak": row.streak, "made": made, "text": text})
        messages.success(request, text)
        return redirect(safe_next(request, request.POST.get("next"), reverse("community:checkin")))
    return render(
        request,
        "community/checkin.html",
        {"today": checkin.today_of(request.user), "streak": checkin.current_streak(request.user)},
    )


@login_required
def credits_page(request):
    return render(
        request,
        "community/credits.html",
        {"standing": standing_of(request.user), "entries": credits.ledger(request.user)},
    )


@login_required
def devices_page(request):
    offered = list(devices.offered())
    mine = devices.devices_of(request.user)
    main = next((d for d in mine if d.is_main), None)
    initial = {
        "devices": [d.device_id for d in mine],
        "main": main.device_id if main else "",
        "system_version": main.system_version if main else "",
    }
    form = DevicesForm(request.POST or None, offered=offered, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen, main_id = form.cleaned_data["devices"], form.cleaned_data["main"] or None
        if main_id and main_id not in chosen:
            chosen = [main_id, *chosen]
        try:
            target = main_id or (chosen[0] if chosen else None)
            versions = {target: form.cleaned_data["system_version"]} if target else {}
            devices.set_devices(request.user, chosen, main_id, versions)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your devices are saved."))
            return redirect("community:devices")
    status = 400 if request.method == "POST" else 200
    return render(request, "community/devices.html", {"form": form}, status=status)


@login_required
def medals_page(request):
    awards = medals.medals_of(request.user)
    shown = sorted((a for a in awards if a.shown_position), key=lambda a: a.shown_position or 0)
    form = ShownMedalsForm(request.POST or None, awards=awards, initial={"medals": [a.medal_id for a in shown]})
    if request.method == "POST" and form.is_valid():
        try:
            medals.choose_shown(request.user, form.cleaned_data["medals"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your medals are saved."))
            return redirect("community:medals")
    status = 400 if request.method == "POST" else 200
    return render(request, "community/medals.html", {"form": form, "awards": awards}, status=status)


@require_POST
@login_required
def follow(request, username):
    fan = _fan(username)
    if request.POST.get("on") == "0":
        follows.unfollow(request.user, fan)
    else:
        follows.follow(request.user, fan)
    return redirect(safe_next(request, request.POST.get("next"), fan.get_absolute_url()))


def follow_list(request, username, which):
    fan = _fan(username)
    fans = follows.followers_of(fan) if which == "followers" else follows.following_of(fan)
    return render(
        request,
        "community/follow_list.html",
        {"fan": fan, "which": which, "fans": list(fans.order_by("username")[:200])},
    )


def card(request, username):
    """The card shown on a tap of a fan's name: one request, cached (the same for every viewer)."""
    fan = _fan(username)
    response = render(request, "community/_user_card.html", {"card": user_card(fan)})
    response["Cache-Control"] = "private, max-age=60"
    return response
