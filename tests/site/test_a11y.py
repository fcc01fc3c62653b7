"""Every key page of every role passes axe-core (in Chromium) without a serious or critical violation.

The pages are rendered as each role sees them (tests/site/key_pages.py, forms with their errors too),
then loaded into one Chromium page served by the live server, so the site's CSS and scripts apply,
and axe-core's WCAG 2.x A/AA rules and best practices run over each.
"""

import pytest

from tests.site.checkers import axe_js
from tests.site.key_pages import render_key_pages

SEVERE = ("serious", "critical")
# Moderate by axe's measure, but a screen-reader user cannot tell the two page-number navs apart.
ALSO = ("landmark-unique",)
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 200) + ' ' + n.failureSummary.slice(0, 300))}));
}"""
# axe-core leaves an aria-describedby alone while one of its ids exists; a screen reader then reads
# nothing for the others (Django's fields name a help text and an error element that must be there).
MISSING_IDREFS = """() => [...document.querySelectorAll('[aria-describedby], [aria-labelledby]')].flatMap(el =>
  ['aria-describedby', 'aria-labelledby'].flatMap(attr => (el.getAttribute(attr) || '').split(/\\s+/)
    .filter(id => id && !document.getElementById(id)).map(id => `${el.outerHTML.slice(0, 120)} ${attr}=${id}`)))"""


@pytest.mark.browser
def test_key_pages_of_every_role_have_no_serious_axe_violations(client, browser, live_server):
    pages = render_key_pages(client)
    script = axe_js().read_text(encoding="utf-8")
    # The site's CSP allows no inline script; axe is the test's, injected past it.
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/healthz")
    found = []
    try:
        for name, html in pages.items():
            page.set_content(html, wait_until="load")
            page.add_script_tag(content=script)
            for violation in page.evaluate(RUN_AXE):
                if violation["impact"] in SEVERE or violation["id"] in ALSO:
                    found.append(f"{name}: {violation['id']} ({violation['impact']}) {violation['help']}")
                    found.extend(f"    {node}" for node in violation["nodes"])
            found.extend(f"{name}: points at a missing id: {where}" for where in page.evaluate(MISSING_IDREFS))
    finally:
        context.close()
    assert len(pages) >= 40
    assert not found, "\n".join(found)
