"""The WeChat channel in the admin: accounts (secrets write-only), the menu, service centres,
broadcasts (desk staff; preview, then send), and read-only logs of followers and messages."""

import requests
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wechatpy.exceptions import WeChatClientException

from fancity.lib.admin_actions import refusal_text, run_each
from servicedesk.wechat import broadcasts, menu
from servicedesk.wechat.models import Account, Broadcast, Follower, Inbound, MenuItem, ServiceCentre

_SECRET_HELP = _("Stored encrypted and never shown again. Leave empty to keep the current value.")


class AccountForm(forms.ModelForm):
    token = forms.CharField(
        label=_("Token"), required=False, widget=forms.PasswordInput(render_value=False), help_text=_SECRET_HELP
    )
    aes_key = forms.CharField(
        label=_("EncodingAESKey"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("43 characters. With a key, the account accepts safe-mode (encrypted) messages only."),
    )
    secret = forms.CharField(
        label=_("AppSecret"), required=False, widget=forms.PasswordInput(render_value=False), help_text=_SECRET_HELP
    )

    class Meta:
        model = Account
        fields = ["name", "slug", "app_id", "is_active", "welcome", "welcome_en", "broadcast_every_days"]

    def clean_aes_key(self):
        key = self.cleaned_data["aes_key"].strip()
        if key and len(key) != 43:
            raise ValidationError(_("An EncodingAESKey has 43 characters."))
        return key

    def clean(self):
        data = self.cleaned_data
        if self.instance.pk is None and not (data.get("token") and data.get("secret")):
            raise ValidationError(_("A new account needs its token and AppSecret."))
        return data

    def save(self, commit=True):
        account = super().save(commit=False)
        for name in ("token", "aes_key", "secret"):
            if self.cleaned_data.get(name):
                setattr(account, name, self.cleaned_data[name])
        if commit:
            account.save()
        return account


class MenuItemInline(admin.TabularInline):
    model = MenuItem
    fields = ["parent", "position", "name", "kind", "keyword", "url"]
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ["name", "slug", "app_id", "is_active", "secrets_readable", "menu_published_at"]
    readonly_fields = ["menu_published_at"]
    inlines = [MenuItemInline]
    actions = ["publish_menu"]

    @admin.display(boolean=True, description=_("secrets readable"))
    def secrets_readable(self, account):
        return bool(account.token and account.secret)

    @admin.action(description=_("Publish the menu to WeChat"))
    def publish_menu(self, request, queryset):
        for account in queryset:
            try:
                menu.publish(request.user, account)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{account}: {refusal_text(error)}", messages.ERROR)
            except (WeChatClientException, requests.RequestException) as error:
                self.message_user(request, f"{account}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("%(account)s: menu published.") % {"account": account})


@admin.register(ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "address", "hours", "is_active"]
    list_filter = ["is_active", "city"]
    list_select_related = ["city"]
    search_fields = ["name", "name_en", "address"]


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["__str__", "account", "state", "created_by", "created_at", "sent_by", "sent_at", "result"]
    list_filter = ["state", "account"]
    readonly_fields = ["state", "created_by", "created_at", "previewed_to", "sent_by", "sent_at", "result"]
    actions = ["send_preview", "send_now"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        return fields + ["account", "text"] if obj is not None and obj.state != Broadcast.State.DRAFT else fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by, obj.created_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # the log stays

    @admin.action(description=_("Send a preview to the OpenID linked to my account"))
    def send_preview(self, request, queryset):
        own = Follower.objects.filter(user=request.user, linked_at__isnull=False)
        done = 0
        for broadcast in queryset:
            follower = own.filter(account_id=broadcast.account_id).first()
            if follower is None:
                self.message_user(
                    request, _("%(b)s: link your WeChat first (/wechat/link/).") % {"b": broadcast}, messages.ERROR
                )
                continue
            try:
                broadcasts.preview(request.user, broadcast.pk, follower.openid)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{broadcast}: {refusal_text(error)}", messages.ERROR)
            except (WeChatClientException, requests.RequestException) as error:
                self.message_user(request, f"{broadcast}: {error}", messages.ERROR)
        if done:
            self.message_user(request, ngettext("%(n)d preview sent.", "%(n)d previews sent.", done) % {"n": done})

    @admin.action(description=_("Send to every follower"))
    def send_now(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda b: broadcasts.send(request.user, b.pk),
            _("%(n)d broadcasts handled; see their state."),
        )


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = ["openid", "account", "user", "linked_at", "subscribed", "last_message_at"]
    list_filter = ["account", "subscribed"]
    list_select_related = ["account", "user"]
    search_fields = ["openid", "unionid", "user__username"]
    readonly_fields = [f.name for f in Follower._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Inbound)
class InboundAdmin(admin.ModelAdmin):
    list_display = ["received_at", "account", "follower", "kind", "outcome", "rule", "content"]
    list_filter = ["outcome", "kind", "account"]
    list_select_related = ["account", "follower", "rule"]
    readonly_fields = [f.name for f in Inbound._meta.fields]
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
