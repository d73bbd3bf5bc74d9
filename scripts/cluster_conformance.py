#!/usr/bin/env python3
"""Cluster conformance runner: a small station that a vendor points a cluster at.

It plays the station's side of docs/protocol.md (version 1.1), runs the cluster's
rules as scenarios one after another, and prints each rule (C-01 … C-15) with `pass`
or `FAIL` and what it saw. The exit status is the number of failed rules.

    python3 scripts/cluster_conformance.py --listen 0.0.0.0:7490 --cluster-id acme-1

prints the credential to write into the cluster (`ccl1:acme-1:…`); point the cluster
at ws://HOST:7490/v1/link. The run takes about 3 minutes plus --retry-window (the
time C-12 watches that a cluster closed with 4410 stays away: 300 s by default, as
the page asks).

`--self-test BIN_DIR` runs the runner against `commcast-sim` twice: as it is (every
rule must pass) and breaking rules on purpose (those rules must fail), so the runner
is shown to catch what it claims to.

Needs Python 3.10+ with `websockets` (13 or later) and `cryptography`, and `opusenc`
(opus-tools) to make the test audio.
"""
import argparse
import asyncio
import base64
import datetime
import hashlib
import http
import json
import logging
import math
import os
import struct
import subprocess
import sys
import tempfile
import time
import wave

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

HEARTBEAT = 5  # heartbeat_seconds the runner asks for, to keep the run short
RESULTS = []


def check(rule, ok, detail):
    RESULTS.append((rule, bool(ok), detail))
    print(f"{rule}  {'pass' if ok else 'FAIL'}  {detail}", flush=True)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# --- audio ----------------------------------------------------------------------


def make_media(work, seconds, hz):
    """An Ogg Opus file of a tone (opusenc), its bytes and its Opus packets."""
    wav = os.path.join(work, f"tone-{hz}.wav")
    with wave.open(wav, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * hz * i / 48000))) for i in range(48000 * seconds)))
    out = wav[:-4] + ".opus"
    subprocess.run(["opusenc", "--quiet", "--bitrate", "24", "--framesize", "20", wav, out], check=True)
    data = open(out, "rb").read()
    return data, ogg_packets(data)[2:]


def ogg_packets(data):
    """Every packet of an Ogg stream, in order (RFC 3533)."""
    packets, current, offset = [], b"", 0
    while offset + 27 <= len(data) and data[offset:offset + 4] == b"OggS":
        count = data[offset + 26]
        lacing = data[offset + 27:offset + 27 + count]
        body = offset + 27 + count
        for size in lacing:
            current += data[body:body + size]
            body += size
            if size < 255:
                packets.append(current)
                current = b""
        offset = body
    return packets


# --- the station ----------------------------------------------------------------


class Station:
    """One cluster's station: the link, media downloads, and what the cluster sent."""

    def __init__(self, cluster_id, key, media):
        self.cluster_id = cluster_id
        self.public_key = key.public_key()
        self.media = media  # sha256 -> bytes
        self.events = []  # (time, link number, message) for every message from the cluster
        self.connects = []  # (time, link number)
        self.hello_delays = []
        self.hellos = []
        self.changed = asyncio.Condition()
        self.link = None
        self.link_no = 0
        self.session = None
        self.accepting = True
        self.revision = 0
        self.receipt_policy = lambda receipt: "ack"
        self.media_policy = lambda sha, range_header, n: "normal"
        self.media_requests = []  # (sha, Range header, status)
        self.next_airing = 1000
        self.on_welcome = None  # sent right after the next welcome, before anything else

    # The link.

    async def handle(self, ws):
        if not self.accepting:
            await ws.send(json.dumps({"type": "error", "code": "unavailable", "message": "the runner is keeping the cluster offline"}))
            await ws.close(1011, "unavailable")
            return
        nonce = b64url(os.urandom(32))
        sent = time.monotonic()
        await ws.send(json.dumps({"type": "challenge", "protocol": 1, "protocol_versions": ["1.0", "1.1"], "nonce": nonce,
                                  "server_time": iso(time.time())}))
        try:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        except (asyncio.TimeoutError, ConnectionClosed, json.JSONDecodeError):
            self.hellos.append(("no hello", None))
            await ws.close(4407, "hello_timeout")
            return
        self.hello_delays.append(time.monotonic() - sent)
        self.hellos.append(("hello", hello))
        try:
            self.public_key.verify(unb64url(hello.get("signature", "")), f"commcast-link-v1\n{hello.get('cluster_id')}\n{nonce}".encode())
            valid = hello.get("cluster_id") == self.cluster_id
        except (InvalidSignature, ValueError):
            valid = False
        if not valid:
            await ws.send(json.dumps({"type": "error", "code": "bad_signature", "message": "the signature does not verify"}))
            await ws.close(4401, "bad_signature")
            return
        self.session = b64url(os.urandom(24))
        await ws.send(json.dumps({"type": "welcome", "session": self.session, "heartbeat_seconds": HEARTBEAT, "protocol": "1.1",
                                  "server_time": iso(time.time()), "media_path": "/v1/media/"}))
        async with self.changed:
            self.link_no += 1
            number = self.link_no
            self.link = ws
            self.connects.append((time.monotonic(), number))
            first, self.on_welcome = self.on_welcome, None
            if first is not None:
                await ws.send(json.dumps(first))
            self.changed.notify_all()
        try:
            async for text in ws:
                if isinstance(text, bytes):
                    continue
                message = json.loads(text)
                async with self.changed:
                    self.events.append((time.monotonic(), number, message))
                    self.changed.notify_all()
                if message.get("type") == "receipt":
                    await self.answer(ws, message)
        except (ConnectionClosed, json.JSONDecodeError):
            pass
        finally:
            async with self.changed:
                if self.link is ws:
                    self.link = None
                self.changed.notify_all()

    async def answer(self, ws, receipt):
        policy = self.receipt_policy(receipt)
        if policy == "ack":
            await ws.send(json.dumps({"type": "receipt_ack", "receipt_ids": [receipt["receipt_id"]]}))
        elif policy == "reject":
            await ws.send(json.dumps({"type": "receipt_ack", "receipt_ids": [receipt["receipt_id"]],
                                      "rejected": [{"receipt_id": receipt["receipt_id"], "reason": "rejected by the runner (C-10)"}]}))

    async def send(self, message):
        ws = self.link
        if ws is None:
            raise ConnectionError("the cluster is not connected")
        await ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    async def wait(self, predicate, timeout):
        """The first event (time, link, message) after now-ish that satisfies predicate, or None."""
        deadline = time.monotonic() + timeout
        async with self.changed:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                try:
                    await asyncio.wait_for(self.changed.wait(), left)
                except asyncio.TimeoutError:
                    return None

    async def wait_connected(self, after_link, timeout):
        deadline = time.monotonic() + timeout
        async with self.changed:
            while not (self.link is not None and self.link_no > after_link):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    await asyncio.wait_for(self.changed.wait(), left)
                except asyncio.TimeoutError:
                    return False
            return True

    async def close(self, code, error, message):
        ws = self.link
        if ws is not None:
            await ws.send(json.dumps({"type": "error", "code": error, "message": message}))
            await ws.close(code, error)

    # Schedules.

    def airing(self, start_in, seconds, sha, level="normal"):
        self.next_airing += 1
        start = time.time() + start_in
        return {"airing_id": self.next_airing, "bulletin_id": self.next_airing, "title": f"conformance {self.next_airing}",
                "level": level, "start": iso(start), "end": iso(start + seconds),
                "media": {"sha256": sha, "size": len(self.media[sha]), "duration_ms": seconds * 1000}}

    async def schedule(self, airings, extra=None):
        self.revision += 1
        now = time.time()
        message = {"type": "schedule", "revision": self.revision, "from": iso(now), "until": iso(now + 86400), "airings": airings}
        await self.send({**message, **(extra or {})})

    def receipts(self, airing_id, since=0):
        return [(t, n, m) for t, n, m in self.events
                if t >= since and m.get("type") == "receipt" and m.get("airing_id") == airing_id]

    # Media downloads, on the same port as the link.

    def process_request(self, connection, request):
        if not request.path.startswith("/v1/media/"):
            return None  # the WebSocket handshake goes on
        sha = request.path[len("/v1/media/"):].removesuffix(".opus").lower()
        auth = request.headers.get("Authorization", "")
        if auth != f"Bearer {self.session}":
            return self.reply(401, b"")
        if sha not in self.media:
            return self.reply(404, b"")
        data = self.media[sha]
        range_header = request.headers.get("Range")
        n = sum(1 for s, _, _ in self.media_requests if s == sha)
        policy = self.media_policy(sha, range_header, n)
        first = 0
        if range_header and range_header.startswith("bytes=") and range_header.endswith("-") and "," not in range_header:
            first = int(range_header[6:-1])
        body = data[first:]
        if policy == "corrupt":
            body = bytearray(body)
            body[len(body) // 2] ^= 0xFF
            body = bytes(body)
        status = 206 if first else 200
        self.media_requests.append((sha, range_header, status))
        headers = {"Content-Type": "audio/ogg", "Accept-Ranges": "bytes", "ETag": f'"{sha}"'}
        if first:
            headers["Content-Range"] = f"bytes {first}-{len(data) - 1}/{len(data)}"
        if policy == "truncate":
            # The length of the whole, half of it sent, then the connection closes: a broken transfer.
            return self.reply(status, body[:len(body) // 2], headers, length=len(body))
        return self.reply(status, body, headers)

    @staticmethod
    def reply(status, body, headers=None, length=None):
        h = Headers(**(headers or {}))
        h["Content-Length"] = str(len(body) if length is None else length)
        h["Connection"] = "close"
        return Response(status, http.HTTPStatus(status).phrase, h, body)


# --- the scenarios ---------------------------------------------------------------


async def scenario_connect(st, wait):
    print(f"waiting up to {wait} s for the cluster to connect …", flush=True)
    if not await st.wait_connected(0, wait):
        check("C-01", False, f"no cluster completed the handshake within {wait} s ({len(st.hellos)} hellos: {st.hellos[-1:]})")
        return False
    kind, hello = st.hellos[-1]
    check("C-01", hello.get("protocol") == "1.1" and st.hello_delays[-1] <= 10,
          f"hello after {st.hello_delays[-1]:.2f} s, signed over the nonce, protocol {hello.get('protocol')!r}")
    return True


async def scenario_heartbeats(st):
    since = time.monotonic()
    beats = []
    while len(beats) < 3 and time.monotonic() - since < 4 * HEARTBEAT:
        event = await st.wait(lambda e: e[0] > (beats[-1][0] if beats else since) and e[2].get("type") == "heartbeat", 2 * HEARTBEAT)
        if event is None:
            break
        beats.append(event)
    gaps = [round(b[0] - a[0], 1) for a, b in zip(beats, beats[1:])]
    required_ok = all(isinstance(m.get("seq"), int) and isinstance(m.get("cluster_time"), str) and m.get("state") in ("idle", "playing", "live", "fault")
                      and isinstance(m.get("volume"), int) and 0 <= m["volume"] <= 100 and isinstance(m.get("cached"), list)
                      for _, _, m in beats)
    seqs = [m.get("seq") for _, _, m in beats]
    check("C-02", len(beats) >= 2 and required_ok and all(HEARTBEAT - 2 <= g <= HEARTBEAT + 2 for g in gaps)
          and seqs == sorted(seqs), f"{len(beats)} heartbeats, {gaps} s apart (asked every {HEARTBEAT} s), seq {seqs}")


async def scenario_media_and_play(st, sha):
    """C-03 download with a broken transfer and a corrupt copy; C-04 on time."""
    st.media_policy = lambda s, r, n: "truncate" if n == 0 else "corrupt" if n == 1 else "normal"
    a = st.airing(12, 3, sha)
    await st.schedule([a])
    started = await st.wait(lambda e: e[2].get("type") == "receipt" and e[2].get("airing_id") == a["airing_id"] and e[2].get("kind") == "started", 25)
    requests = [(r, s) for x, r, s in st.media_requests if x == sha]
    resumed = len(requests) > 1 and requests[1][0] == f"bytes={len(st.media[sha]) // 2}-"
    refetched = len(requests) > 2
    check("C-03", started is not None and resumed and refetched,
          f"requests {requests}: resumed at the break: {resumed}; fetched again after a sha256 mismatch: {refetched}")
    completed = await st.wait(lambda e: e[2].get("type") == "receipt" and e[2].get("airing_id") == a["airing_id"] and e[2].get("kind") == "completed", 10)
    start, end = parse_time(a["start"]), parse_time(a["end"])
    late = started and parse_time(started[2]["at"]) - start
    over = completed and parse_time(completed[2]["at"]) - end
    check("C-04", started is not None and completed is not None and abs(late) <= 2 and abs(over) <= 2,
          f"started {late if late is None else round(late, 2)} s after start, completed {over if over is None else round(over, 2)} s after end")
    st.media_policy = lambda s, r, n: "normal"


async def scenario_replan_and_cancel(st, sha):
    """C-07 a replan keeps what plays; C-05 a cancel stops it; C-06 a cancel before the start."""
    kinds = lambda a: [m.get("kind") for _, _, m in st.receipts(a["airing_id"])]
    a = st.airing(3, 6, sha)
    await st.schedule([a])
    if await st.wait(lambda e: e[2].get("type") == "receipt" and e[2].get("airing_id") == a["airing_id"], 8) is None:
        check("C-07", False, "the airing did not start")
    else:
        later = st.airing(600, 3, sha)
        await st.schedule([later])  # from now on: the playing airing is not in it
        await st.wait(lambda e: e[2].get("type") == "receipt" and e[2].get("airing_id") == a["airing_id"] and e[2].get("kind") != "started", 10)
        check("C-07", kinds(a) == ["started", "completed"], f"receipts after a schedule from now without it: {kinds(a)}")

    b = st.airing(3, 8, sha)
    await st.schedule([b])
    if await st.wait(lambda e: e[2].get("type") == "receipt" and e[2].get("airing_id") == b["airing_id"], 8) is None:
        check("C-05", False, "the airing did not start")
    else:
        await asyncio.sleep(1)
        sent = time.monotonic()
        await st.send({"type": "cancel", "airing_ids": [b["airing_id"]], "reason": "cancelled"})
        end = await st.wait(lambda e: e[0] > sent and e[2].get("type") == "receipt" and e[2].get("airing_id") == b["airing_id"], 4)
        took = end and end[0] - sent
        check("C-05", end is not None and end[2].get("kind") == "interrupted" and end[2].get("reason") == "cancelled" and took <= 2,
              f"after cancel: {end and {k: end[2].get(k) for k in ('kind', 'reason')}} {'in %.2f s' % took if took else '(nothing in 4 s)'}")

    c = st.airing(4, 2, sha)
    await st.schedule([c])
    await asyncio.sleep(0.5)
    await st.send({"type": "cancel", "airing_ids": [c["airing_id"]], "reason": "cancelled"})
    await asyncio.sleep(4 + 2 + 1)
    check("C-06", kinds(c) == [], f"receipts for an airing cancelled before its start: {kinds(c) or 'none'}")


async def scenario_too_late(st, sha):
    a = st.airing(-90, 120, sha)
    await st.schedule([a])
    event = await st.wait(lambda e: e[2].get("type") == "receipt" and e[2].get("airing_id") == a["airing_id"], 5)
    check("C-15", event is not None and event[2].get("kind") == "failed" and event[2].get("reason"),
          f"an airing that started 90 s ago: {event and {k: event[2].get(k) for k in ('kind', 'reason')}}")


async def scenario_receipts_across_drops(st, sha):
    """C-10 a rejected receipt is dropped; C-09 an unanswered one comes again; C-12 back soon after 1001."""
    a = st.airing(3, 2, sha)
    st.receipt_policy = lambda r: ("reject" if r.get("kind") == "started" else "ignore") if r.get("airing_id") == a["airing_id"] else "ack"
    await st.schedule([a])
    done = await st.wait(lambda e: e[2].get("type") == "receipt" and e[2].get("airing_id") == a["airing_id"] and e[2].get("kind") == "completed", 10)
    if done is None:
        check("C-09", False, "no completed receipt")
        return
    link = st.link_no
    st.receipt_policy = lambda r: "ack"
    closed = time.monotonic()
    await st.close(1001, "shutting_down", "the runner restarts (C-09, C-10, C-12)")
    back = await st.wait_connected(link, 15)
    took = time.monotonic() - closed
    check("C-12", back and took <= 5, f"after 1001 the cluster was back in {took:.1f} s")
    await asyncio.sleep(3)
    again = [m.get("kind") for t, n, m in st.receipts(a["airing_id"]) if n > link]
    check("C-09", "completed" in again, f"after the reconnect the unanswered receipt came again: {again}")
    check("C-10", "started" not in again, f"the rejected receipt was not sent again: {again}")


async def scenario_offline(st, sha):
    """C-08: plays with the link down, receipts when it returns, oldest first."""
    a = st.airing(6, 2, sha)
    await st.schedule([a])
    await asyncio.sleep(1)
    link = st.link_no
    st.accepting = False
    await st.close(1001, "shutting_down", "the runner keeps the cluster offline (C-08)")
    await asyncio.sleep(6 + 2 + 2)
    st.accepting = True
    back = await st.wait_connected(link, 90)
    await asyncio.sleep(3)
    got = [(m.get("kind"), parse_time(m["at"]) - parse_time(a["start"])) for t, n, m in st.receipts(a["airing_id"]) if n > link]
    kinds = [k for k, _ in got]
    check("C-08", back and kinds[:2] == ["started", "completed"] and abs(got[0][1]) <= 2,
          f"reconnected: {back}; receipts sent after: {[(k, round(d, 1)) for k, d in got]} (s from the planned start)")


async def scenario_live(st, packets):
    """C-11: a broadcast that is on when the cluster (re)connects: `live_start` right after `welcome`."""
    stream = 4242
    start_message = {"type": "live_start", "live_id": "live-conformance", "stream": stream, "level": "emergency", "codec": "opus",
                     "sample_rate": 48000, "channels": 1, "frame_ms": 20, "jitter_ms": 120, "next_sequence": 0}
    link = st.link_no
    st.on_welcome = start_message
    await st.close(1001, "shutting_down", "the runner restarts; a broadcast is on when the cluster returns (C-11)")
    if not await st.wait_connected(link, 15):
        check("C-11", False, "the cluster did not come back after 1001")
        return
    since = time.monotonic()
    start = time.monotonic()
    for n, packet in enumerate(packets):
        frame = struct.pack(">BxxxIIQ", 1, stream, n, int(time.time() * 1_000_000)) + packet
        await st.send(frame)
        await asyncio.sleep(max(0, start + (n + 1) * 0.02 - time.monotonic()))
    stopped = time.monotonic()
    await st.send({"type": "live_stop", "live_id": "live-conformance", "reason": "end of source", "end_sequence": len(packets)})
    during = [m.get("state") for t, n, m in st.events if since < t <= stopped and m.get("type") == "heartbeat"]
    after = await st.wait(lambda e: e[0] > stopped + 0.5 and e[2].get("type") == "heartbeat", 2 * HEARTBEAT)
    check("C-11", "live" in during and after is not None and after[2].get("state") == "idle",
          f"joined at its welcome; heartbeat states while {len(packets) * 20 / 1000:.0f} s of live audio played: {during}; "
          f"after live_stop: {after and after[2].get('state')}")


async def scenario_unknown_and_commands(st):
    since = time.monotonic()
    await st.send({"type": "firmware_offer", "url": "https://example.invalid/fw.bin"})
    await st.send("this is not JSON")
    await st.send({"type": "receipt_ack", "receipt_ids": [], "x_vendor": {"nested": True}})
    beat = await st.wait(lambda e: e[0] > since and e[2].get("type") == "heartbeat", 2 * HEARTBEAT + 1)
    check("C-13", beat is not None and st.link is not None, "after an unknown type, a text that is not JSON and an unknown field the cluster still heartbeats")
    sent = time.monotonic()
    await st.send({"type": "command", "command_id": "vol-1", "command": "set_volume", "volume": 55})
    result = await st.wait(lambda e: e[2].get("type") == "command_result" and e[2].get("command_id") == "vol-1", 10)
    took = result and result[0] - sent
    answered = result[0] if result else sent
    volume = await st.wait(lambda e: e[0] >= answered and e[2].get("type") == "heartbeat", 2 * HEARTBEAT)
    await st.send({"type": "command", "command_id": "new-1", "command": "self_destruct"})
    unknown = await st.wait(lambda e: e[2].get("type") == "command_result" and e[2].get("command_id") == "new-1", 10)
    await st.send({"type": "command", "command_id": "vol-2", "command": "set_volume", "volume": 70})
    check("C-14", result is not None and result[2].get("ok") is True and volume and volume[2].get("volume") == 55
          and unknown is not None and unknown[2].get("ok") is False,
          f"set_volume answered {result and result[2].get('ok')} in {took and round(took, 2)} s, heartbeat volume "
          f"{volume and volume[2].get('volume')}; an unknown command answered {unknown and {k: unknown[2].get(k) for k in ('ok', 'error')}}")


async def scenario_rotated(st, window):
    link = st.link_no
    await st.close(4410, "credential_changed", "the credential was replaced (C-12)")
    closed = time.monotonic()
    attempts_before = len(st.hellos)
    await asyncio.sleep(window)
    tries = len(st.hellos) - attempts_before
    check("C-12", tries == 0 and st.link_no == link, f"after 4410 the cluster dialled {tries} times in {window} s (must wait at least 300 s)")


async def run(args):
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    work = tempfile.mkdtemp(prefix="cluster-conformance-")
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes_raw()
    credential = f"ccl1:{args.cluster_id}:{b64url(seed)}"
    if args.credentials_out:
        with open(args.credentials_out, "w") as f:
            f.write(f"id,credential\n{args.cluster_id},{credential}\n")
    data, _ = make_media(work, 3, 660)
    _, live_packets = make_media(work, 2 * HEARTBEAT + 2, 1000)
    sha = hashlib.sha256(data).hexdigest()
    st = Station(args.cluster_id, key, {sha: data})
    host, port = args.listen.rsplit(":", 1)
    async with serve(st.handle, host, int(port), process_request=st.process_request, max_size=65536, ping_interval=None) as server:
        bound = server.sockets[0].getsockname()
        print(f"credential {credential}", flush=True)
        print(f"link       ws://{bound[0]}:{bound[1]}/v1/link", flush=True)
        if args.ready_file:
            with open(args.ready_file, "w") as f:
                f.write(f"{bound[0]}:{bound[1]}\n")
        if await scenario_connect(st, args.wait):
            for step in (scenario_heartbeats, lambda s: scenario_media_and_play(s, sha), lambda s: scenario_replan_and_cancel(s, sha),
                         lambda s: scenario_too_late(s, sha), lambda s: scenario_receipts_across_drops(s, sha),
                         lambda s: scenario_offline(s, sha), lambda s: scenario_live(s, live_packets), scenario_unknown_and_commands,
                         lambda s: scenario_rotated(s, args.retry_window)):
                try:
                    if st.link is None and not await st.wait_connected(st.link_no - 1, 30):
                        check("link", False, "the cluster is not connected; the scenario is skipped")
                        continue
                    await step(st)
                except Exception as e:  # a broken scenario fails, the others still run
                    check("scenario", False, f"stopped: {type(e).__name__}: {e}")
    failed = sorted({r for r, ok, _ in RESULTS if not ok})
    rules = sorted({r for r, _, _ in RESULTS})
    print(f"\n{len(rules) - len(failed)} of {len(rules)} rules kept" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return failed


def self_test(bin_dir):
    """The runner against commcast-sim as it is, and breaking rules on purpose; both at once."""
    here = os.path.abspath(__file__)
    runs = []
    for violations, must_fail in (([], set()), (["ignore-cancel", "stop-on-replan"], {"C-05", "C-06", "C-07"})):
        work = tempfile.mkdtemp(prefix="cluster-conformance-self-test-")
        creds, ready = os.path.join(work, "credentials.csv"), os.path.join(work, "ready")
        runner = subprocess.Popen([sys.executable, here, "--listen", "127.0.0.1:0", "--cluster-id", "sim-1", "--credentials-out", creds,
                                   "--ready-file", ready, "--retry-window", "20", "--wait", "60"], stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(ready) and time.monotonic() < deadline:
            time.sleep(0.1)
        address = open(ready).read().strip()
        sim = subprocess.Popen([os.path.join(bin_dir, "commcast-sim"), "--station", address, "--credentials", creds, "--duration", "900",
                                *[a for v in violations for a in ("--violate", v)]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs.append((violations, must_fail, runner, sim))
    problems = []
    for violations, must_fail, runner, sim in runs:
        out, _ = runner.communicate(timeout=900)
        sim.terminate()
        sim.wait(timeout=30)
        failed = {line.split()[0] for line in out.splitlines() if "  FAIL  " in line}
        label = "commcast-sim" + "".join(f" --violate {v}" for v in violations)
        print(f"--- {label}\n{out}", flush=True)
        if failed != must_fail:
            problems.append(f"{label}: failed {sorted(failed) or 'none'}, expected {sorted(must_fail) or 'none'}")
    for p in problems:
        print(f"SELF-TEST FAILED: {p}")
    if not problems:
        print("self-test: the runner passes commcast-sim and catches the rules it breaks on purpose")
    return len(problems)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:7490", help="host:port to listen on (default 127.0.0.1:7490)")
    parser.add_argument("--cluster-id", default="conform-1", help="the cluster id in the credential")
    parser.add_argument("--credentials-out", help="also write id,credential to this CSV (commcast-sim reads it)")
    parser.add_argument("--ready-file", help="write the bound host:port here once listening")
    parser.add_argument("--wait", type=int, default=300, help="seconds to wait for the cluster to connect")
    parser.add_argument("--retry-window", type=int, default=300, help="seconds C-12 watches that a cluster closed with 4410 stays away")
    parser.add_argument("--self-test", metavar="BIN_DIR", help="run against commcast-sim, as it is and breaking rules")
    args = parser.parse_args()
    if args.self_test:
        sys.exit(self_test(args.self_test))
    sys.exit(len(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
