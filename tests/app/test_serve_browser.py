"""`triage serve --demo` in a real headless Chromium: the browser connects and shows the signature table.

textual-serve draws into a canvas, so the page's DOM has no text. The test drives Chromium over
the DevTools protocol (aiohttp's websocket client): the terminal frames the page receives must
carry the signature table (its title and the demo's NEW signature), and a screenshot of the page
must show it (the red NEW badges; the page before connecting has no red at all).
Chromium is required (CI installs Debian's package): if it is missing the test fails.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path

import aiohttp
import pytest

pytestmark = pytest.mark.anyio
TIMEOUT = 90  # seconds for the whole browser round trip on a loaded 2-core machine
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and the unfiltered rows of an 8-bit RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6) and chunk[12] == 0  # 8-bit, RGB(A), not interlaced
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * bpp
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line
        prev = line
    return width, height, bpp, bytes(out)


def badge_pixels(png: bytes) -> int:
    """Pixels in the saturated red of the NEW badges (the connecting page has none)."""
    width, height, bpp, pixels = png_pixels(png)
    return sum(1 for i in range(0, len(pixels), bpp) if pixels[i] > 200 and pixels[i + 1] < 40)


class DevTools:
    """The few DevTools calls the test needs, over one page's websocket."""

    def __init__(self, ws):
        self.ws, self.next_id, self.frames = ws, 0, []

    async def call(self, method: str, **params):
        self.next_id += 1
        await self.ws.send_str(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads((await self.ws.receive()).data)
            self._event(message)
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def _event(self, message: dict) -> None:
        if message.get("method") == "Network.webSocketFrameReceived":
            response = message["params"]["response"]
            payload = response["payloadData"]
            data = base64.b64decode(payload) if response.get("opcode") == 2 else payload.encode()
            self.frames.append(data.decode("utf-8", "replace"))

    async def pump(self, seconds: float) -> None:
        try:
            message = await self.ws.receive(timeout=seconds)
        except TimeoutError:
            return
        self._event(json.loads(message.data))

    def screen_text(self) -> str:
        return ANSI.sub("", "".join(self.frames))


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = dict(os.environ, TRIAGE_STATE_DIR=str(tmp_path / "state"), TRIAGE_CONFIG_DIR=str(tmp_path / "config"),
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]))
    env.pop("TRIAGE_KEYMAP", None)
    server = subprocess.Popen([sys.executable, "-m", "triage", "serve", "--demo", "--port", str(port)], cwd=tmp_path,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/", time.monotonic() + 30)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def chromium(tmp_path):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is not installed (apt-get install -y chromium; .ci/run does it)"
    profile = tmp_path / "chromium-profile"
    browser = subprocess.Popen([
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,900", "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active.is_file() and active.read_text().strip()):
            assert time.monotonic() < deadline and browser.poll() is None, "chromium did not start"
            time.sleep(0.1)
        yield int(active.read_text().split()[0])
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()


async def test_the_browser_shows_the_signature_table(served, chromium, tmp_path):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{chromium}/json/list") as response:
            pages = [t for t in await response.json() if t["type"] == "page"]
        async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tools = DevTools(ws)
            await tools.call("Network.enable")
            await tools.call("Page.enable")
            await tools.call("Page.navigate", url=served)
            deadline = time.monotonic() + TIMEOUT
            while not re.search(r"[\d,]+ signatures · sort rank", tools.screen_text()):
                assert time.monotonic() < deadline, f"no signature table in the page: {tools.screen_text()[-500:]!r}"
                await tools.pump(1.0)
            text = tools.screen_text()
            assert "Signatures" in text and "NEW" in text
            await asyncio.sleep(1.5)  # let the canvas draw the last frames
            shot = base64.b64decode((await tools.call("Page.captureScreenshot", format="png"))["data"])
    (tmp_path / "serve.png").write_bytes(shot)
    badges = badge_pixels(shot)
    assert badges > 1000, f"the screenshot shows no NEW badge ({badges} red pixels)"
