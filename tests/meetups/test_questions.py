"""Registration questions per meetup (issue 11): asked by the form, checked before anything is written,
written with the registration in one statement, private to event staff, exported and erased."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from meetups import queries
from meetups.models import Answer, Question, Registration
from meetups.registration import AnswersInvalid, cancel_registration, register_for_meetup
from tests.factories import UserFactory
from tests.helpers import race
from tests.meetups.factories import MeetupFactory, event_staff, make_fans

pytestmark = pytest.mark.django_db
State = Registration.State


def ask(meetup, label, kind=Question.Kind.TEXT, required=True, options="", position=0):
    return Question.objects.create(
        meetup=meetup, label=label, kind=kind, required=required, options=options, position=position
    )


@pytest.fixture
def questions():
    meetup = MeetupFactory()
    return meetup, [
        ask(meetup, "真实姓名", position=1),
        ask(meetup, "手机号", Question.Kind.PHONE, position=2),
        ask(meetup, "T恤尺码", Question.Kind.CHOICE, options="S\nM\nL", position=3),
        ask(meetup, "需要停车位吗？", Question.Kind.YES_NO, required=False, position=4),
    ]


def test_answers_are_written_with_the_registration(questions):
    meetup, (name, phone, size, parking) = questions
    fan = UserFactory()
    registration = register_for_meetup(
        fan, meetup, answers={name.pk: "  张  三 ", phone.pk: "+86 138-0013-8000", size.pk: "M", parking.pk: ""}
    )
    answers = {a.question_id: a for a in Answer.objects.filter(registration=registration)}
    assert {q: a.value for q, a in answers.items()} == {name.pk: "张 三", phone.pk: "+86 138-0013-8000", size.pk: "M"}
    assert answers[phone.pk].digits == "8613800138000" and answers[name.pk].digits == ""
    assert queries.phone_answer(registration) == "+86 138-0013-8000"
    assert queries.answers_for(meetup)[registration.pk][size.pk].value == "M"
    found = Registration.objects.filter(meetup=meetup).filter(queries.phone_ends_with("8000"))
    assert list(found) == [registration]
    assert not Registration.objects.filter(queries.phone_ends_with("9999")).exists()
    assert not Registration.objects.filter(queries.phone_ends_with("")).exists()


def test_a_missing_or_wrong_answer_refuses_and_writes_nothing(questions):
    meetup, (name, phone, size, parking) = questions
    fan = UserFactory()
    with pytest.raises(AnswersInvalid) as refused:
        register_for_meetup(
            fan, meetup, answers={name.pk: "", phone.pk: "call me", size.pk: "XXL", parking.pk: "maybe"}
        )
    assert refused.value.errors == {
        name.pk: "Please answer this question.",
        phone.pk: "Please enter a phone number (digits, spaces, + and - only).",
        size.pk: "Please pick one of the options.",
        parking.pk: "Please answer yes or no.",
    }
    assert not Registration.objects.exists() and not Answer.objects.exists()


def test_registering_again_after_cancelling_replaces_the_answers(questions):
    meetup, (name, phone, size, parking) = questions
    fan = UserFactory()
    first = register_for_meetup(fan, meetup, answers={name.pk: "张三", phone.pk: "13800138000", size.pk: "S"})
    cancel_registration(fan, first)
    again = register_for_meetup(
        fan, meetup, answers={name.pk: "张三丰", phone.pk: "13900139000", size.pk: "L", parking.pk: "yes"}
    )
    assert again.pk == first.pk
    assert dict(Answer.objects.filter(registration=again).values_list("question__label", "value")) == {
        "真实姓名": "张三丰",
        "手机号": "13900139000",
        "T恤尺码": "L",
        "需要停车位吗？": "yes",
    }


def test_the_database_function_writes_answers_only_when_it_registers(questions):
    """A refusal under the lock (here: the meetup closed after the page was read) writes no answer."""
    meetup, (name, *_) = questions
    fan = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE meetups_meetup SET status = 'closed' WHERE id = %s", [meetup.pk])
        cursor.execute(
            "SELECT outcome FROM meetups_register(%s, %s, '', 'CODE123456', now(), %s::jsonb)",
            [meetup.pk, fan.pk, f'[{{"q": {name.pk}, "v": "张三", "d": ""}}]'],
        )
        assert cursor.fetchone() == ("closed",)
    assert not Answer.objects.exists()


def test_a_question_needs_options_only_when_it_is_a_choice():
    with pytest.raises(ValidationError, match="at least two options"):
        Question(label="尺码", kind=Question.Kind.CHOICE, options="M").clean()
    with pytest.raises(ValidationError, match="Only a single-choice"):
        Question(label="姓名", kind=Question.Kind.TEXT, options="a\nb").clean()
    Question(label="尺码", kind=Question.Kind.CHOICE, options="S\n\nM\n").clean()


def test_the_page_asks_the_questions_in_order(client, questions, django_assert_max_num_queries):
    meetup, _ = questions
    fan = UserFactory(language="en")
    client.force_login(fan)
    client.get("/")
    with django_assert_max_num_queries(10):  # the page's 9 and the questions
        response = client.get(meetup.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(label) for label in ("真实姓名", "手机号", "T恤尺码", "需要停车位吗？")]
    assert positions == sorted(positions)
    assert 'type="tel"' in html and "(optional)" in html


def test_a_missing_answer_shows_the_form_again_in_the_fans_language_with_what_they_typed(
    client, questions, django_assert_max_num_queries
):
    meetup, (name, phone, size, parking) = questions
    fan = UserFactory(language="zh-hans")
    client.force_login(fan)
    data = {f"q{name.pk}": "李四", f"q{phone.pk}": "", f"q{size.pk}": "L", f"q{parking.pk}": "no"}
    with django_assert_max_num_queries(16):
        response = client.post(reverse("meetups:register", args=[meetup.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "请回答这个问题。" in html  # "Please answer this question." in Chinese
    assert 'value="李四"' in html and f'value="L" id="id_q{size.pk}_2" required checked' in html
    assert not Registration.objects.exists() and not Answer.objects.exists()

    data[f"q{phone.pk}"] = "138 0013 8000"
    response = client.post(reverse("meetups:register", args=[meetup.pk]), data)
    assert response.status_code == 302
    registration = Registration.objects.get(fan=fan)
    assert registration.state == State.CONFIRMED
    assert queries.phone_answer(registration) == "138 0013 8000"


def test_answers_are_in_the_fans_export_and_erased_with_the_account(questions):
    meetup, (name, phone, size, parking) = questions
    leaving, staying = make_fans(2, prefix="q")
    register_for_meetup(leaving, meetup, answers={name.pk: "王五", phone.pk: "13700137000", size.pk: "S"})
    kept = register_for_meetup(staying, meetup, answers={name.pk: "赵六", phone.pk: "13600136000", size.pk: "M"})
    exported = export_personal_data(leaving)["meetups"]["registrations"][0]["answers"]
    assert exported == [
        {"question": "真实姓名", "answer": "王五"},
        {"question": "手机号", "answer": "13700137000"},
        {"question": "T恤尺码", "answer": "S"},
    ]
    delete_account(leaving)
    assert not Answer.objects.filter(registration__fan=leaving).exists()
    assert Answer.objects.filter(registration=kept).count() == 3
    assert export_personal_data(leaving)["meetups"]["registrations"][0]["answers"] == []


def test_answers_are_private_to_event_staff(client, questions):
    meetup, (name, phone, size, _) = questions
    registration = register_for_meetup(
        UserFactory(), meetup, answers={name.pk: "王五", phone.pk: "13700137000", size.pk: "S"}
    )
    registration_page = reverse("admin:meetups_registration_change", args=[registration.pk])
    client.force_login(UserFactory(is_staff=True))  # staff of something else: no meetups powers
    assert client.get(registration_page).status_code == 403
    client.force_login(event_staff())
    response = client.get(registration_page)
    assert response.status_code == 200 and "13700137000" in response.content.decode()


def test_event_staff_add_questions_inline_on_the_meetup(client):
    meetup = MeetupFactory()
    client.force_login(event_staff(language="en"))
    url = reverse("admin:meetups_meetup_change", args=[meetup.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    for field in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "cancel_cutoff"):
        value = getattr(meetup, field)
        if value and field in form.fields:
            data[f"{field}_0"], data[f"{field}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
    data.update(
        {
            "city": meetup.city_id,
            "questions-TOTAL_FORMS": 2,
            "questions-INITIAL_FORMS": 0,
            "questions-0-position": 1,
            "questions-0-label": "真实姓名",
            "questions-0-kind": "text",
            "questions-0-required": "on",
            "questions-1-position": 2,
            "questions-1-label": "尺码",
            "questions-1-kind": "choice",
            "questions-1-options": "M",  # one option only: refused
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200 and "at least two options" in response.content.decode()
    assert not Question.objects.exists()
    data["questions-1-options"] = "S\r\nM"
    assert client.post(url, data).status_code == 302
    assert list(Question.objects.filter(meetup=meetup).values_list("label", "required")) == [
        ("真实姓名", True),
        ("尺码", False),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rush_with_questions_confirms_exactly_the_capacity_and_writes_every_answer():
    meetup = MeetupFactory(capacity=30)
    name = ask(meetup, "真实姓名", position=1)
    phone = ask(meetup, "手机号", Question.Kind.PHONE, position=2)
    fans = make_fans(45, prefix="qrush")

    def register(fan, i):
        return lambda: register_for_meetup(fan, meetup, answers={name.pk: f"粉丝{i}", phone.pk: f"1380000{i:04d}"})

    results = race(*[register(fan, i) for i, fan in enumerate(fans)], timeout=120)
    assert not [r for r in results if isinstance(r, BaseException)]
    states = list(Registration.objects.filter(meetup=meetup).values_list("state", flat=True))
    assert states.count(State.CONFIRMED) == 30 and states.count(State.WAITING) == 15
    assert Answer.objects.filter(registration__meetup=meetup).count() == 45 * 2
    for registration in Registration.objects.filter(meetup=meetup).select_related("fan"):
        i = int(registration.fan.username.removeprefix("qrush"))
        assert queries.phone_answer(registration) == f"1380000{i:04d}"
