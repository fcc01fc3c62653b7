"""Private message pages: the inbox, a conversation, a first message, block, report, the moderators' list."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from messaging import conversations
from messaging.conversations import Refused
from messaging.models import MAX_BODY, Message, MessageReport
from messaging.permissions import may_handle_reports


def _fan(username: str) -> User:
    return get_object_or_404(User.objects.fans(), username=username)


@login_required
def inbox(request):
    return render(request, "messaging/inbox.html", {"items": conversations.inbox(request.user)})


@login_required
def conversation(request, pk):
    try:
        conv, items, other = conversations.open_conversation(request.user, pk)
    except PermissionDenied:
        raise PermissionDenied from None
    error, body = "", ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            conversations.send(request.user, other, body)
        except Refused as refused:
            error = refused.messages[0]
        else:
            return redirect("messaging:conversation", pk=conv.pk)
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": conv,
            "items": items,
            "other": other,
            "error": error,
            "body": body,
            "max_body": MAX_BODY,
            "blocked": conversations.has_blocked(request.user, other),
        },
        status=400 if error else 200,
    )


@login_required
def new(request, username):
    """The first message to a fan (or the conversation with them, when there is one)."""
    other = _fan(username)
    if (existing := conversations.conversation_with(request.user, other)) is not None:
        return redirect("messaging:conversation", pk=existing.pk)
    error, body = conversations.refusal(request.user, other) or "", ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            message = conversations.send(request.user, other, body)
        except Refused as refused:
            error = refused.messages[0]
        else:
            return redirect("messaging:conversation", pk=message.conversation_id)
    return render(
        request,
        "messaging/new.html",
        {"other": other, "error": error, "body": body, "max_body": MAX_BODY},
        status=400 if error and request.method == "POST" else 200,
    )


@require_POST
@login_required
def block(request, username):
    other = _fan(username)
    if request.POST.get("on") == "0":
        conversations.unblock(request.user, other)
        flash.success(request, _("You unblocked %(name)s.") % {"name": other.public_name})
    else:
        conversations.block(request.user, other)
        flash.success(
            request, _("You blocked %(name)s: neither of you can message the other.") % {"name": other.public_name}
        )
    existing = conversations.conversation_with(request.user, other)
    return redirect("messaging:conversation", pk=existing.pk) if existing else redirect("messaging:inbox")


@require_POST
@login_required
def report(request, pk):
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=pk)
    try:
        conversations.report(request.user, message, request.POST.get("reason", ""))
    except ValidationError:
        flash.error(request, _("Say what is wrong with this message."))
    else:
        flash.success(request, _("Thank you. Moderators will look at this message."))
    return redirect("messaging:conversation", pk=message.conversation_id)


@login_required
def reports(request):
    """Moderators: the reported messages, each alone (never the rest of its conversation)."""
    if not may_handle_reports(request.user):
        raise PermissionDenied
    if request.method == "POST":
        row = get_object_or_404(MessageReport, pk=request.POST.get("report") or 0)
        conversations.resolve(request.user, row, request.POST.get("resolution", ""))
        return redirect("messaging:reports")
    return render(request, "messaging/reports.html", {"reports": list(conversations.open_reports()[:100])})
