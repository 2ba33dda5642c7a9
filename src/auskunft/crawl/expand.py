"""Before the snapshot of a rendered page: expand lazy lists, then serialise the DOM with shadow roots.

Lists that load more entries on scroll (IntersectionObserver sentinels, scroll listeners, also inside
scrollable containers and shadow roots) or behind a "mehr laden" / "Weitere" / "load more" button are
expanded in rounds: click matching buttons (never links with a real href: those are followed by the crawler
as links, and a click would navigate away), scroll every scroll container and the window to the bottom,
wait until the page's requests are done and the DOM is quiet. It stops after `max_rounds`, after `max_s`
seconds, or after a round that changed nothing (two rounds when a button was clicked).

Custom elements keep their content in shadow roots, which page.content() leaves out. The snapshot
serialises the composed tree (shadow content in place of the host's children, slots resolved), with text
escaped. crawl4ai's own flatten_shadow_dom script writes text nodes unescaped, which turns text such as
"<img onerror=...>" into markup, so it is not used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# button labels that load more entries into a list (German and English), matched on the whole label
MORE_LABEL = (
    r"^(?:(?:mehr|weitere|ältere|aeltere|frühere|fruehere)"
    r"(?:\s+(?:beiträge|beitraege|artikel|einträge|eintraege|meldungen|nachrichten|news|termine|ergebnisse"
    r"|inhalte|dokumente|veranstaltungen))?"
    r"(?:\s+(?:laden|anzeigen|zeigen|nachladen|einblenden))?"
    r"|(?:beiträge|artikel|einträge|meldungen|inhalte)\s+nachladen"
    r"|(?:load|show|view|see)\s+more(?:\s+\w+)?|more(?:\s+(?:posts|articles|news|items|results|entries))?)"
    r"\s*[.…›»+↓▼]*$"
)

_DEEP = """
const deepAll = (root, out = []) => {
  for (const el of root.querySelectorAll('*')) {
    out.push(el);
    if (el.shadowRoot) deepAll(el.shadowRoot, out);
  }
  return out;
};
"""

SIGNATURE_JS = (
    "() => {"
    + _DEEP
    + """
  const els = deepAll(document);
  let links = 0, text = document.body ? document.body.textContent.length : 0;
  for (const el of els) {
    if (el.localName === 'a' && el.hasAttribute('href')) links++;
    if (el.shadowRoot) text += el.shadowRoot.textContent.length;
  }
  return [els.length, links, text];
}"""
)

CLICK_MORE_JS = (
    "(pattern) => {"
    + _DEEP
    + """
  const re = new RegExp(pattern, 'i');
  let clicked = 0;
  for (const el of deepAll(document)) {
    const tag = el.localName, role = (el.getAttribute('role') || '').toLowerCase();
    let ok = tag === 'button' || role === 'button' || (tag === 'input' && (el.type || '') === 'button');
    if (tag === 'a') {
      const href = (el.getAttribute('href') || '').trim();
      ok = href === '' || href === '#' || /^javascript:/i.test(href);
    }
    if (!ok || el.disabled || el.getAttribute('aria-disabled') === 'true') continue;
    if (tag === 'button' && el.form && (el.getAttribute('type') || 'submit').toLowerCase() === 'submit') continue;
    const label = (el.innerText || el.value || el.getAttribute('aria-label') || el.textContent || '')
      .replace(/\\s+/g, ' ').trim();
    if (!label || label.length > 60 || !re.test(label) || !el.getClientRects().length) continue;
    el.scrollIntoView({block: 'center'});
    el.click();
    clicked++;
  }
  return clicked;
}"""
)

SCROLL_JS = (
    "() => {"
    + _DEEP
    + """
  for (const el of deepAll(document)) {
    if (el.scrollHeight > el.clientHeight + 4) {
      const o = getComputedStyle(el).overflowY;
      if (o === 'auto' || o === 'scroll') el.scrollTop = el.scrollHeight;
    }
  }
  const h = Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);
  window.scrollTo(0, h);
  return h;
}"""
)

HAS_SHADOW_JS = "() => {" + _DEEP + "return deepAll(document).some(el => el.shadowRoot);}"

SNAPSHOT_JS = """() => {
  const VOID = new Set(['area','base','br','col','embed','hr','img','input','link','meta','param','source',
                        'track','wbr']);
  const RAW = new Set(['script', 'style']);
  const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const attrs = (el) => {
    let s = '';
    for (const a of el.attributes) s += ' ' + a.name + '="' + a.value.replace(/&/g, '&amp;').replace(/"/g, '&quot;') + '"';
    return s;
  };
  const kids = (nodes, inShadow) => Array.from(nodes).map((n) => ser(n, inShadow)).join('');
  const ser = (node, inShadow) => {
    if (node.nodeType === 3) return node.parentNode && RAW.has(node.parentNode.localName) ? node.textContent : esc(node.textContent);
    if (node.nodeType !== 1) return '';
    const tag = node.localName;
    if (inShadow && tag === 'style') return '';
    if (tag === 'slot' && inShadow) {
      const assigned = node.assignedNodes({flatten: true});
      return assigned.length ? kids(assigned, false) : kids(node.childNodes, true);
    }
    if (tag === 'template') return '';
    const inner = node.shadowRoot ? kids(node.shadowRoot.childNodes, true) : kids(node.childNodes, inShadow);
    return VOID.has(tag) ? '<' + tag + attrs(node) + '>' : '<' + tag + attrs(node) + '>' + inner + '</' + tag + '>';
  };
  return '<!DOCTYPE html>' + ser(document.documentElement, false);
}"""

OPEN_SHADOW_ROOTS_JS = """
(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) { return attach.call(this, Object.assign({}, init, {mode: 'open'})); };
})();
"""


@dataclass
class ExpandResult:
    rounds: int = 0
    clicks: int = 0
    grew: bool = False
    stopped: str = ""


async def expand_lists(
    page: Any,
    *,
    pending: Callable[[], int],
    max_rounds: int = 25,
    max_s: float = 20.0,
    round_s: float = 3.0,
) -> ExpandResult:
    """Click "more" buttons and scroll until nothing new appears (bounded); `pending()` counts open requests."""
    result = ExpandResult()
    deadline = time.monotonic() + max_s
    idle = 0
    signature = await page.evaluate(SIGNATURE_JS)
    start = signature
    while True:
        if result.rounds >= max_rounds:
            result.stopped = "max_rounds"
            break
        if time.monotonic() >= deadline:
            result.stopped = "max_s"
            break
        result.rounds += 1
        clicked = int(await page.evaluate(CLICK_MORE_JS, MORE_LABEL))
        result.clicks += clicked
        await page.evaluate(SCROLL_JS)
        after = await _settle(page, pending, min(round_s, max(0.0, deadline - time.monotonic())))
        if after == signature:
            idle += 1
            if idle >= 2 or not clicked:  # a click that changed nothing yet gets one more round
                result.stopped = "no_change"
                break
        else:
            idle = 0
        signature = after
    result.grew = signature != start
    return result


async def _settle(page: Any, pending: Callable[[], int], limit_s: float) -> list[int]:
    """Wait until no request is open and the DOM signature stayed the same for 0.6 s (or limit_s)."""
    end = time.monotonic() + limit_s
    last, quiet = None, 0
    while True:
        await asyncio.sleep(0.2)
        sig = await page.evaluate(SIGNATURE_JS)
        quiet = quiet + 1 if sig == last and pending() == 0 else 0
        last = sig
        if quiet >= 3 or time.monotonic() >= end:
            return list(sig)


async def snapshot(page: Any) -> str:
    """The page's HTML; with shadow roots present, the composed tree (see the module docstring)."""
    if await page.evaluate(HAS_SHADOW_JS):
        return str(await page.evaluate(SNAPSHOT_JS))
    return str(await page.content())
