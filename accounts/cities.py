"""Mainland China's 31 province-level divisions and the cities loaded into City.

Each province lists its capital first, then its other large cities (together the 60+ largest
cities of mainland China by urban population). Used by the cities data migration.
"""

PROVINCES = [
    # (Chinese, English, [(city Chinese, city English/pinyin, slug), ...])
    ("北京", "Beijing", [("北京", "Beijing", "beijing")]),
    ("天津", "Tianjin", [("天津", "Tianjin", "tianjin")]),
    ("上海", "Shanghai", [("上海", "Shanghai", "shanghai")]),
    ("重庆", "Chongqing", [("重庆", "Chongqing", "chongqing")]),
    (
        "河北",
        "Hebei",
        [
            ("石家庄", "Shijiazhuang", "shijiazhuang"),
            ("唐山", "Tangshan", "tangshan"),
            ("保定", "Baoding", "baoding"),
            ("邯郸", "Handan", "handan"),
        ],
    ),
    ("山西", "Shanxi", [("太原", "Taiyuan", "taiyuan"), ("大同", "Datong", "datong")]),
    ("内蒙古", "Inner Mongolia", [("呼和浩特", "Hohhot", "hohhot"), ("包头", "Baotou", "baotou")]),
    (
        "辽宁",
        "Liaoning",
        [
            ("沈阳", "Shenyang", "shenyang"),
            ("大连", "Dalian", "dalian"),
            ("鞍山", "Anshan", "anshan"),
            ("抚顺", "Fushun", "fushun"),
        ],
    ),
    ("吉林", "Jilin", [("长春", "Changchun", "changchun"), ("吉林", "Jilin City", "jilin")]),
    ("黑龙江", "Heilongjiang", [("哈尔滨", "Harbin", "harbin"), ("大庆", "Daqing", "daqing")]),
    (
        "江苏",
        "Jiangsu",
        [
            ("南京", "Nanjing", "nanjing"),
            ("苏州", "Suzhou", "suzhou"),
            ("无锡", "Wuxi", "wuxi"),
            ("常州", "Changzhou", "changzhou"),
            ("徐州", "Xuzhou", "xuzhou"),
            ("南通", "Nantong", "nantong"),
            ("扬州", "Yangzhou", "yangzhou"),
            ("淮安", "Huai'an", "huaian"),
        ],
    ),
    (
        "浙江",
        "Zhejiang",
        [
            ("杭州", "Hangzhou", "hangzhou"),
            ("宁波", "Ningbo", "ningbo"),
            ("温州", "Wenzhou", "wenzhou"),
            ("绍兴", "Shaoxing", "shaoxing"),
            ("金华", "Jinhua", "jinhua"),
            ("台州", "Taizhou (Zhejiang)", "taizhou-zj"),
        ],
    ),
    ("安徽", "Anhui", [("合肥", "Hefei", "hefei"), ("芜湖", "Wuhu", "wuhu")]),
    ("福建", "Fujian", [("福州", "Fuzhou", "fuzhou"), ("厦门", "Xiamen", "xiamen"), ("泉州", "Quanzhou", "quanzhou")]),
    ("江西", "Jiangxi", [("南昌", "Nanchang", "nanchang"), ("赣州", "Ganzhou", "ganzhou")]),
    (
        "山东",
        "Shandong",
        [
            ("济南", "Jinan", "jinan"),
            ("青岛", "Qingdao", "qingdao"),
            ("烟台", "Yantai", "yantai"),
            ("潍坊", "Weifang", "weifang"),
            ("临沂", "Linyi", "linyi"),
            ("淄博", "Zibo", "zibo"),
        ],
    ),
    ("河南", "Henan", [("郑州", "Zhengzhou", "zhengzhou"), ("洛阳", "Luoyang", "luoyang")]),
    ("湖北", "Hubei", [("武汉", "Wuhan", "wuhan"), ("宜昌", "Yichang", "yichang"), ("襄阳", "Xiangyang", "xiangyang")]),
    (
        "湖南",
        "Hunan",
        [("长沙", "Changsha", "changsha"), ("株洲", "Zhuzhou", "zhuzhou"), ("衡阳", "Hengyang", "hengyang")],
    ),
    (
        "广东",
        "Guangdong",
        [
            ("广州", "Guangzhou", "guangzhou"),
            ("深圳", "Shenzhen", "shenzhen"),
            ("东莞", "Dongguan", "dongguan"),
            ("佛山", "Foshan", "foshan"),
            ("中山", "Zhongshan", "zhongshan"),
            ("汕头", "Shantou", "shantou"),
            ("惠州", "Huizhou", "huizhou"),
            ("珠海", "Zhuhai", "zhuhai"),
            ("江门", "Jiangmen", "jiangmen"),
            ("湛江", "Zhanjiang", "zhanjiang"),
        ],
    ),
    ("广西", "Guangxi", [("南宁", "Nanning", "nanning"), ("柳州", "Liuzhou", "liuzhou"), ("桂林", "Guilin", "guilin")]),
    ("海南", "Hainan", [("海口", "Haikou", "haikou"), ("三亚", "Sanya", "sanya")]),
    ("四川", "Sichuan", [("成都", "Chengdu", "chengdu"), ("绵阳", "Mianyang", "mianyang")]),
    ("贵州", "Guizhou", [("贵阳", "Guiyang", "guiyang"), ("遵义", "Zunyi", "zunyi")]),
    ("云南", "Yunnan", [("昆明", "Kunming", "kunming"), ("曲靖", "Qujing", "qujing")]),
    ("西藏", "Tibet", [("拉萨", "Lhasa", "lhasa")]),
    ("陕西", "Shaanxi", [("西安", "Xi'an", "xian"), ("宝鸡", "Baoji", "baoji")]),
    ("甘肃", "Gansu", [("兰州", "Lanzhou", "lanzhou")]),
    ("青海", "Qinghai", [("西宁", "Xining", "xining")]),
    ("宁夏", "Ningxia", [("银川", "Yinchuan", "yinchuan")]),
    ("新疆", "Xinjiang", [("乌鲁木齐", "Urumqi", "urumqi")]),
]
