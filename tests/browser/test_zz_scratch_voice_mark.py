import json
from tests.browser.test_first_conversation import memorial_opened_to_lucy, sign_in

FIND = r"""
() => {
  const out = [];
  const bar = document.querySelector('[data-voice]');
  const br = bar ? bar.getBoundingClientRect() : null;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') continue;
    const thin = (r.height > 0 && r.height <= 2) || (r.width > 0 && r.width <= 2);
    const zero = r.height === 0 || r.width === 0;
    const bordered = ['Top','Bottom','Left','Right'].some(k => parseFloat(s['border'+k+'Width']) > 0 && s['border'+k+'Style'] !== 'none');
    const outlined = parseFloat(s.outlineWidth) > 0 && s.outlineStyle !== 'none';
    const shadow = s.boxShadow !== 'none';
    const bg = s.backgroundColor !== 'rgba(0, 0, 0, 0)';
    if ((thin || zero) && (bordered || outlined || shadow || bg)) {
      out.push({tag: el.tagName, cls: el.className, id: el.id, attrs: Array.from(el.attributes).map(a=>a.name).join(' '), rect: [r.x, r.y, r.width, r.height], border: s.borderTop + '|' + s.borderBottom, outline: s.outline, shadow: s.boxShadow, bg: s.backgroundColor, parent: el.parentElement && el.parentElement.className, text: (el.textContent||'').slice(0,40)});
    }
  }
  return JSON.stringify({bar: br && [br.x, br.y, br.width, br.height], found: out}, null, 1);
}
"""

def test_scratch(page, asgi_server):
    memorial, lucy = memorial_opened_to_lucy()
    for w, h in [(1280, 900), (390, 844)]:
        page.set_viewport_size({"width": w, "height": h})
        sign_in(page, asgi_server, lucy) if w == 1280 else None
        page.goto(asgi_server + f"/memorials/{memorial.id}/conversation/")
        page.locator("[data-voice]").wait_for()
        page.wait_for_timeout(1500)
        page.screenshot(path=f"/tmp/shots-voice/conv-{w}.png")
        print(page.evaluate(FIND))
        bar = page.locator("[data-voice]").bounding_box()
        clip = {"x": max(bar["x"] - 20, 0), "y": max(bar["y"] - 40, 0), "width": min(bar["width"] + 40, w), "height": bar["height"] + 60}
        page.screenshot(path=f"/tmp/shots-voice/bar-{w}.png", clip=clip, scale="device")
        open(f"/tmp/shots-voice/html-{w}.html", "w").write(page.content())
