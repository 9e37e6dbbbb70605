"""The HTML leaderboard (mimbench leaderboard --html): the same table model as the Markdown, escaped record
fields, and a real browser (Debian's headless chromium) that loads it from disk, sorts on a header click,
fetches nothing and takes a screenshot.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON messages
ending in NUL on file descriptors 3 and 4), so the test needs chromium and nothing else. In CI (``CI`` set)
a missing chromium fails the test; elsewhere it is skipped with the command that installs it.
"""
import base64
import html.parser
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from mimbench.leaderboard import build_leaderboards, tables
from mimbench.leaderboard.records import aggregate_records
from mimbench.leaderboard.reference import load_reference
from mimbench.leaderboard.specs import SPECS
from mimbench.results import ResultRecord, write_record

PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def record(task='in1k', method='mae', backbone='vit-l', metrics=None, **kw):
    kw.setdefault('date', '2026-01-01T00:00:00+00:00')   # skip environment stamping: fast and deterministic
    return ResultRecord(task=task, method=method, backbone=backbone, metrics=metrics or {'top1': 84.0}, **kw)


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    """A leaderboard with records: MAE Table 1 ablation runs, a default run, and a hostile record."""
    root = tmp_path_factory.mktemp('html')
    results = root / 'results'
    ablation = {'pretrain': {'epochs': 800}, 'recipe': 'mae.txt Table 1', 'config': str(root / 'cfg.py')}
    for variant, top1 in (('dec-depth-1', 84.1), ('dec-depth-12', 85.0), ('pixel-no-norm', 84.5)):
        write_record(record(metrics={'top1': top1}, variant=variant, **ablation), results)
    write_record(record(metrics={'top1': 84.6}, variant='dec-depth-1', seed=1, **ablation), results)
    write_record(record(task='coco', backbone='vit-b', metrics={'ap_box': 50.0}, pretrain={'epochs': 1600}),
                 results)
    # user files, not written by mimbench: free-text fields are shown; a hostile id is refused (a problem)
    hostile = asdict(record(task='coco', method='supervised', backbone='vit-b', metrics={'ap_box': 51.0},
                            config=PAYLOAD, recipe=PAYLOAD, note=PAYLOAD, checkpoint=PAYLOAD))
    (results / 'hostile.json').write_text(json.dumps(hostile))
    (results / 'bad_id.json').write_text(json.dumps({**hostile, 'method': PAYLOAD}))
    out = root / 'leaderboards'
    written = build_leaderboards([results], out, html=True)
    return out, written


class _Elements(html.parser.HTMLParser):
    """Counts elements and collects attribute values of a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.script = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        if self.tags and self.tags[-1] == 'script':
            self.script.append(data)


def test_page_is_written_next_to_the_markdown_and_escapes_record_fields(site):
    out, written = site
    page = (out / 'index.html').read_text(encoding='utf-8')
    assert written['index.html'] == out / 'index.html' and (out / 'index.md').exists()
    assert 'bad_id.json' in written['problems'].read_text()                 # refused, reported, not shown
    parsed = _Elements()
    parsed.feed(page)
    assert parsed.tags.count('script') == 1 and parsed.tags.count('img') == 3   # our script; the 3 plots
    assert '__pwned' not in ''.join(parsed.script)
    assert '&lt;script&gt;window.__pwned=1&lt;/script&gt;' in page            # shown as text, escaped
    assert not any(name.startswith('on') for name, _ in parsed.attrs)       # no event-handler attribute
    hrefs = [value for name, value in parsed.attrs if name == 'href']
    assert hrefs and all(h.startswith('#') or '://' not in h and ':' not in h.split('/')[0] for h in hrefs)
    csp = next(v for n, v in parsed.attrs if n == 'content' and 'script-src' in v)
    assert "default-src 'none'" in csp and 'unsafe-inline' not in csp      # only our hashed script runs
    assert 'http://' not in page and 'https://' not in page                 # nothing from the network


def test_html_shows_the_same_cells_as_the_markdown(site):
    """One table model, two renderers: every paper value of every table appears in the page."""
    reference = load_reference()
    groups = aggregate_records([])
    page = (site[0] / 'index.html').read_text(encoding='utf-8')
    for spec in SPECS:
        table = tables.build_table(spec, reference, groups)
        start = page.index(f'id="{spec.paper}-table{spec.table}"')
        section = page[start:page.index('</section>', start)]
        for line in table.cells:
            for cell in line:
                if isinstance(cell, tables.Cell) and cell.source:
                    assert f'>{tables.paper_text(cell)}</a>' in section, (spec.name, cell.source)


def test_reproduced_cells_link_their_records_and_recipe(site):
    out, _ = site
    page = (out / 'index.html').read_text(encoding='utf-8')
    start = page.index('id="mae-table1a"')
    section = page[start:page.index('</section>', start)]
    # the 1-block decoder: two seeds, mean 84.35 vs. the paper's 84.8
    delta = round((84.1 + 84.6) / 2 - 84.8, 2)
    assert '84.3±0.4' in section and f'>{delta:+.1f}</td>' in section
    links = [h for h in section.split('href="')[1:] if h.startswith('../results/')]
    assert len(links) == 4 and all(h.split('"')[0].endswith('.json') for h in links)
    assert 'href="../cfg.py"' in section and 'mae.txt Table 1' in section


def test_intervals_verdicts_and_cost_columns(tmp_path):
    """A cell with an interval shows it and the verdict; a cost column (mae.txt Table 1c FLOPs) has no
    mimbench side."""
    from mimbench.leaderboard import combined, html
    reference = load_reference()
    groups = aggregate_records([record(metrics={'top1': 84.1}, variant='mask-token-encoder',
                                       pretrain={'epochs': 800})])
    groups['ci_low'], groups['ci_high'], groups['ci_method'] = 83.6, 84.6, 'bootstrap'
    spec = next(s for s in SPECS if s.name == 'mae_table1c')
    table = tables.build_table(spec, reference, groups)
    page = html.render_page([table], combined.combined_frame(reference, groups), tmp_path)
    section = page[page.index('id="mae-table1c"'):]
    assert '84.1 [83.6, 84.6]' in section and '>-0.1 ✓</td>' in section     # 84.2 lies within
    head = section[section.index('<thead>'):section.index('</thead>')]
    assert head.count('>paper<') == head.count('>mimbench<') == 2                 # ft and lin only
    assert '<th rowspan="2" data-col="7">FLOPs (×)</th>' in head                    # one column, the paper's


# ---------------------------------------------------------------- a real browser

def chromium_binary() -> str:
    found = shutil.which('chromium') or shutil.which('chromium-browser')
    if found:
        return found
    message = ('chromium is not installed: the HTML leaderboard test needs it '
               '(apt-get install -y chromium; tools/test.sh installs it when apt is usable)')
    if os.environ.get('CI'):
        pytest.fail(message)
    pytest.skip(message)


class Chromium:
    """Headless chromium driven over the DevTools protocol on a pipe (fd 3: commands, fd 4: replies)."""

    def __init__(self, binary: str, profile: Path):
        commands, self._send_fd = os.pipe()
        self._recv_fd, replies = os.pipe()

        def child_fds():                     # the pipe ends become the child's fds 3 and 4
            if replies == 3:
                moved = os.dup(replies)
            else:
                moved = replies
            os.dup2(commands, 3)
            os.dup2(moved, 4)
        flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 f'--user-data-dir={profile}', '--remote-debugging-pipe', '--window-size=1280,900']
        # close_fds=False: our own pipe ends are close-on-exec (PEP 446) and the dup2'ed 3 and 4 are not;
        # pass_fds=(3, 4) would need fds 3 and 4 to be open in this process already
        self.process = subprocess.Popen([binary, *flags], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=child_fds, close_fds=False)
        os.close(commands)
        os.close(replies)
        self._buffer, self._next, self.events, self.session = b'', 0, [], None

    def send(self, method: str, timeout: float = 60.0, **params):
        self._next += 1
        message = {'id': self._next, 'method': method, 'params': params}
        if self.session:
            message['sessionId'] = self.session
        os.write(self._send_fd, json.dumps(message).encode() + b'\0')
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get('id') == self._next:
                if 'error' in reply:
                    raise RuntimeError(f'{method}: {reply["error"]}')
                return reply.get('result', {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get('method') == method:
                    self.events.remove(event)
                    return event
            self.events.append(self._read(deadline))

    def _read(self, deadline: float) -> dict:
        while b'\0' not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._recv_fd], [], [], left)[0]:
                raise TimeoutError('chromium did not answer in time')
            chunk = os.read(self._recv_fd, 1 << 16)
            if not chunk:
                raise RuntimeError(f'chromium exited (code {self.process.poll()})')
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b'\0', 1)
        return json.loads(message)

    def evaluate(self, expression: str):
        result = self.send('Runtime.evaluate', expression=expression, returnByValue=True)
        if 'exceptionDetails' in result:
            raise RuntimeError(f'{expression}: {result["exceptionDetails"]}')
        return result['result'].get('value')

    def close(self):
        try:
            self.session = None
            self.send('Browser.close', timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._send_fd)
        os.close(self._recv_fd)


@pytest.fixture
def browser(tmp_path):
    binary = chromium_binary()
    chrome = Chromium(binary, tmp_path / 'profile')
    try:
        target = chrome.send('Target.createTarget', url='about:blank')['targetId']
        chrome.session = chrome.send('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
        yield chrome
    finally:
        chrome.close()


def _row_labels(chrome, anchor):
    return chrome.evaluate(f'Array.from(document.querySelectorAll("#{anchor} tbody tr"))'
                           '.filter(tr => !tr.classList.contains("hide"))'
                           '.map(tr => tr.cells[0].textContent)')


def test_chromium_loads_the_page_from_disk_sorts_filters_and_screenshots(site, browser, tmp_path):
    out, _ = site
    browser.send('Page.enable')
    browser.send('Network.enable')
    browser.send('Page.navigate', url=(out / 'index.html').as_uri())
    browser.wait_event('Page.loadEventFired')
    assert browser.evaluate('document.title') == 'mimbench leaderboards'
    assert browser.evaluate('typeof window.__pwned') == 'undefined'        # the hostile record did nothing
    requests = [e['params']['request']['url'] for e in browser.events
                if e.get('method') == 'Network.requestWillBeSent']
    assert requests and all(url.startswith(('file://', 'data:')) for url in requests), requests

    # click the "ft" paper header of MAE Table 1a with the mouse, as a user does, then read the order back
    anchor = 'mae-table1a'
    before = _row_labels(browser, anchor)
    assert before == ['1 block', '2 blocks', '4 blocks', '8 blocks', '12 blocks']
    header = f'#{anchor} thead tr:nth-child(2) th[data-col="1"]'     # ft: paper / mimbench / Δ
    assert browser.evaluate(f'document.querySelector({json.dumps(header)}).textContent') == 'paper'

    def click(selector):
        box = browser.evaluate(f'(() => {{ const el = document.querySelector({json.dumps(selector)}); '
                               'el.scrollIntoView({block: "center"}); const r = el.getBoundingClientRect(); '
                               'return [r.x + r.width / 2, r.y + r.height / 2]; })()')
        for kind in ('mousePressed', 'mouseReleased'):
            browser.send('Input.dispatchMouseEvent', type=kind, x=box[0], y=box[1], button='left',
                         clickCount=1)
    click(header)
    # ascending by the paper's ft: 84.4 (12) < 84.8 (1) < 84.9 (2, 4, 8: ties keep the paper's order)
    assert _row_labels(browser, anchor) == ['12 blocks', '1 block', '2 blocks', '4 blocks', '8 blocks']
    assert browser.evaluate(f'document.querySelector({json.dumps(header)}).getAttribute("aria-sort")') \
        == 'ascending'
    click(header)
    assert _row_labels(browser, anchor) == ['2 blocks', '4 blocks', '8 blocks', '1 block', '12 blocks']
    # sorting by the mimbench column puts rows without a run last
    click(f'#{anchor} thead tr:nth-child(2) th[data-col="2"]')
    assert _row_labels(browser, anchor) == ['1 block', '8 blocks', '12 blocks', '2 blocks', '4 blocks']

    # filters: task COCO hides every IN1K-only table; backbone size "large" keeps MAE Table 1a
    def choose(name, value):
        browser.evaluate(f'(() => {{ const s = document.querySelector(\'select[data-filter="{name}"]\'); '
                         f's.value = {json.dumps(value)}; s.dispatchEvent(new Event("change")); }})()')
    choose('task', 'coco')
    assert browser.evaluate(f'document.getElementById("{anchor}").classList.contains("hide")') is True
    assert browser.evaluate('document.getElementById("mae-table4").classList.contains("hide")') is False
    choose('task', '')
    choose('size', 'large')
    visible = browser.evaluate('Array.from(document.querySelectorAll("#mae-table3 thead th"))'
                               '.filter(th => !th.classList.contains("hide")).map(th => th.textContent)')
    assert visible == ['Method', 'ViT-L']                          # the ViT-B and ViT-H columns are hidden
    choose('size', '')
    choose('epochs', '800')
    assert browser.evaluate('document.getElementById("mae-table3").classList.contains("hide")') is True
    assert _row_labels(browser, anchor)[0] == '1 block'

    shot = base64.b64decode(browser.send('Page.captureScreenshot', format='png')['data'])
    (tmp_path / 'leaderboard.png').write_bytes(shot)
    assert shot[:8] == b'\x89PNG\r\n\x1a\n' and len(shot) > 10_000
