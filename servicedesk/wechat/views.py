"""The webhook (one per account), the page where a fan links WeChat, and the service centres pages."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts.models import City
from servicedesk.wechat import centres, inbound, linking, protocol
from servicedesk.wechat.forms import LinkForm
from servicedesk.wechat.models import Account

logger = logging.getLogger(__name__)


def _refusal(refused: protocol.Refused) -> HttpResponse:
    return HttpResponse(refused.reason, status=refused.status, content_type="text/plain; charset=utf-8")


@csrf_exempt
def webhook(request, slug: str):
    """WeChat's GET (URL check) and POST (a message): checked, answered within 5 seconds, never a 500."""
    try:
        account = Account.objects.filter(slug=slug, is_active=True).first()
    except DatabaseError:  # the database is unreachable: WeChat retries a 503 (and our MsgId row dedupes it)
        logger.exception("WeChat webhook %s: no database", slug)
        return HttpResponse("service unavailable", status=503, content_type="text/plain")
    if account is None:
        raise Http404
    try:
        if request.method == "GET":
            return HttpResponse(protocol.verify_url(account, request.GET), content_type="text/plain")
        if request.method != "POST":
            return HttpResponse("method not allowed", status=405, headers={"Allow": "GET, POST"})
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > protocol.MAX_BODY:
            raise protocol.Refused(413, "body too large")
        envelope = protocol.open_post(account, request.GET, request.read(protocol.MAX_BODY + 1))
    except protocol.Refused as refused:
        logger.info("WeChat webhook %s refused: %s", slug, refused.reason)
        return _refusal(refused)
    try:
        text = inbound.handle(account, envelope)
    except Exception:
        # Never a 500 to WeChat (it would retry, then tell the fan the account is out of service).
        logger.exception("WeChat message on %s could not be handled", slug)
        text = ""
    if not text:
        return HttpResponse("success", content_type="text/plain")
    return HttpResponse(protocol.reply_xml(account, envelope, text), content_type="application/xml; charset=utf-8")


@login_required
def link(request):
    """A signed-in fan enters the code WeChat sent them; their WeChat conversations join their account."""
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            linking.link_with_code(request.user, form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _linked_message())
            return redirect("wechat:link")
    context = {"form": form, "followers": linking.linked_followers(request.user)}
    return render(request, "wechat/link.html", context, status=400 if form.errors else 200)


def _linked_message() -> str:
    return _("Your WeChat account is linked. Its conversations with our staff are now in your private requests.")


def centres_index(request):
    return render(request, "wechat/centres_index.html", {"cities": centres.cities_with_centres()})


def centres_of_city(request, slug: str):
    city = get_object_or_404(City, slug=slug)
    return render(request, "wechat/centres.html", {"city": city, "centres": list(centres.of_city(city))})
