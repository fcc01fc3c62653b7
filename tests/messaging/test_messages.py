"""Private messages: conversations with unread counts, blocks (raced), reports, strangers and rates,
mail under the digest rules, export and erasure."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.models import Notification, NotificationKind
from community import credits, follows
from community.models import Level
from messaging import conversations
from messaging.conversations import Refused
from messaging.models import Block, Message, MessageReport
from tests.forum.factories import fan, member
from tests.helpers import race


def friends():
    """Two fans who may message each other (each follows the other)."""
    a, b = fan(), fan()
    follows.follow(a, b)
    follows.follow(b, a)
    return a, b


@pytest.mark.django_db
def test_a_message_starts_one_conversation_and_counts_unread_in_the_navigation(client):
    a, b = friends()
    conversations.send(a, b, "你好")
    conversations.send(a, b, "在吗")
    client.force_login(b)
    page = client.get("/forum/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 unread" in page
    conv = conversations.conversation_with(a, b)
    assert client.get(f"/messages/{conv.pk}/").status_code == 200
    assert "unread" not in client.get("/forum/", HTTP_ACCEPT_LANGUAGE="en").content.decode().split("Messages")[1][:80]
    response = client.post(f"/messages/{conv.pk}/", {"body": "在的"})
    assert response.status_code == 302
    assert Message.objects.filter(conversation=conv).count() == 3


@pytest.mark.django_db
def test_only_the_two_fans_read_their_conversation(client):
    a, b = friends()
    conversations.send(a, b, "secret")
    conv = conversations.conversation_with(a, b)
    for outsider in (fan(), member("Moderators")):
        client.force_login(outsider)
        assert client.get(f"/messages/{conv.pk}/").status_code == 403


@pytest.mark.django_db
def test_new_fans_cannot_message_strangers_until_their_level_allows():
    newcomer, stranger = fan(), fan()
    with pytest.raises(Refused):
        conversations.send(newcomer, stranger, "hi")
    follows.follow(stranger, newcomer)  # a fan who follows them is no stranger
    conversations.send(newcomer, stranger, "hi")
    other = fan()
    credits.adjust(member("Moderators"), newcomer, Level.objects.filter(may_message_strangers=True)
                   .order_by("threshold").first().threshold, "test")  # fmt: skip
    conversations.send(newcomer, other, "hello")


@pytest.mark.django_db
def test_sending_fast_is_refused():
    a, b = friends()
    for n in range(conversations.PER_MINUTE):
        conversations.send(a, b, f"m{n}")
    with pytest.raises(Refused):
        conversations.send(a, b, "one too many")


@pytest.mark.django_db
def test_a_blocked_fan_cannot_message_either_way():
    a, b = friends()
    conversations.block(b, a)
    with pytest.raises(Refused):
        conversations.send(a, b, "hi")
    with pytest.raises(Refused):
        conversations.send(b, a, "hi")
    conversations.unblock(b, a)
    conversations.send(a, b, "hi again")


@pytest.mark.django_db(transaction=True)
def test_no_message_lands_after_a_block_that_raced_it():
    a, b = friends()
    sends = [lambda n=n: conversations.send(a, b, f"race {n}") for n in range(5)]
    results = race(lambda: conversations.block(b, a), *sends)
    blocked_at = Block.objects.get(blocker=b, blocked=a).created_at
    sent = [r for r in results[1:] if isinstance(r, Message)]
    refused = [r for r in results[1:] if isinstance(r, Refused)]
    assert len(sent) + len(refused) == 5, results
    assert all(m.created_at < blocked_at for m in sent)
    assert Message.objects.filter(created_at__gt=blocked_at).count() == 0
    with pytest.raises(Refused):
        conversations.send(a, b, "after")


@pytest.mark.django_db
def test_moderators_see_only_the_reported_message(client):
    a, b = friends()
    conversations.send(a, b, "an ordinary message")
    bad = conversations.send(a, b, "buy cheap followers")
    with pytest.raises(PermissionDenied):
        conversations.report(a, bad, "own message")
    conversations.report(b, bad, "spam")
    client.force_login(member("Moderators"))
    page = client.get("/messages/reports/").content.decode()
    assert "buy cheap followers" in page and "an ordinary message" not in page
    client.force_login(fan())
    assert client.get("/messages/reports/").status_code == 403
    assert MessageReport.objects.count() == 1


@pytest.mark.django_db
def test_a_message_notifies_once_per_conversation_under_the_digest_rules():
    a, b = friends()
    conversations.send(a, b, "one")
    conversations.send(a, b, "two")
    rows = Notification.objects.filter(recipient=b, kind=NotificationKind.MESSAGE)
    assert rows.count() == 1
    assert "2" in rows.get().text


@pytest.mark.django_db
def test_messages_are_in_the_export_and_go_with_the_account():
    a, b = friends()
    conversations.send(a, b, "from a")
    conversations.send(b, a, "from b")
    data = export_personal_data(a)
    assert [m["body"] for m in data["private_messages"]] == ["from a", "from b"]
    delete_account(a)
    assert list(Message.objects.values_list("body", flat=True)) == ["from b"]
