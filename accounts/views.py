import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.forms import DeleteAccountForm, SettingsForm
from accounts.models import City, Notification, User
from accounts.notifications import inbox, mark_read, open_url
from accounts.tasks import UNSUBSCRIBE_SALT
from fancity.lib.params import int_params, safe_next


def profile(request, username):
    fan = get_object_or_404(User.objects.fans().select_related("city"), username=username)
    # What higher apps show on a profile (the forum's threads and posts), without accounts importing them.
    panels = [shown for path in settings.ACCOUNT_PROFILE_PANELS if (shown := import_string(path)(request, fan))]
    return render(request, "accounts/profile.html", {"fan": fan, "panels": panels})


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    """The language cookie with the LANGUAGE_COOKIE_* flags (Secure in production, HttpOnly, SameSite),
    exactly as Django's set_language view writes it from the navigation's switch."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # stubs: a str setting, a Literal parameter
    )


@login_required
def settings_page(request):
    form = SettingsForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Your settings are saved."))
        response = redirect("settings")
        if user.language:
            _set_language_cookie(response, user.language)
        return response
    return render(request, "accounts/settings.html", {"form": form, "cities": City.objects.all()})


@login_required
def delete_page(request):
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        delete_account(request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Your posts remain as “deleted user”."))
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})


@login_required
def export_data(request):
    data = export_personal_data(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="fancity-{request.user.username}.json"'
    return response


@login_required
def notifications(request):
    return render(request, "accounts/notifications.html", {"items": inbox(request.user)})


@login_required
@require_POST
def notifications_read(request):
    ids = request.POST.getlist("id")
    mark_read(request.user, int_params(ids) if ids else None)
    return redirect(safe_next(request, request.POST.get("next"), reverse("notifications")))


@login_required
def notification_open(request, pk):
    notification = get_object_or_404(Notification.objects.select_related("actor"), pk=pk, recipient=request.user)
    mark_read(request.user, [notification.pk])
    return redirect(open_url(request.user, notification) or "notifications")


# RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" to the List-Unsubscribe URL
# with no cookie and no CSRF token. The signed token in the URL is what authenticates the request (it
# names the fan and the kind of mail), so a forged cross-site POST can do nothing without a fan's mail.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise Http404 from None
    user = get_object_or_404(User, pk=payload["u"])
    if request.method == "POST":
        if payload["k"] not in user.muted_emails:
            user.muted_emails = [*user.muted_emails, payload["k"]]
            user.save(update_fields=["muted_emails"])
        return render(request, "accounts/unsubscribed.html", {"kind": payload["k"]})
    return render(request, "accounts/unsubscribe.html", {"kind": payload["k"]})
