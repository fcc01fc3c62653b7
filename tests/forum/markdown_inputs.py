"""Markdown that makes naive parsers slow, for tests/forum/test_markup.py and bench/markdown_worst.py.

Each input is exactly `n` characters long: a fan can post all of them at the maximum length.
"""

from collections.abc import Callable


def _fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _table(columns: int, rows: int, n: int) -> str:
    text = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + ("|" + "b|" * columns + "\n") * rows
    return _fill(text, n)


def _nested(opening: str, middle: str, closing: str, n: int) -> str:
    depth = (n - len(middle)) // (len(opening) + len(closing))
    return _fill(opening * depth + middle + closing * depth, n)


INPUTS: dict[str, Callable[[int], str]] = {
    # links and brackets
    "open brackets [[[": lambda n: "[" * n,
    "link openers [a](": lambda n: _fill("[a](", n),
    "nested brackets [[[a]]]": lambda n: _nested("[", "a", "]", n),
    "nested links [[[a](b)](c)](d)": lambda n: _nested("[", "a", "](b)", n),
    "link chain [a](b)": lambda n: _fill("[a](b)", n),
    "reference chain [a][b]": lambda n: _fill("[a][b]", n),
    "image openers ![": lambda n: _fill("![", n),
    "unclosed destinations [a](<b": lambda n: _fill("[a](<b", n),
    'unclosed titles [a](b "': lambda n: _fill('[a](b "', n),
    "link closers a]": lambda n: _fill("a]", n),
    "brackets and emphasis [ a_": lambda n: _fill("[ a_", n),
    "brackets and parentheses [ (](": lambda n: _fill("[ (](", n),
    "many references": lambda n: _fill("".join(f"[{i}]: u\n" for i in range(2000)) + "[1] " * n, n),
    # blocks
    "deep quotes > > >": lambda n: _fill("> ", n),
    "deep lists - - -": lambda n: _fill("- ", n),
    "deep ordered lists 1. 1. 1.": lambda n: _fill("1. ", n),
    "quotes in lists > - > -": lambda n: _fill("> - ", n),
    "indented list ladder": lambda n: _fill("".join("  " * i + "- a\n" for i in range(300)), n),
    "quote ladder": lambda n: _fill("".join("> " * i + "a\n" for i in range(140)), n),
    "headings ####### ": lambda n: _fill("#######\n", n),
    "setext headings": lambda n: _fill("a\n=\n", n),
    "fences ```": lambda n: _fill("```\n", n),
    "hard line breaks": lambda n: _fill("a\n", n),
    # emphasis
    "emphasis runs *a*a": lambda n: _fill("*a", n),
    "underscores ___": lambda n: "_" * n,
    "stars ***": lambda n: "*" * n,
    "mixed *_*_": lambda n: _fill("*_", n),
    "strong openers **a": lambda n: _fill("**a", n),
    "emphasis closers a_ ": lambda n: _fill("a_ ", n),
    "emphasis openers _a ": lambda n: _fill("_a ", n),
    "mismatched *a_ ": lambda n: _fill("*a_ ", n),
    "nested strong *a **a": lambda n: _nested("*a **a ", "b", " a** a*", n),
    "rule of three a**b c* ": lambda n: _fill("a**b" + "c* " * n, n),
    "strikethrough ~~a": lambda n: _fill("~~a", n),
    "tildes ~a~~": lambda n: _fill("~a~~", n),
    # code
    "backticks ```": lambda n: "`" * n,
    "backtick ladder e` e`` e```": lambda n: _fill("".join("e" + "`" * i for i in range(1, 400)), n),
    # HTML and autolinks
    "less-than <<<": lambda n: "<" * n,
    "open tags <div>": lambda n: _fill("<div>", n),
    "list tag soup <li><ul>": lambda n: _fill("<li><ul>", n),
    "unclosed tags <a ": lambda n: _fill("<a ", n),
    "comment openers <!--": lambda n: _fill("<!--", n),
    "CDATA openers": lambda n: _fill("<![CDATA[", n),
    "angle autolinks <http://a": lambda n: _fill("<http://a", n),
    "bare URLs": lambda n: _fill("http://a.b ", n),
    "www. www.": lambda n: _fill("www.", n),
    "www.a_": lambda n: _fill("www.a_", n),
    "emails a@b.": lambda n: _fill("a@b.", n),
    "entities &#x": lambda n: _fill("&#x", n),
    # tables
    "table, 100 columns of full rows": lambda n: _table(100, n, n),
    "table, 2 columns of full rows": lambda n: _table(2, n, n),
    "table, 2,000 columns then short rows": lambda n: _fill("|a" * 2000 + "\n" + "|-" * 2000 + "\n" + "a\n" * n, n),
    "table, 100 columns then short rows": lambda n: _fill("|a" * 100 + "\n" + "|-" * 100 + "\n" + "a\n" * n, n),
    "table, 10 columns then short rows": lambda n: _fill("|a" * 10 + "\n" + "|-" * 10 + "\n" + "a\n" * n, n),
    "many small tables": lambda n: _fill("|a|\n|-|\n\n", n),
    "tables in quotes": lambda n: _fill("> |a" * 50 + "\n> " + "|-" * 50 + "\n" + "> a\n" * n, n),
    "pipes |||": lambda n: "|" * n,
    # mentions and text
    "one mention many times": lambda n: _fill("@fan_abc ", n),
    "many different mentions": lambda n: _fill("".join(f"@fan{i} " for i in range(n)), n),
    "mentions in links": lambda n: _fill("[@fan_abc](https://a.example/) ", n),
    "Chinese text": lambda n: "长" * n,
    "NUL characters": lambda n: "\x00" * n,
}

TYPICAL = """楼主好！刚刷了 **V3.2 固件**，说几点体会：

1. 续航明显变好，*待机一晚只掉 3%*；
2. 蓝牙耳机偶尔断连，详见 https://example.com/bug/123
3. ~~相机卡顿~~ 已修复。

> 引用 @fan_abc：升级前记得备份。

| 项目 | 升级前 | 升级后 |
| --- | :-: | --: |
| 开机 | 32 s | 21 s |
| 待机 | 8% | 3% |

```
adb shell getprop ro.build.version
```

![截图](https://img.example/shot.png) 谢谢各位 @moderator_li！
"""
