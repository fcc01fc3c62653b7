from django.db import migrations

FIXED = [
    ("announcements", "announcements", "官方公告", "Announcements", "来自官方团队的消息", "News from the staff", 10),
    ("general", "general", "综合讨论", "General", "什么都可以聊", "Talk about anything", 20),
    ("feedback", "feedback", "问题反馈", "Feedback", "报告问题、提出建议，官方会回复",
     "Report bugs and suggest ideas; the staff answer", 30),
    ("beta", "beta", "内测专区", "Private beta", "仅内测成员可见", "Visible to core testers only", 40),
]


def create_boards(apps, schema_editor):
    """The fixed boards and one club board per existing city (forum.boards.ensure_city_boards does new ones)."""
    Board = apps.get_model("forum", "Board")
    City = apps.get_model("accounts", "City")
    for kind, slug, name, name_en, description, description_en, position in FIXED:
        Board.objects.get_or_create(slug=slug, defaults={
            "kind": kind, "name": name, "name_en": name_en, "description": description,
            "description_en": description_en, "position": position})
    for city in City.objects.filter(forum_board__isnull=True).order_by("id"):
        Board.objects.create(kind="city", city=city, slug=f"city-{city.slug}", name=f"{city.name}同城会",
                             name_en=f"{city.name_en} club", description=f"{city.province}{city.name}的粉丝聚在这里",
                             description_en=f"Fans in {city.name_en}, {city.province_en}", position=1000 + city.pk)


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_boards_threads_posts"), ("accounts", "0002_load_cities_and_staff_groups")]
    operations = [migrations.RunPython(create_boards, migrations.RunPython.noop)]
