"""Demo WeChat channel: one Official Account (keys for local trials only), its custom menu, and
service centres in three cities. Safe to run again. The order numbers the demo order service knows
(scripts/order_service.py) are FC2026120600001 to FC2026120600005."""

from django.db import transaction

from accounts.models import City
from servicedesk.wechat.models import Account, MenuItem, ServiceCentre

# Not secrets: a local demo account nobody outside this machine can send to.
DEMO_TOKEN = "fancity-demo-token"
DEMO_AES_KEY = "ZmFuY2l0eS1kZW1vLWtleS0zMi1ieXRlcy1sb25nISE"
DEMO_SECRET = "fancity-demo-secret"

CENTRES = [
    # (city slug, name, English name, address, English address, hours, phone, latitude, longitude)
    ("shenzhen", "福田服务中心", "Futian service centre", "深南大道 6008 号 2 层", "2F, 6008 Shennan Avenue",
     "10:00–21:00", "0755-8888 0001", 22.5410, 114.0560),
    ("shenzhen", "南山服务中心", "Nanshan service centre", "科技园南区 9 栋 1 层", "1F, Building 9, Hi-Tech Park South",
     "10:00–20:00", "0755-8888 0002", 22.5330, 113.9420),
    ("shenzhen", "罗湖服务中心", "Luohu service centre", "人民南路 3002 号", "3002 Renmin South Road",
     "10:00–20:00", "0755-8888 0003", 22.5440, 114.1180),
    ("beijing", "中关村服务中心", "Zhongguancun service centre", "海淀区中关村大街 27 号", "27 Zhongguancun Street",
     "09:30–20:30", "010-6666 0001", 39.9830, 116.3160),
    ("beijing", "三里屯服务中心", "Sanlitun service centre", "朝阳区三里屯路 19 号", "19 Sanlitun Road",
     "10:00–22:00", "010-6666 0002", 39.9360, 116.4550),
    ("shanghai", "徐家汇服务中心", "Xujiahui service centre", "徐汇区肇嘉浜路 1111 号", "1111 Zhaojiabang Road",
     "10:00–21:00", "021-5555 0001", 31.1950, 121.4370),
]  # fmt: skip


@transaction.atomic
def load() -> list[str]:
    account = Account.objects.filter(slug="brand").first()
    if account is None:
        account = Account(
            name="粉丝城服务号", slug="brand", app_id="wxfancitydemo001",
            welcome="欢迎！发送问题、订单号或位置，我们来帮你。",
            welcome_en="Welcome! Send a question, an order number or your location.",
        )  # fmt: skip
        account.token, account.aes_key, account.secret = DEMO_TOKEN, DEMO_AES_KEY, DEMO_SECRET
        account.save()
        service = MenuItem.objects.create(account=account, name="服务", keyword="服务", position=1)
        MenuItem.objects.create(account=account, parent=service, name="保修", keyword="保修", position=1)
        MenuItem.objects.create(account=account, parent=service, name="绑定账号", keyword="绑定", position=2)
        MenuItem.objects.create(
            account=account, name="门店", kind="view", url="http://127.0.0.1:8000/service-centres/", position=2
        )
    cities = {c.slug: c for c in City.objects.filter(slug__in={row[0] for row in CENTRES})}
    made = 0
    for slug, name, name_en, address, address_en, hours, phone, lat, lng in CENTRES:
        if slug in cities:
            _centre, created = ServiceCentre.objects.get_or_create(
                name=name,
                defaults=dict(
                    name_en=name_en, city=cities[slug], address=address, address_en=address_en, hours=hours,
                    phone=phone, latitude=lat, longitude=lng,
                ),
            )  # fmt: skip
            made += created
    return [
        f"WeChat: account “{account.name}” at /wechat/brand/ ({ServiceCentre.objects.count()} service centres, "
        f"{made} new), centres at /service-centres/"
    ]
