"""Voila on a free loopback port + Playwright driving Debian's Chromium.

Every page records the requests it makes; a test fails if its page contacted a
non-loopback host or logged a console error. A screenshot of each page is saved
to ``test-artifacts/``.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
IGNORED_CONSOLE = ("favicon.ico",)


@pytest.fixture(scope="session")
def voila_url(sandbox):
    """Base URL of one Voila serving ``notebooks/`` for the whole session (uses the sandbox)."""
    from neurodata_widgets.portal.serve import VoilaServer

    with open(ARTIFACTS / "voila.log", "w") as log:
        # as a fresh account starts it: no git identity, not even the one this test process applied for itself
        # (each kernel's import of the toolkit applies the toolkit's identity on its own)
        env = {k: v for k, v in os.environ.items() if k != "NDW_ORIGINAL_GIT_CONFIG_SYSTEM"}
        env["GIT_CONFIG_SYSTEM"] = os.environ.get("NDW_ORIGINAL_GIT_CONFIG_SYSTEM") or os.devnull
        with VoilaServer(REPO / "notebooks", env=env, tracebacks=True, log=log) as server:
            yield server.url


class Dashboard:
    """A page opened on a Voila dashboard, with what it requested and logged."""

    def __init__(self, page, base_url, ignore_console=()):
        self.page = page
        self.base_url = base_url
        self.ignore_console = tuple(ignore_console)
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self._watch(page)
        page.context.on("page", self._watch)  # a tab the page opens (JupyterLab's launcher) is watched too

    def _watch(self, page):
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        # a "Failed to load resource" line names no address: the failed answers themselves do
        page.on("response", lambda r: r.status >= 400 and self.console_errors.append(f"HTTP {r.status}: {r.url}"))

    def open(self, notebook: str, query: str = "", timeout: float = 120_000):
        """Navigate to ``/voila/render/<notebook>`` and wait until the kernel finished rendering."""
        url = f"{self.base_url}/voila/render/{notebook}" + (f"?{query}" if query else "")
        self.page.goto(url, timeout=timeout)
        self.page.wait_for_selector(".ndw-ready", state="attached", timeout=timeout)
        return self.page

    def outside_requests(self) -> list[str]:
        bad = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname not in LOOPBACK:
                bad.append(url)
        return bad


def save_screenshot(page, path, full_page: bool = True) -> None:
    """A picture for people to look at after the run (``test-artifacts/``), never an assertion: if Chromium
    cannot take it in 20 s (once, under CI's load, a full-page capture stalled), a picture of the window is
    taken instead, and if that fails too the test goes on without one."""
    from playwright.sync_api import Error as PlaywrightError

    for whole in ((True, False) if full_page else (False,)):
        try:
            page.screenshot(path=str(path), full_page=whole, timeout=20_000)
            return
        except PlaywrightError as exc:
            print(f"screenshot {Path(path).name} ({'full page' if whole else 'window'}) not taken: {exc}")


@pytest.fixture
def pages(browser, request):
    """``pages(base_url)``: a fresh browser page (a :class:`Dashboard`) on any Voila; checks requests and console.

    Every page opened through it is screenshot at the end (``test-artifacts/<test>[-n].png``) and fails the
    test if it contacted a non-loopback host or logged a console error.
    """
    opened = []
    name = request.node.name.replace("/", "_")

    def finish(context, dash, index):
        """Screenshot every tab of the page's context, close it, and check what it requested and logged."""
        if dash.closed:
            return
        dash.closed = True
        try:
            for n, page in enumerate(context.pages):  # popups (a new tab the page opened) too
                suffix = (f"-{index}" if index else "") + (f"-tab{n}" if n else "")
                save_screenshot(page, ARTIFACTS / f"{name}{suffix}.png")
            for page in context.pages:  # leave each dashboard as a closed tab does: Voila shuts its kernel down
                if "/voila/render/" in page.url:
                    page.goto("about:blank", timeout=30_000)
        finally:
            context.close()

    def open_page(base_url: str, ignore_console=()) -> Dashboard:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        dash = Dashboard(context.new_page(), base_url, ignore_console)
        dash.closed = False
        index = len(opened)
        dash.close = lambda: finish(context, dash, index)  # before stopping the server it talks to
        opened.append((context, dash))
        return dash

    yield open_page
    problems = []
    for index, (context, dash) in enumerate(opened):
        finish(context, dash, index)
        if dash.outside_requests():
            problems.append(f"page contacted non-loopback hosts: {dash.outside_requests()}")
        errors = [e for e in dash.console_errors if not any(s in e for s in IGNORED_CONSOLE + dash.ignore_console)]
        if errors:
            problems.append(f"browser console errors: {errors}")
            suffix = f"-{index}" if index else ""
            (ARTIFACTS / f"{name}{suffix}-console.txt").write_text("\n\n".join(errors) + "\n")  # whole, with stacks
    assert not problems, problems


@pytest.fixture
def dashboard(pages, voila_url):
    """A fresh browser page on the session's Voila; checks requests and console at the end."""
    return pages(voila_url)


@pytest.fixture
def logged_out(sandbox):
    """No Globus login in the session's shared configuration, as a fresh account opens a dashboard.

    Earlier tests log in through the same configuration folder the session's Voila reads; a page whose
    picture or layout is compared must not depend on which of them ran before.
    """
    from neurodata_widgets.globus.client import GlobusClient

    client = GlobusClient()
    if client.logged_in:
        client.logout()
    assert not client.logged_in


@pytest.fixture
def xnat_login_forgotten(sandbox):
    """No XNAT login saved for the sandbox in the session's shared store, as a fresh account opens a dashboard.

    Earlier tests log in with "Remember me"; a saved login changes the login card (its hint and placeholder),
    so a page whose picture is compared must not depend on which of them ran before.
    """
    from neurodata_widgets.auth.credentials import CredentialStore, credential_name

    store = CredentialStore()
    store.remove(credential_name(sandbox.info()["xnat"]["url"]))
    assert store.get(credential_name(sandbox.info()["xnat"]["url"])) is None


@pytest.fixture
def tick_row():
    """``tick_row(scope, name)``: tick a table row's checkbox as a user does."""
    return _tick_row


def _tick_row(scope, name: str) -> None:
    """Tick the checkbox of the table row showing ``name`` (as a user does in any listing)."""
    row = scope.locator(".ndw-dt-table tbody tr", has_text=name).first
    row.wait_for(timeout=60_000)
    box = row.locator("input[type=checkbox]")
    if not box.is_checked():
        box.click()


# -- reference images ---------------------------------------------------------------------------------
# The dashboards' looks are compared with small reference PNGs (tests/browser/reference/, 640 px wide)
# with a tolerance; the browser itself scales and compares them (a canvas), so no imaging library is
# needed. References change only on request: look at test-artifacts/looks-<name>.png, then run
#     make update-references        (= NDW_UPDATE_REFERENCES=1 pytest tests/browser/test_looks.py)
# A missing reference fails with that command; nothing is ever written silently.
import base64  # noqa: E402

REFERENCE = Path(__file__).with_name("reference")
WIDTH, HEIGHT = 640, 400  # the stored size: a 1280x800 viewport halved
PIXEL_THRESHOLD = 40  # a pixel "differs" when its channels differ by more than this on average (0-255)
TOLERANCE = 0.04  # the share of differing pixels accepted (paths, dates, ports differ between runs)

_SCALE = """async ([png, w, h]) => {
  const img = new Image(); img.src = png; await img.decode();
  const c = document.createElement("canvas"); c.width = w; c.height = h;
  const g = c.getContext("2d"); g.fillStyle = "#fff"; g.fillRect(0, 0, w, h); g.drawImage(img, 0, 0, w, h);
  return c.toDataURL("image/png");
}"""

_DIFF = """async ([a, b, w, h, threshold]) => {
  const pixels = async (src) => {
    const img = new Image(); img.src = src; await img.decode();
    const c = document.createElement("canvas"); c.width = w; c.height = h;
    const g = c.getContext("2d"); g.drawImage(img, 0, 0, w, h);
    return g.getImageData(0, 0, w, h).data;
  };
  const [p, q] = [await pixels(a), await pixels(b)];
  let differ = 0;
  for (let i = 0; i < p.length; i += 4) {
    const d = (Math.abs(p[i] - q[i]) + Math.abs(p[i + 1] - q[i + 1]) + Math.abs(p[i + 2] - q[i + 2])) / 3;
    if (d > threshold) differ++;
  }
  return differ / (w * h);
}"""


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def updating() -> bool:
    return os.environ.get("NDW_UPDATE_REFERENCES") == "1"


@pytest.fixture
def reference_image():
    """``reference_image(page, name, centre=None)``: compare the viewport with ``reference/<name>.png``."""
    return compare_with_reference


# data that differs from run to run (search results over a freshly built catalog, temporary paths) is masked:
# the comparison is about the layout and the look, the data has its own tests; so is who changes are saved as
MASKED = (".ndw-search-results", ".ndw-search-facets", ".ndw-search-stats", ".ndw-crumbs", ".ndw-identity",
          ".ndw-globus-history")  # the tasks of the tests before


def compare_with_reference(page, name: str, centre=None) -> float:
    """Screenshot the viewport and compare it with ``reference/<name>.png``; return the share that differs.

    ``centre`` (a locator) is scrolled to the middle of the viewport first. Scrolling "if needed" depends on where
    the page was scrolled before, which differs with the order of events; the middle depends on the layout only.
    """
    if centre is not None:
        centre.evaluate("(el) => el.scrollIntoView({block: 'center', inline: 'nearest'})")
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    mask = [page.locator(selector) for selector in MASKED]
    shot = page.evaluate(_SCALE, [_data_url(page.screenshot(mask=mask, mask_color="#888888")), WIDTH, HEIGHT])
    path = REFERENCE / f"{name}.png"
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"looks-{name}.png").write_bytes(base64.b64decode(shot.split(",", 1)[1]))
    if updating():
        REFERENCE.mkdir(exist_ok=True)
        path.write_bytes(base64.b64decode(shot.split(",", 1)[1]))
        return 0.0
    assert path.exists(), (f"no reference image {path.name}: check test-artifacts/looks-{name}.png, then run "
                           "`make update-references`")
    share = page.evaluate(_DIFF, [_data_url(path.read_bytes()), shot, WIDTH, HEIGHT, PIXEL_THRESHOLD])
    assert share <= TOLERANCE, (f"{name} differs from its reference in {share:.1%} of the picture (tolerance "
                                f"{TOLERANCE:.0%}): see test-artifacts/looks-{name}.png; if the change is "
                                "intended, run `make update-references` and commit the image")
    return share


# WCAG contrast of two computed CSS colours, and the first opaque background behind an element
_CONTRAST = """(el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null;
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { bg = c; break; }
  }
  bg = bg || [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture
def contrast():
    """``contrast(locator)``: WCAG contrast ratio of an element's text against the background behind it."""
    return lambda locator: locator.evaluate(_CONTRAST)


# -- layouts that hold: what a user would see break at a width or in a theme ---------------------------
# One pass over the widgets drawn in the output areas (Voila and JupyterLab name them alike) returns, in
# words, every problem found:
# - a widget box whose content is wider than the box (it shows a scrollbar or cuts its content off);
#   deliberate scrollers (a table's scroll container, the lineage graph's view) and their insides are
#   allowed to scroll, and so are text fields (a long path scrolls inside its input);
# - a button whose words wrap onto a second line ("reru/n") or are cut off;
# - an input cut off by a box around it (the password field of the login card);
# - text whose contrast against what is behind it is too low (CONTRAST_TEXT; the effective background: the
#   translucent tints of banners and rows composed over the first opaque colour behind them);
# - an error banner shown;
# - controls drawn over one another (their boxes intersect: a date field spilling over a row of buttons);
# - text squeezed to one word a line (a table column too narrow for its words) or cut off at the bottom;
# - a box scrolled sideways with no cue: every side that hides content shows its cue (an element with
#   data-scroll-cue="left"/"right" beside the box), and the box is reachable with the keyboard and named.
CONTROLS = "input, select, textarea, button, label, .widget-label, a.ndw-link-button"
SCROLLERS = (".ndw-dt-scroll", ".ndw-lg-view", ".jp-OutputArea-output pre")
# the least contrast each kind of text needs: table text is read closely (WCAG's 4.5:1), the rest is large,
# bold or a control's label (3:1)
CONTRAST_TEXT = {"th": 4.5, "td": 4.5, ".ndw-banner-message": 3, ".ndw-hint": 3, ".ndw-dt-info": 3,
                 ".ndw-header h1": 3, ".widget-label": 3, "a.ndw-link-button": 3, ".ndw-muted": 3,
                 "button:not(:disabled)": 3, ".lm-TabBar-tabLabel": 3}

_LAYOUT = """([outputs, scrollers, textSelectors, CONTROLS]) => {
  const problems = [];
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none';
  };
  const say = (el) => {
    const cls = [...el.classList].filter((c) => /^(ndw|widget|jupyter-widget|lm-|jp-)/.test(c)).slice(0, 3);
    const text = (el.innerText || el.value || el.placeholder || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `<${el.tagName.toLowerCase()}${cls.length ? '.' + cls.join('.') : ''}>${text ? ' "' + text + '"' : ''}`;
  };
  const inScroller = (el) => scrollers.some((s) => el.closest(s));
  const areas = [...document.querySelectorAll(outputs)].filter(
    (o) => shown(o) && o.querySelector('.jupyter-widgets, .ndw'));
  // colours as [r, g, b, a] on 0-255 (rgb()/rgba() and Chromium's color(srgb r g b / a) for color-mix)
  const colour = (css) => {
    const n = (css.match(/-?[\\d.]+(e-?\\d+)?/g) || []).map(Number);
    if (css.startsWith('rgb')) return n.length >= 3 ? [n[0], n[1], n[2], n.length > 3 ? n[3] : 1] : null;
    if (css.startsWith('color(srgb')) return n.length >= 3 ? [n[0] * 255, n[1] * 255, n[2] * 255,
                                                             n.length > 3 ? n[3] : 1] : null;
    return null;
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[3] * top[i] + (1 - top[3]) * bottom[i]).concat([1]);
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = colour(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 0.999) break; }
    }
    let bg = [255, 255, 255, 1];
    if (layers.length && layers[layers.length - 1][3] >= 0.999) bg = layers.pop();
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ownText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  for (const area of areas) {
    const box = area.getBoundingClientRect();
    // 1. widget boxes narrower than their content (the area itself included)
    for (const el of [area, ...area.querySelectorAll('*')]) {
      if (el.closest('svg') || ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'OPTION'].includes(el.tagName)) continue;
      if (inScroller(el) || !shown(el)) continue;
      const s = getComputedStyle(el);
      if (s.textOverflow === 'ellipsis') continue;  // cut with "…" on purpose
      if (el !== area && s.overflowX === 'visible') continue;  // it spills: the box around it is checked
      if (el.scrollWidth > el.clientWidth + 1) {
        const right = el.getBoundingClientRect().left + el.clientWidth;
        const wide = [...el.querySelectorAll('*')].filter((d) => shown(d) && !d.closest('svg')
          && d.getBoundingClientRect().right > right + 1);
        const culprit = wide.filter((d) => !wide.some((o) => o !== d && d.contains(o)))[0];
        problems.push(`${say(el)} is ${el.scrollWidth}px wide inside ${el.clientWidth}px`
                      + (culprit ? `: ${say(culprit)} sticks out` : ''));
      }
    }
    // 2. buttons: words on one line, not cut off
    for (const b of area.querySelectorAll('button')) {
      if (!shown(b) || !b.innerText.trim()) continue;
      const range = document.createRange(); range.selectNodeContents(b);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1 && b.getBoundingClientRect().height > 1.6 * parseFloat(getComputedStyle(b).lineHeight || 20)) {
        problems.push(`button ${say(b)} wraps onto ${lines.size} lines`);
      }
      if (b.scrollWidth > b.clientWidth + 1) problems.push(`button ${say(b)} is cut off (${b.scrollWidth}px in ${b.clientWidth}px)`);
    }
    // 3. inputs fully inside every box that would cut them
    for (const input of area.querySelectorAll('input, select, textarea')) {
      if (!shown(input) || inScroller(input) || input.type === 'checkbox' && input.closest('.ndw-dt')) continue;
      const r = input.getBoundingClientRect();
      for (let e = input.parentElement; e && e !== area.parentElement; e = e.parentElement) {
        if (getComputedStyle(e).overflowX === 'visible' && e !== area) continue;
        const c = e.getBoundingClientRect();
        const right = c.left + e.clientLeft + e.clientWidth;
        if (r.right > right + 1 || r.left < c.left - 1) {
          problems.push(`input ${say(input)} is cut off by ${say(e)} (${Math.round(r.left)}-${Math.round(r.right)}px`
                        + ` shown in ${Math.round(c.left)}-${Math.round(right)}px)`);
          break;
        }
      }
    }
    // 4. text readable against what is behind it
    const seen = new Set();
    for (const [sel, minContrast] of textSelectors) {
      for (const el of [...area.querySelectorAll(sel)].slice(0, 40)) {
        if (seen.has(el) || !shown(el) || !(ownText(el) || el.tagName === 'BUTTON' || el.tagName === 'TH')) continue;
        seen.add(el);
        const s = getComputedStyle(el);
        if (parseFloat(s.opacity) < 1) continue;
        const fg = colour(s.color); if (!fg) continue;
        const bg = behind(el);
        const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        const value = ratio(lum(over(fg, bg)), lum(bg));
        if (value < minContrast) problems.push(`text ${say(el)} has contrast ${value.toFixed(2)}:1 `
                                               + `(${s.color} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
      }
    }
    // 5. no error banner
    for (const banner of area.querySelectorAll('.ndw-banner-error')) {
      if (shown(banner)) problems.push(`an error is shown: ${say(banner)}`);
    }
    // 6. controls drawn over one another (a date field spilling over the buttons of the next row)
    const controls = [...area.querySelectorAll(CONTROLS)].filter((c) => shown(c) && !inScroller(c));
    const rects = controls.map((c) => c.getBoundingClientRect());
    for (let i = 0; i < controls.length; i++) {
      for (let j = i + 1; j < controls.length; j++) {
        const [a, b] = [rects[i], rects[j]];
        if (controls[i].contains(controls[j]) || controls[j].contains(controls[i])) continue;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 2 && h > 2) problems.push(`${say(controls[i])} overlaps ${say(controls[j])} (${Math.round(w)}x${Math.round(h)}px)`);
      }
    }
    // 7. text squeezed to one word a line (a column too narrow for its words), or cut off by its box
    for (const el of area.querySelectorAll('td, th, p, li, dd, div, span')) {
      if (!shown(el) || !ownText(el) || el.closest('svg, button')) continue;
      const words = el.innerText.trim().split(/\s+/).filter((w) => /\w/.test(w));
      if (words.length >= 3) {
        const range = document.createRange(); range.selectNodeContents(el);
        const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top).sort((x, y) => x - y);
        const lines = tops.filter((t, k) => k === 0 || t - tops[k - 1] > 4).length;
        // a column squeezed narrower than its words: about one word a line
        if (lines >= 3 && words.length < 1.5 * lines && el.clientWidth < 150) {
          problems.push(`text ${say(el)} stands about one word a line (${words.length} words on ${lines} lines)`);
        }
      }
      const s = getComputedStyle(el);
      if (s.textOverflow !== 'ellipsis' && s.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + 3
          && s.overflowY !== 'auto' && s.overflowY !== 'scroll') {
        problems.push(`text ${say(el)} is cut off at the bottom (${el.scrollHeight}px in ${el.clientHeight}px)`);
      }
    }
    // 8. a box scrolled sideways says so: a shown cue on each side that hides content ([data-scroll-cue] beside
    // it), reachable with the keyboard (tabindex) and named for a screen reader
    for (const el of [area, ...area.querySelectorAll('*')]) {
      if (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) || !shown(el)) continue;
      const s = getComputedStyle(el);
      if (!['auto', 'scroll'].includes(s.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
      const hidden = {left: el.scrollLeft, right: el.scrollWidth - el.clientWidth - el.scrollLeft};
      for (const side of ['left', 'right']) {
        if (hidden[side] <= 1) continue;
        const cue = el.parentElement && el.parentElement.querySelector(`:scope > [data-scroll-cue="${side}"]`);
        if (!cue || !shown(cue) || parseFloat(getComputedStyle(cue).opacity) < 0.5) {
          problems.push(`${say(el)} hides ${Math.round(hidden[side])}px to the ${side} with no cue`);
        }
      }
      if (el.tabIndex < 0) problems.push(`${say(el)} scrolls sideways but the keyboard cannot reach it`);
      if (!el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
        problems.push(`${say(el)} scrolls sideways but has no name for a screen reader`);
      }
    }
  }
  if (!areas.length) problems.push('no widget output found');
  return [...new Set(problems)];
}"""


def layout_problems(page, outputs: str = ".jp-OutputArea-output") -> list[str]:
    """Every layout, wrap, clip, contrast or error problem of the widgets drawn in ``outputs``, in words."""
    return page.evaluate(_LAYOUT, [outputs, list(SCROLLERS), list(CONTRAST_TEXT.items()), CONTROLS])


@pytest.fixture
def layout_check():
    """``layout_check(page, outputs=...)``: the list of problems (see :func:`layout_problems`)."""
    return layout_problems
