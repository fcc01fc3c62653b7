"""Pages of large events (launches): the event with the fan's place in line, the sign-up, the draw."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetups import launches
from meetups.launch_models import Launch
from meetups.locking import RegistrationError


def _launch_or_404(request, pk: int) -> Launch:
    launch = Launch.objects.filter(pk=pk).first()
    if launch is None or not launches.may_see(request.user, launch):
        raise Http404
    return launch


def launch_list(request):
    return render(request, "meetups/launches.html", {"launches": launches.visible(request.user)})


def launch(request, pk):
    launch = _launch_or_404(request, pk)
    mine = launches.mine(request.user, launch)
    refusal = None
    if request.user.is_authenticated and mine is None:
        refusal = launches.refusal(launch, request.user)
    context = {
        "launch": launch,
        "mine": mine,
        "number": f"{mine.number:,}" if mine else "",
        "refusal": refusal,
        "places_left": launch.capacity - launch.allocated,
    }
    return render(request, "meetups/launch.html", context)


@login_required
@require_POST
def sign_up(request, pk):
    """The one sign-up write; the waiting room (meetups.waiting_room) stood in front of it."""
    launch = _launch_or_404(request, pk)
    response = redirect(launch)
    try:
        acknowledged = launches.sign_up(request.user, launch)
    except RegistrationError as error:
        messages.error(request, str(error))
    else:
        response["X-Line-Number"] = str(acknowledged.number)  # for scripts and load tests; fans read the page
        if launch.mode == Launch.Mode.DRAW:
            messages.success(
                request, _("You are entered into the draw (entry number %(n)s).") % {"n": f"{acknowledged.number:,}"}
            )
        else:
            messages.success(request, _("You are in: number %(n)s in line.") % {"n": f"{acknowledged.number:,}"})
    return response


def draw_json(request, pk):
    launch = _launch_or_404(request, pk)
    if launch.draw_record is None:
        raise Http404
    response = JsonResponse(launch.draw_record, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="fancity-launch-draw-{launch.pk}.json"'
    return response
