// What a person would notice on a page as drawn, found in one pass over the DOM:
// - text wrapped into a column one or two characters wide (a squeezed table cell or caption);
// - a visible "None" where a value is missing;
// - a count that disagrees with its noun ("1 sessions", "3 device");
// - markup or template syntax in the window's title;
// - a link, button or choice smaller than 24 x 24 px whose 24 px circle overlaps another target
//   (WCAG 2.2, 2.5.8 Target Size (Minimum): a small target is fine only with room around it).
// Each problem is one line naming the page and the element's text.

const NOUNS = [
  'borrower', 'call', 'course', 'day', 'device', 'hub', 'item', 'learner', 'letter', 'loan',
  'message', 'month', 'person', 'place', 'problem', 'repair', 'row', 'session', 'week',
];

/** The problems on `page` as it is drawn now. */
export async function lookProblems(page, label) {
  const found = await page.evaluate((nouns) => {
    const problems = [];
    const visible = (el) => {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') return false;
      const r = el.getBoundingClientRect();
      // Screen-reader-only text is clipped to 1 px: not seen.
      return r.width > 1 && r.height > 1;
    };
    const describe = (el) => (el.innerText || el.value || el.getAttribute('aria-label') || el.tagName)
      .replace(/\s+/g, ' ').trim().slice(0, 60);

    // Text squeezed into a narrow column: three or more lines, none wider than two characters.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.replace(/\s+/g, '');
      if (text.length < 4 || !node.parentElement || !visible(node.parentElement)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      const size = parseFloat(getComputedStyle(node.parentElement).fontSize) || 16;
      if (rects.length >= 3 && Math.max(...rects.map((r) => r.width)) < 1.6 * size) {
        problems.push(`text in a column ${Math.round(Math.max(...rects.map((r) => r.width)))} px wide: "${node.textContent.trim().slice(0, 40)}"`);
      }
    }

    // The window's title is plain words: markup there is a template that closed the wrong block.
    if (/[<>{}]/.test(document.title)) problems.push(`the title holds markup: "${document.title.slice(0, 60)}"`);

    const main = document.querySelector('main') ?? document.body;
    const words = main.innerText;
    for (const match of words.matchAll(/(^|[\s:(])None([\s.,)]|$)/g)) {
      problems.push(`"None" shown: "…${words.slice(Math.max(0, match.index - 30), match.index + 10).replace(/\s+/g, ' ')}…"`);
    }
    for (const noun of nouns) {
      const plural = noun === 'person' ? 'people' : `${noun}s`;
      for (const match of words.matchAll(new RegExp(`(?<![\\d.,£])\\b1 ${plural}\\b`, 'g'))) {
        problems.push(`a count disagrees with its noun: "${match[0]}"`);
      }
      for (const match of words.matchAll(new RegExp(`(?<![\\d.,£:/-])\\b(0|[2-9]|[1-9]\\d+) ${noun}\\b(?![-'’])`, 'g'))) {
        problems.push(`a count disagrees with its noun: "${match[0]}"`);
      }
    }

    // Targets: each under 24 px must have a 24 px circle around its centre clear of the others.
    const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
      .filter(visible)
      .map((el) => ({ el, r: el.getBoundingClientRect() }));
    for (const { el, r } of targets) {
      if (r.width >= 24 && r.height >= 24) continue;
      const cx = r.left + r.width / 2;
      const cy = r.top + r.height / 2;
      const crowded = targets.some(({ el: other, r: o }) => {
        if (other === el || other.contains(el) || el.contains(other)) return false;
        // The distance from the centre to the nearest point of the other target.
        const dx = Math.max(o.left - cx, 0, cx - o.right);
        const dy = Math.max(o.top - cy, 0, cy - o.bottom);
        return Math.hypot(dx, dy) < 12;
      });
      if (crowded) {
        problems.push(`a ${el.tagName.toLowerCase()} ${Math.round(r.width)} x ${Math.round(r.height)} px, too close to another: "${describe(el)}"`);
      }
    }
    return problems;
  }, NOUNS);
  return [...new Set(found)].map((p) => `${label}: ${p}`);
}
