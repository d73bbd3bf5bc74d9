#!/usr/bin/env python3
"""The station's side of docs/protocol.md, rule by rule (S-01 … S-24, S-40).

A minimal cluster written from the page alone, with no code shared with the station
or the simulator (so a shared misreading cannot pass both sides), drives the real
daemon over a real WebSocket and real HTTP. Each rule prints `pass` or `FAIL` with
what was seen; the exit status is the number of failed rules (0: all kept).

Needs Python 3.10+ with `websockets` (13 or later) and `cryptography`.
Usage: scripts/link_conformance.py [BIN_DIR]   (default .build/debug)
"""
import asyncio
import base64
import datetime
import hashlib
import json
import math
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import wave
import zoneinfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug"))
WORK = tempfile.mkdtemp(prefix="commcast-link-conformance-")
SOCKET = os.path.join(WORK, "control.sock")
ENV = dict(os.environ, COMMCAST_SOCKET=SOCKET)
HEARTBEAT = 5  # link.heartbeat_seconds for this station: S-15 waits 3 × this
RESULTS = []  # (rule, ok, detail)


def check(rule, ok, detail):
    RESULTS.append((rule, bool(ok), detail))
    print(f"{rule}  {'pass' if ok else 'FAIL'}  {detail}", flush=True)


# --- the station --------------------------------------------------------------


def commcast(*args, timeout=60):
    r = subprocess.run([os.path.join(BIN, "commcast"), *args], capture_output=True, env=ENV, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"commcast {' '.join(args)}: {r.returncode} {r.stderr.decode(errors='replace')}")
    return r.stdout.decode()


def commcast_json(*args):
    return json.loads(commcast(*args, "--json"))


def start_daemon():
    config = os.path.join(WORK, "commcastd.toml")
    with open(config, "w") as f:
        f.write(f'[daemon]\nstate_directory = "{WORK}/state"\n'
                f'[link]\nlisten_address = "127.0.0.1"\nport = 0\nheartbeat_seconds = {HEARTBEAT}\n'
                f'[web]\nport = -1\n[control]\nsocket_path = "{SOCKET}"\n')
    log = open(os.path.join(WORK, "commcastd.log"), "w")
    daemon = subprocess.Popen([os.path.join(BIN, "commcastd"), "--config", config], stdout=log, stderr=log, env=ENV)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            sys.exit("commcastd exited at start:\n" + open(os.path.join(WORK, "commcastd.log")).read())
        if os.path.exists(SOCKET):
            try:
                status = commcast_json("status")
                if status.get("link_address"):
                    return daemon, status["link_address"]
            except RuntimeError:
                pass
        time.sleep(0.1)
    daemon.kill()
    sys.exit("commcastd did not answer within 60 s")


def add_cluster(cluster_id):
    """Adds a cluster; returns (cluster_id, private key) from the printed credential."""
    out = commcast("cluster", "add", cluster_id, "--name", cluster_id, "--zone", "tinh/xa-a")
    line = next(l for l in out.splitlines() if l.startswith("ccl1:"))
    return parse_credential(line)


def parse_credential(line):
    # ccl1:<cluster_id>:<base64url seed, no padding>; the id holds no colon.
    _, cluster_id, seed = line.strip().split(":")
    key = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4)))
    return cluster_id, key


def tone_wav(name, seconds, hz=440):
    path = os.path.join(WORK, name)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / 48000))) for i in range(48000 * seconds)))
    return path


def station_minute(minutes_ahead):
    """A `--at` time (station zone, Asia/Ho_Chi_Minh) a whole minute or more ahead."""
    t = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")) + datetime.timedelta(minutes=minutes_ahead)
    return t.strftime("%Y-%m-%d %H:%M")


def add_bulletin(title, at_minutes):
    return commcast_json("bulletin", "add", "--title", title, "--file", tone_wav(f"{title}.wav", 3), "--zone", "tinh/xa-a",
                         "--at", station_minute(at_minutes))["id"]


# --- one cluster's link, as the page describes it -----------------------------


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def now_text():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Link:
    """A WebSocket to /v1/link with the messages read as JSON, binary frames apart."""

    def __init__(self, ws):
        self.ws = ws
        self.seen = []  # every text message, in order
        self.binary = []

    @classmethod
    async def open(cls, address):
        return cls(await connect(f"ws://{address}/v1/link", max_size=1 << 20, ping_interval=None))

    async def send(self, message):
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def next(self, timeout=10):
        """The next text message as a dict; None when the station closed the link."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message in time")
            try:
                data = await asyncio.wait_for(self.ws.recv(), left)
            except ConnectionClosed:
                return None
            if isinstance(data, bytes):
                self.binary.append(data)
                continue
            message = json.loads(data)
            self.seen.append(message)
            return message

    async def wait_for(self, kind, timeout=10, where=lambda m: True):
        deadline = time.monotonic() + timeout
        while True:
            m = await self.next(max(0.01, deadline - time.monotonic()))
            if m is None:
                raise ConnectionError(f"closed while waiting for {kind}")
            if m.get("type") == kind and where(m):
                return m

    async def close_code(self, timeout=15):
        """Reads until the station closes; returns (close code, the last `error` before it)."""
        error = None
        try:
            while True:
                m = await self.next(timeout)
                if m is None:
                    break
                if m.get("type") == "error":
                    error = m
        except TimeoutError:
            return None, error
        return self.ws.close_code, error

    async def hello(self, cluster_id, key, **fields):
        """challenge → hello; returns the challenge."""
        challenge = await self.next()
        signature = b64url(key.sign(f"commcast-link-v1\n{cluster_id}\n{challenge['nonce']}".encode()))
        await self.send({"type": "hello", "cluster_id": cluster_id, "signature": signature, **fields})
        return challenge

    async def authenticate(self, cluster_id, key, protocol="1.1"):
        fields = {"protocol": protocol} if protocol else {}
        await self.hello(cluster_id, key, **fields)
        return await self.wait_for("welcome")

    def heartbeat(self, seq=1, **extra):
        return {"type": "heartbeat", "seq": seq, "cluster_time": now_text(), "state": "idle", "volume": 70, "cached": [], **extra}

    async def close(self):
        await self.ws.close()


async def connected(address, cluster):
    link = await Link.open(address)
    welcome = await link.authenticate(*cluster)
    return link, welcome


def refused(rule, what, code, error, want_code, want_error):
    check(rule, code == want_code and error is not None and error.get("code") == want_error,
          f"{what}: close {code}, error {error and error.get('code')!r} (want {want_error!r}, {want_code})")


# --- the rules ------------------------------------------------------------------


async def handshake_rules(address, c):
    link = await Link.open(address)
    first = await link.next()
    link2 = await Link.open(address)
    second = await link2.next()
    await link2.close()
    nonce = base64.urlsafe_b64decode(first.get("nonce", "") + "==")
    check("S-01", first.get("type") == "challenge" and first.get("protocol") == 1 and "1.1" in first.get("protocol_versions", [])
          and len(nonce) == 32 and first["nonce"] != second.get("nonce") and "server_time" in first,
          f"first message {first.get('type')}, protocol {first.get('protocol')}, versions {first.get('protocol_versions')}, "
          f"nonce of {len(nonce)} bytes, new per connection: {first.get('nonce') != second.get('nonce')}")
    # S-04: a hello with only type, cluster_id and signature. S-06: the welcome's fields.
    signature = b64url(c["a"][1].sign(f"commcast-link-v1\n{c['a'][0]}\n{first['nonce']}".encode()))
    await link.send({"type": "hello", "cluster_id": c["a"][0], "signature": signature})
    welcome = await link.next()
    check("S-04", welcome and welcome.get("type") == "welcome", f"minimal hello answered with {welcome and welcome.get('type')}")
    check("S-06", welcome and all(k in welcome for k in ("session", "heartbeat_seconds", "server_time", "media_path", "protocol"))
          and welcome["heartbeat_seconds"] == HEARTBEAT,
          f"welcome fields {sorted(welcome or {})}")
    await link.close()

    # S-03: versions.
    served = {}
    for offered in (None, "1.1", "1.9"):
        link = await Link.open(address)
        w = await link.authenticate(*c["a"], protocol=offered)
        served[offered] = w.get("protocol")
        await link.close()
    link = await Link.open(address)
    await link.hello(*c["a"], protocol="2.0")
    code, error = await link.close_code()
    check("S-03", served == {None: "1.0", "1.1": "1.1", "1.9": "1.1"} and code == 4426
          and error and error.get("code") == "unsupported_protocol",
          f"served {served}; 2.0: close {code}, error {error and error.get('code')}")

    # S-05: wrong key, replayed hello, unknown cluster, a colon in the id.
    link = await Link.open(address)
    await link.hello(c["a"][0], c["b"][1])
    refused("S-05", "another cluster's key", *(await link.close_code()), 4401, "bad_signature")
    link = await Link.open(address)
    await link.next()
    await link.send({"type": "hello", "cluster_id": c["a"][0], "signature": signature})  # signed over the first nonce
    refused("S-05", "a replayed hello", *(await link.close_code()), 4401, "bad_signature")
    link = await Link.open(address)
    await link.hello("nobody", c["a"][1])
    refused("S-05", "an unknown cluster", *(await link.close_code()), 4404, "unknown_cluster")
    link = await Link.open(address)
    await link.hello("tp:001", c["a"][1])
    refused("S-05", "a colon in cluster_id", *(await link.close_code()), 4400, "malformed")

    # S-02: no hello within 10 s.
    link = await Link.open(address)
    await link.next()
    started = time.monotonic()
    code, error = await link.close_code(timeout=20)
    took = time.monotonic() - started
    refused("S-02", f"silent for {took:.1f} s", code, error, 4407, "hello_timeout")

    # S-07: a second link of the same cluster replaces the first.
    old, _ = await connected(address, c["a"])
    new, _ = await connected(address, c["a"])
    refused("S-07", "the older link", *(await old.close_code()), 4409, "replaced")
    await new.close()


async def message_rules(address, c):
    link, _ = await connected(address, c["a"])
    await link.wait_for("schedule")
    # S-14: a heartbeat with only its required fields is taken; the link stays up.
    await link.send(link.heartbeat(seq=1))
    # S-17: an unknown type and unknown fields are ignored.
    await link.send({"type": "telemetry", "temperature": 41})
    await link.send(link.heartbeat(seq=2, battery="ok"))
    await link.send({"type": "receipt", "receipt_id": "probe", "airing_id": 999999, "kind": "started", "at": now_text()})
    ack = await link.wait_for("receipt_ack")
    check("S-17", ack.get("receipt_ids") == ["probe"], f"after an unknown type and field the link still answers: {ack}")
    check("S-14", ack is not None, "heartbeats with only seq, cluster_time, state, volume and cached taken, the link kept")
    # S-12 (unknown airing) from the probe; S-13: a receipt without a usable id.
    rejected = (ack.get("rejected") or [{}])[0]
    check("S-12", rejected.get("receipt_id") == "probe" and "999999" in rejected.get("reason", ""),
          f"receipt for an airing never sent: {rejected}")
    await link.send({"type": "receipt", "airing_id": 5, "kind": "started", "at": now_text()})
    error = await link.wait_for("error")
    await link.send(link.heartbeat(seq=3))
    await link.send({"type": "receipt", "receipt_id": "bad-kind", "airing_id": 5, "kind": "exploded", "at": now_text()})
    ack2 = await link.wait_for("receipt_ack")
    check("S-13", error.get("code") == "malformed" and "receipt_id" in error.get("message", ""),
          f"a receipt without receipt_id: error {error}, link kept: {ack2 is not None}")
    check("S-12", ack2.get("receipt_ids") == ["bad-kind"] and "kind" in (ack2.get("rejected") or [{}])[0].get("reason", ""),
          f"a malformed receipt with an id: {ack2}")
    await link.send({"type": "heartbeat", "seq": 4, "cluster_time": now_text(), "volume": 70, "cached": []})
    refused("S-14", "a heartbeat without state", *(await link.close_code()), 4400, "malformed")

    # S-16: an oversized frame, a binary frame.
    link, _ = await connected(address, c["a"])
    await link.send("x" * 70_000)
    refused("S-16", "a frame of 70,000 bytes", *(await link.close_code()), 1009, "too_big")
    link, _ = await connected(address, c["a"])
    await link.ws.send(b"\x01\x02\x03")
    refused("S-16", "a binary frame", *(await link.close_code()), 4400, "malformed")

    # S-15: pings but no heartbeat.
    link, _ = await connected(address, c["a"])
    started = time.monotonic()

    async def pinging():
        while True:
            await asyncio.sleep(1)
            await link.ws.ping()
    pinger = asyncio.create_task(pinging())
    code, error = await link.close_code(timeout=3 * HEARTBEAT + 15)
    pinger.cancel()
    took = time.monotonic() - started
    check("S-15", code == 4408 and error and error.get("code") == "idle" and 3 * HEARTBEAT - 1 <= took <= 3 * HEARTBEAT + 6,
          f"pings only: closed {code} with {error and error.get('code')!r} after {took:.1f} s (heartbeat {HEARTBEAT} s)")


async def schedule_rules(address, c):
    """S-08 … S-11, S-18, S-23: airings, revisions, cancels, receipts and media."""
    first = add_bulletin("first", 20)
    second = add_bulletin("second", 30)
    link, welcome = await connected(address, c["b"])
    schedule = await link.wait_for("schedule", where=lambda m: len(m["airings"]) == 2)
    fields = {"airing_id", "bulletin_id", "title", "level", "start", "end", "media"}
    check("S-08", all(fields <= set(a) and {"sha256", "size", "duration_ms"} <= set(a["media"]) for a in schedule["airings"])
          and link.seen.index(welcome) < link.seen.index(schedule),
          f"schedule after welcome with {len(schedule['airings'])} airings, fields {sorted(schedule['airings'][0])}")
    await link.close()
    link, _ = await connected(address, c["b"])
    again = await link.wait_for("schedule")
    check("S-08", again["revision"] > schedule["revision"], f"revision {schedule['revision']} then {again['revision']} on the next link")

    airings = {a["bulletin_id"]: a for a in schedule["airings"]}
    a1, a2 = airings[first], airings[second]

    # S-11: receipts answered in order, a resend too, counted once.
    for rid, kind in (("r1", "started"), ("r2", "completed"), ("r1", "started")):
        await link.send({"type": "receipt", "receipt_id": rid, "airing_id": a1["airing_id"], "kind": kind, "at": now_text()})
    acks = [await link.wait_for("receipt_ack") for _ in range(3)]
    check("S-11", [a["receipt_ids"] for a in acks] == [["r1"], ["r2"], ["r1"]] and not any(a.get("rejected") for a in acks),
          f"acks {[a['receipt_ids'] for a in acks]}, none rejected")

    # S-12: another cluster's airing.
    other, _ = await connected(address, c["c"])
    await other.wait_for("schedule")
    await other.send({"type": "receipt", "receipt_id": "theirs", "airing_id": a2["airing_id"], "kind": "started", "at": now_text()})
    ack = await other.wait_for("receipt_ack")
    check("S-12", "another cluster" in (ack.get("rejected") or [{}])[0].get("reason", ""), f"another cluster's airing: {ack}")
    status = commcast_json("status")
    check("S-12", status.get("receipts_rejected", 0) >= 3, f"status counts {status.get('receipts_rejected')} rejected receipts")

    # S-18: media downloads.
    await media_rules(address, welcome, link, a2["media"])

    # S-09: a cancel reaches a connected 1.1 cluster within 2 s, before the schedule without it.
    # S-10: cluster c, offline at the cancel, hears of it first thing. S-23: a 1.0 cluster playing it is stopped.
    await other.close()
    legacy = await Link.open(address)
    await legacy.authenticate(*c["d"], protocol=None)
    legacy_schedule = await legacy.wait_for("schedule")
    legacy_airing = next(a for a in legacy_schedule["airings"] if a["bulletin_id"] == second)
    await legacy.send(legacy.heartbeat(seq=1, state="playing", playing={"airing_id": legacy_airing["airing_id"]}))
    await asyncio.sleep(0.5)  # the heartbeat is taken in before the cancel (no answer to wait on)
    started = time.monotonic()
    commcast("bulletin", "cancel", str(second), "--yes")
    cancel = await link.wait_for("cancel", timeout=5)
    took = time.monotonic() - started
    later = await link.wait_for("schedule", timeout=5)
    check("S-09", cancel.get("airing_ids") == [a2["airing_id"]] and cancel.get("reason") == "cancelled" and took <= 2
          and a2["airing_id"] not in [a["airing_id"] for a in later["airings"]],
          f"cancel {cancel} {took:.2f} s after the command, then a schedule without it")
    stop = await legacy.wait_for("command", timeout=5)
    check("S-23", stop.get("command") == "stop" and not any(m.get("type") == "cancel" for m in legacy.seen),
          f"the 1.0 cluster playing airing {legacy_airing['airing_id']} got {stop}, and no cancel")
    await legacy.close()
    offline = await Link.open(address)
    await offline.authenticate(*c["c"])
    first_after = await offline.next()
    types = [first_after.get("type")]
    while "schedule" not in types:
        types.append((await offline.next()).get("type"))
    check("S-10", first_after.get("type") == "cancel" and len(first_after.get("airing_ids", [])) == 1,
          f"after welcome, offline at the cancel: {types}, {first_after}")
    await offline.close()
    await link.close()


async def media_rules(address, welcome, link, media):
    base = f"http://{address}{welcome['media_path']}"

    def get(sha, token=welcome["session"], headers=None, method="GET"):
        request = urllib.request.Request(f"{base}{sha}.opus", method=method, headers=dict(headers or {}))
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    sha, size = media["sha256"], media["size"]
    whole = get(sha)
    ok_whole = (whole[0] == 200 and hashlib.sha256(whole[1]).hexdigest() == sha and whole[2].get("Content-Type") == "audio/ogg"
                and whole[2].get("ETag") == f'"{sha}"' and whole[2].get("Accept-Ranges") == "bytes" and int(whole[2]["Content-Length"]) == size)
    cases = {
        "no token": (get(sha, token=None)[0], 401),
        "unknown token": (get(sha, token="forged")[0], 401),
        "never sent": (get("0" * 64)[0], 404),
        "bytes=100-": ((s := get(sha, headers={"Range": "bytes=100-"}))[0] == 206 and s[1] == whole[1][100:]
                       and s[2].get("Content-Range") == f"bytes 100-{size - 1}/{size}", True),
        "bytes=0-99": ((s := get(sha, headers={"Range": "bytes=0-99"}))[0] == 206 and s[1] == whole[1][:100], True),
        "bytes=-50": ((s := get(sha, headers={"Range": "bytes=-50"}))[0] == 206 and s[1] == whole[1][-50:], True),
        "bytes=0-9,20-29": ((s := get(sha, headers={"Range": "bytes=0-9,20-29"}))[0] == 206 and s[1] == whole[1][:30]
                            and s[2].get("Content-Range") == f"bytes 0-29/{size}", True),
        "beyond the end": ((s := get(sha, headers={"Range": f"bytes={size}-"}))[0] == 416 and s[2].get("Content-Range") == f"bytes */{size}", True),
        "not a range": (get(sha, headers={"Range": "pages=1"})[0], 200),
        "HEAD": ((s := get(sha, method="HEAD"))[0] == 200 and s[1] == b"" and int(s[2]["Content-Length"]) == size, True),
        "upper-case hex": ((s := get(sha.upper()))[0] == 200 and s[1] == whole[1], True),
    }
    bad = {k: v[0] for k, v in cases.items() if v[0] != v[1]}
    check("S-18", ok_whole and not bad, f"whole file ok: {ok_whole}; {len(cases)} requests, wrong: {bad or 'none'}")


async def credential_rules(address, c):
    link, _ = await connected(address, c["e"])
    out = commcast("cluster", "rotate-key", c["e"][0])
    refused("S-19", "rotate-key while connected", *(await link.close_code()), 4410, "credential_changed")
    link = await Link.open(address)
    await link.hello(*c["e"])
    refused("S-19", "the old key after rotation", *(await link.close_code()), 4401, "bad_signature")
    new = parse_credential(next(l for l in out.splitlines() if l.startswith("ccl1:")))
    link, _ = await connected(address, new)
    commcast("cluster", "revoke", new[0])
    refused("S-20", "revoke while connected", *(await link.close_code()), 4403, "revoked")


async def live_rules(address, c):
    wav = tone_wav("live.wav", 8, hz=1000)
    live = subprocess.Popen([os.path.join(BIN, "commcast"), "live", "start", "--file", wav, "--zone", "tinh/xa-a", "--level", "emergency"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    try:
        show = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                show = commcast_json("live", "show")
                if show.get("packets", 0) > 25:  # half a second on air
                    break
            except RuntimeError:
                pass
            await asyncio.sleep(0.1)
        if not show:
            check("S-21", False, "no broadcast went on air")
            return
        # S-22: an Ogg listener joining now, late.
        ogg = asyncio.create_task(asyncio.to_thread(read_stream, f"http://{address}{show['stream_path']}"))
        link, welcome = await connected(address, c["a"])
        after = await link.next()
        start_index = link.seen.index(after)
        stop = await link.wait_for("live_stop", timeout=20)
        frames = link.binary
        headers = [struct.unpack(">BxxxIIQ", f[:20]) for f in frames]
        sequences = [h[2] for h in headers]
        ok_frames = (frames and all(h[0] == 1 and h[1] == after.get("stream") for h in headers)
                     and sequences == list(range(sequences[0], sequences[0] + len(sequences)))
                     and sequences[0] == after.get("next_sequence") and stop.get("end_sequence") == sequences[-1] + 1)
        check("S-21", after.get("type") == "live_start" and link.seen[start_index - 1] is welcome and ok_frames,
              f"after welcome: {after.get('type')} (next_sequence {after.get('next_sequence')}, stream {after.get('stream')}); "
              f"{len(frames)} frames {sequences[:1]}…{sequences[-1:]}, "
              f"live_stop end_sequence {stop.get('end_sequence')}")
        await link.close()
        data = await ogg
        path = os.path.join(WORK, "late.ogg")
        with open(path, "wb") as f:
            f.write(data)
        info = subprocess.run(["opusinfo", path], capture_output=True, text=True)
        check("S-22", len(data) > 1000 and info.returncode == 0 and "WARNING" not in info.stdout + info.stderr,
              f"{len(data)} bytes joined late; opusinfo: {'clean' if 'WARNING' not in info.stdout else info.stdout.strip()[-200:]}")
    finally:
        live.wait(timeout=30)


def read_stream(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


async def shutdown_rule(address, c, daemon):
    link, _ = await connected(address, c["a"])
    await link.wait_for("schedule")
    daemon.terminate()
    refused("S-24", "the station stopping", *(await link.close_code(timeout=20)), 1001, "shutting_down")
    daemon.wait(timeout=30)


async def main():
    daemon, address = start_daemon()
    try:
        commcast("zone", "add", "tinh/xa-a", "--parents", "--quiet", "none")
        c = {name: add_cluster(f"conf-{name}") for name in ("a", "b", "c", "d", "e")}
        for step in (handshake_rules, message_rules, schedule_rules, credential_rules, live_rules):
            try:
                await step(address, c)
            except Exception as e:  # a step that breaks fails its rules, the others still run
                check(step.__name__, False, f"stopped: {type(e).__name__}: {e}")
        await shutdown_rule(address, c, daemon)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    log = open(os.path.join(WORK, "commcastd.log")).read()
    # S-40: each close above came after an error (checked case by case); the log names the cluster.
    closes = [l for l in log.splitlines() if "cluster link closed" in l]
    check("S-40", closes and all("cluster=" in l for l in closes), f"{len(closes)} closes logged, each naming the cluster")
    failed = sorted({r for r, ok, _ in RESULTS if not ok})
    rules = sorted({r for r, _, _ in RESULTS})
    print(f"\n{len(rules) - len(failed)} of {len(rules)} rules kept" + (f"; failed: {', '.join(failed)}" if failed else ""))
    if failed:
        print(f"daemon log: {os.path.join(WORK, 'commcastd.log')}")
    return len(failed)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
