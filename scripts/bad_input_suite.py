#!/usr/bin/env python3
"""The bad-input suite: what a careless or hostile operator types, against the
real binaries and a running daemon.

Every case asserts four things:
  1. the exit code (64 usage, 65 bad data, 66 missing input, 73 cannot write, ...);
  2. the message names the field, the value given and what was expected;
  3. the daemon still answers (`commcast status`);
  4. nothing changed: the station's tables (zones, clusters, bulletins, rules,
     targets, media, operators, the province inbox) and its media files are as
     they were before the case.

Usage: scripts/bad_input_suite.py [BIN_DIR]   (default .build/debug)
"""
import hashlib
import json
import os
import pty
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug"))
WORK = tempfile.mkdtemp(prefix="commcast-bad-input-")
STATE = os.path.join(WORK, "state")
SOCKET = os.path.join(WORK, "control.sock")
CONFIG = os.path.join(WORK, "commcastd.toml")
ENV = dict(os.environ, COMMCAST_SOCKET=SOCKET)
STABLE_TABLES = [
    "zones", "clusters", "bulletins", "bulletin_targets", "recurrence_rules", "media", "operators",
    "province_bulletins",
]


def path(name):
    return os.path.join(WORK, name)


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path(name), mode) as f:
        f.write(data)
    return path(name)


def run(argv, stdin=None, timeout=60):
    return subprocess.run(argv, input=stdin, capture_output=True, env=ENV, timeout=timeout)


def commcast(*args, stdin=None):
    return run([os.path.join(BIN, "commcast"), *args], stdin=stdin)


def curl(method, url, body=None, content_type="application/json"):
    argv = ["curl", "-sS", "--unix-socket", SOCKET, "-X", method, "-o", "-", "-w", "\n%{http_code}", f"http://localhost{url}"]
    if body is not None:
        argv += ["-H", f"Content-Type: {content_type}", "--data-binary", "@-"]
    r = run(argv, stdin=body.encode() if isinstance(body, str) else body)
    text = r.stdout.decode(errors="replace")
    body_text, _, status = text.rpartition("\n")
    return int(status or 0), body_text


def snapshot():
    """The station's state, as a hash of its stable tables and its media files."""
    db = sqlite3.connect(f"file:{os.path.join(STATE, 'commcast.sqlite')}?mode=ro", uri=True)
    h = hashlib.sha256()
    for table in STABLE_TABLES:
        for row in db.execute(f"SELECT * FROM {table} ORDER BY 1"):
            h.update(repr(row).encode())
    db.close()
    media = os.path.join(STATE, "media")
    for dirpath, _, files in sorted(os.walk(media)):
        for f in sorted(files):
            h.update(os.path.join(dirpath, f).encode())
    return h.hexdigest()


def start_daemon():
    with open(CONFIG, "w") as f:
        f.write(f'[daemon]\nstate_directory = "{STATE}"\n[link]\nlisten_address = "127.0.0.1"\nport = 0\n'
                f'[web]\nport = -1\n[control]\nsocket_path = "{SOCKET}"\n')
    log = open(path("commcastd.log"), "w")
    daemon = subprocess.Popen([os.path.join(BIN, "commcastd"), "--config", CONFIG], stdout=log, stderr=log, env=ENV)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            sys.exit(f"commcastd exited at start: {open(path('commcastd.log')).read()}")
        if os.path.exists(SOCKET) and commcast("status").returncode == 0:
            return daemon
        time.sleep(0.1)
    daemon.kill()
    sys.exit("commcastd did not answer within 60 s")


def seed():
    for argv in (["zone", "add", "--parents", "tinh/xa-a/ap-1"], ["zone", "add", "tinh/xa-b"]):
        r = commcast(*argv)
        assert r.returncode == 0, r.stderr
    csv = write("seed.csv", "id,zone,name\nc-1,tinh/xa-a/ap-1,Loa chợ\nc-2,tinh/xa-a,Loa UBND\nc-3,tinh/xa-b,Loa trường\n")
    r = commcast("cluster", "import", csv)
    assert r.returncode == 0, r.stderr
    r = commcast("bulletin", "add", "--title", "Lịch tiêm chủng", "--text", "Xin chào bà con", "--zone", "tinh", "--daily", "07:00")
    assert r.returncode == 0, r.stderr


CASES = []


def case(name, argv, code, field, value, expected="expected", stdin=None, kind="cli"):
    CASES.append(dict(name=name, argv=argv, code=code, field=field, value=value, expected=expected, stdin=stdin, kind=kind))


def add(*extra, text="Xin chào bà con", zone="tinh"):
    argv = ["bulletin", "add", "--title", "Thông báo", "--text", text]
    if zone is not None:
        argv += ["--zone", zone]
    return argv + list(extra)


def build_cases():
    # Schedules: times, days, repeats, dates, counts, levels.
    for v in ["25:00", "12:60", "abc", "2026-02-30 06:00", "-1:00", "06:00:61", "2026-12-0x 06:00", "24:01"]:
        case(f"--at {v}", add("--at", v), 65, "at", v)
    for bad, given in [("06:00,25:00", "25:00"), ("6.00", "6.00"), ("sáng", "sáng"), ("24:00", "24:00"), ("06:00,-06:00", "-06:00")]:
        case(f"--daily {bad}", add("--daily", bad), 65, "daily", given)
    for v in ["funday", "mon-funday", "1-5", "thứ hai", "mon,,fri"]:
        case(f"--weekdays {v}", add("--weekdays", v, "--daily", "06:00"), 65, "weekdays", v)
    for v in ["0", "1441", "99999", "-5"]:
        case(f"--every {v}", add("--every", v, "--window", "06:00-08:00"), 65, "every", v)
    for v in ["abc", "1.5"]:
        case(f"--every {v} (not a number of minutes)", add("--every", v, "--window", "06:00-08:00"), 64, "every", v)
    # The message names the part that is wrong ("got 25:00").
    for v, part in [("06:00", "06:00"), ("6-8", "6"), ("06:00-25:00", "25:00"), ("abc", "abc"), ("06:00-06:00", "06:00")]:
        case(f"--window {v}", add("--every", "30", "--window", v), 65, "window", part)
    for v in ["2026-13-01", "01/12/2026", "tomorrow", "2026-02-30"]:
        case(f"--from {v}", add("--daily", "06:00", "--from", v), 65, "from", v)
    for v in ["yesterday", "2026-1-1", "31/12/2026"]:
        case(f"--until {v}", add("--daily", "06:00", "--until", v), 65, "until", v)
    case("--times 0", add("--daily", "06:00", "--times", "0"), 65, "times", "0")
    case("--times -1", add("--daily", "06:00", "--times", "-1"), 65, "times", "-1")
    case("--times abc", add("--daily", "06:00", "--times", "abc"), 64, "times", "abc")
    for v in ["bogus", "EMERGENCYY", "0"]:
        case(f"--level {v}", add("--daily", "06:00", "--level", v), 64, "level", v)
    case("--at with --daily", add("--at", "06:00", "--daily", "07:00"), 65, "schedule", "several", "exactly one of --at")
    case("--at with --weekdays", add("--at", "2026-12-31 07:00", "--weekdays", "mon"), 65, "at", "--weekdays", "--at alone")
    case("--at with --from", add("--at", "2026-12-31 07:00", "--from", "2026-12-30"), 65, "at", "--from", "--at alone")
    # Targets.
    for v in ["tinh/../x", "../../etc", "TINH", "a b", "tinh//xa-a", "/tinh", "tinh/" + "x" * 65]:
        case(f"--zone {v[:30]}", add("--daily", "06:00", zone=v), 65, "zone", v[:20])
    case("--zone unknown", add("--daily", "06:00", zone="tinh/khong-co"), 65, "zone", "tinh/khong-co")
    case("--cluster unknown", add("--daily", "06:00", "--cluster", "zz", zone=None), 65, "cluster", "zz")
    case("no target", add("--daily", "06:00", zone=None), 64, "targets", "--zone")
    # Titles and texts.
    case("empty title", ["bulletin", "add", "--title", "", "--text", "x", "--zone", "tinh", "--daily", "06:00"], 65, "title", '""')
    case("title of 300 characters", ["bulletin", "add", "--title", "t" * 300, "--text", "x", "--zone", "tinh", "--daily", "06:00"], 65,
         "title", "ttttt")
    case("title with terminal escapes", ["bulletin", "add", "--title", "\x1b[2J\x1b[31mX", "--text", "x", "--zone", "tinh", "--daily",
                                         "06:00"], 65, "title", "\\u{1B}")
    case("text of only emoji", add("--daily", "06:00", text="🙂🙂🙂"), 65, "text", "🙂")
    case("text of only spaces", add("--daily", "06:00", text="    "), 65, "text", "empty")
    case("text of zero-width characters", add("--daily", "06:00", text="\u200b\u200b"), 65, "text", "empty")
    case("text of 30,001 characters", add("--daily", "06:00", text="a" * 30001), 65, "text", "30001")
    case("--file and --text", add("--daily", "06:00", "--file", "/etc/hostname"), 64, "the audio", "--file")
    case("never airs (quiet hours)", add("--daily", "23:30"), 65, "schedule", "quiet hours", "choose a time outside quiet hours")
    case("priority in quiet hours", add("--daily", "23:59", "--level", "priority"), 65, "schedule", "quiet hours",
         "choose a time outside quiet hours")
    # Files given as the audio.
    case("--file missing", ["bulletin", "add", "--title", "x", "--file", path("nope.wav"), "--zone", "tinh", "--daily", "06:00"], 66,
         "--file", "nope.wav", "does not exist")
    case("--file is a directory", ["bulletin", "add", "--title", "x", "--file", WORK, "--zone", "tinh", "--daily", "06:00"], 66, "--file",
         WORK, "expected a file")
    case("--file /dev/null", ["bulletin", "add", "--title", "x", "--file", "/dev/null", "--zone", "tinh", "--daily", "06:00"], 66, "--file",
         "/dev/null", "not a regular file")
    case("--file empty", ["bulletin", "add", "--title", "x", "--file", write("empty.wav", b""), "--zone", "tinh", "--daily", "06:00"], 65,
         "--file", "empty.wav", "empty")
    case("--file of random bytes", ["bulletin", "add", "--title", "x", "--file", write("noise.wav", os.urandom(4096)), "--zone", "tinh",
                                    "--daily", "06:00"], 65, "noise.wav", "not audio", "expected")
    case("--file a truncated WAV", ["bulletin", "add", "--title", "x", "--file", write("cut.wav", b"RIFF\x24\x00\x00\x00WAVEfmt "),
                                    "--zone", "tinh", "--daily", "06:00"], 65, "cut.wav", "WAV", "expected")
    # Bulletin numbers and states.
    for v in ["999999"]:
        for verb in ["cancel", "pause", "resume", "show"]:
            case(f"bulletin {verb} {v}", ["bulletin", verb, v], 65, "bulletin", "#" + v)
    for v in ["abc", "1.5"]:
        case(f"bulletin cancel {v}", ["bulletin", "cancel", v], 64, "id", v)
    case("bulletin list --state bogus", ["bulletin", "list", "--state", "bogus"], 65, "state", "bogus")
    # Zones.
    # Vietnamese letters are allowed in zone names; control characters show escaped.
    for v in ["..", "a/../b", "a\tb", "a\nb", "/".join(["z"] * 300), "A/B", "tinh/", "/tinh", "a b", "x" * 65, "tinh/Xa-A"]:
        case(f"zone add {v[:20]!r}", ["zone", "add", v], 65, "path", v[:12].replace("\t", "\\u{9}").replace("\n", "\\u{a}"))
    case("zone add existing", ["zone", "add", "tinh/xa-a"], 65, "zone", "tinh/xa-a", "already exists")
    case("zone add without parent", ["zone", "add", "khong/co/cha"], 65, "zone", "khong", "--parents")
    for v in ["22:00-22:00", "25:00-05:00", "abc", "22:00", "22:00-05:00-06:00", "22-5"]:
        case(f"zone quiet {v}", ["zone", "quiet", "tinh/xa-a", v], 65, "quiet", v)
    case("zone quiet unknown zone", ["zone", "quiet", "tinh/khong-co", "none"], 65, "zone", "tinh/khong-co")
    case("zone remove non-empty", ["zone", "remove", "tinh/xa-a"], 65, "zone", "tinh/xa-a", "empty")
    case("zone remove unknown", ["zone", "remove", "tinh/khong-co"], 65, "zone", "tinh/khong-co")
    # Cluster CSVs.
    csvs = [
        ("one id on two rows", "id,zone,name\nc-9,tinh/xa-a,A\nc-9,tinh/xa-b,B\n", "line 3", "c-9", "line 2"),
        ("header only", "id,zone,name\n", "line 2", "no clusters", "expected"),
        ("unclosed quote", 'id,zone,name\nc-9,tinh/xa-a,"Loa\n', "line 2", "quote", "expected"),
        ("wrong column count", "id,zone,name\nc-9,tinh/xa-a\n", "line 2", "2 field", "expected"),
        ("unknown zone", "id,zone,name\nc-9,tinh/khong-co,A\n", "line 2", "tinh/khong-co", "expected"),
        ("bad zone path", "id,zone,name\nc-9,tinh/../etc,A\n", "line 2", "tinh/../etc", "expected"),
        ("bad cluster id", "id,zone,name\nc 9;rm,tinh/xa-a,A\n", "line 2", "c 9;rm", "expected"),
        ("empty id", "id,zone,name\n,tinh/xa-a,A\n", "line 2", "id", "expected"),
        ("wrong header", "ma,khu,ten\nc-9,tinh/xa-a,A\n", "header", "ma", "expected"),
        ("name with escapes", "id,zone,name\nc-9,tinh/xa-a,\x1b[2JX\n", "line 2", "name", "expected"),
        ("an existing id", "id,zone,name\nc-1,tinh/xa-a,A\n", "line 2", "c-1", "expected"),
        ("10,000 bad rows", "id,zone,name\n" + "".join(f"c-{i},tinh/khong-co,A\n" for i in range(10000)), "problems",
         "the first 20", "expected"),
    ]
    for i, (name, text, field, value, expected) in enumerate(csvs):
        case(f"cluster import: {name}", ["cluster", "import", write(f"bad{i}.csv", text)], 65, field, value, expected)
    case("cluster import: not UTF-8", ["cluster", "import", write("latin1.csv", "id,zone,name\nc-9,tinh/xa-a,Lo\xe0\n".encode("latin-1"))],
         65, "line 2", "UTF-8", "expected")
    case("cluster import: empty file", ["cluster", "import", write("empty.csv", b"")], 65, "CSV", "empty", "expected")
    case("cluster import: directory", ["cluster", "import", WORK], 66, "CSV", WORK, "expected a file")
    case("cluster import: missing", ["cluster", "import", path("nope.csv")], 66, "CSV", "nope.csv", "does not exist")
    case("cluster import: /dev/null", ["cluster", "import", "/dev/null"], 66, "CSV", "/dev/null", "not a regular file")
    for verb in ["show", "rotate-key", "revoke", "stop", "resync", "test-tone"]:
        case(f"cluster {verb} unknown", ["cluster", verb, "zz"], 65, "cluster", "zz")
    case("cluster volume 101", ["cluster", "volume", "c-1", "101"], 65, "volume", "101")
    for v in ["abc", "50.5"]:
        case(f"cluster volume {v}", ["cluster", "volume", "c-1", v], 64, "volume", v)
    # Live.
    case("live --stdin random bytes", ["live", "--stdin", "--zone", "tinh", "--level", "emergency"], 65, "stdin", "noise",
         "expected", stdin=os.urandom(48000 * 2 * 2))
    case("live --level bogus", ["live", "--stdin", "--zone", "tinh", "--level", "bogus"], 64, "level", "bogus", stdin=b"")
    case("live --zone ../x", ["live", "--stdin", "--zone", "../x", "--level", "emergency"], 65, "zone", "../x", stdin=b"\x00" * 100)
    case("live --file missing", ["live", "--file", path("nope.wav"), "--zone", "tinh", "--level", "emergency"], 66, "--file", "nope.wav",
         "does not exist")
    # Encode (no daemon involved; nothing may be overwritten).
    wav = path("tone.wav")
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", wav, "synth", "1", "sine", "440", "vol", "0.3"], check=True)
    case("encode onto its input", ["encode", wav, wav], 64, wav, "input itself", "expected another file")
    case("encode to .mp3", ["encode", wav, path("out.mp3")], 64, "out.mp3", ".mp3", "expected a name ending in .opus")
    case("encode missing input", ["encode", path("nope.wav"), path("o.opus")], 66, "nope.wav", "does not exist", "does not exist")
    case("encode a directory", ["encode", WORK, path("o.opus")], 66, WORK, "directory", "directory")
    for opt, v, field in [("--bitrate", "5", "bitrate"), ("--complexity", "11", "complexity"), ("--target-lufs", "0", "target_lufs"),
                          ("--true-peak", "3", "true_peak_dbtp"), ("--expected-loss", "101", "expected_loss_percent")]:
        case(f"encode {opt} {v}", ["encode", wav, path("o.opus"), opt, v], 64, field, v)
    case("encode --level bogus", ["encode", wav, path("o.opus"), "--level", "bogus"], 64, "level", "bogus")
    case("encode random bytes", ["encode", write("noise.bin", os.urandom(8192)), path("o.opus")], 65, "noise.bin", "not audio", "expected")
    # Text-to-speech preview.
    case("tts preview empty", ["tts", "preview", ""], 65, "text", "empty")
    case("tts preview emoji", ["tts", "preview", "🙂"], 65, "text", "🙂")
    case("tts preview --audio x.mp3", ["tts", "preview", "xin chào", "--audio", path("x.mp3")], 64, "--audio", "x.mp3")
    case("tts preview 30,001 characters", ["tts", "preview", "a" * 30001], 65, "text", "30001")
    case("tts preview text and file", ["tts", "preview", "x", "--text-file", "/etc/hostname"], 64, "the text", "--text-file")
    # Listings and reports.
    case("schedule --day 2026-13-01", ["schedule", "--day", "2026-13-01"], 65, "day", "2026-13-01")
    case("stats --since 2026-13-01", ["stats", "--since", "2026-13-01"], 65, "since", "2026-13-01")
    case("audit --limit -1", ["audit", "--limit", "-1"], 65, "limit", "-1")
    case("audit --limit abc", ["audit", "--limit", "abc"], 64, "limit", "abc")
    case("health --zone ../x", ["health", "--zone", "../x"], 65, "zone", "../x")
    case("inbox list --state bogus", ["inbox", "list", "--state", "bogus"], 65, "state", "bogus")
    case("inbox approve 999999", ["inbox", "approve", "999999"], 65, "inbox", "#999999")
    # The control API by raw HTTP, as the console and the province reach it.
    api = [
        ("PUT /v1/zones (wrong method)", "PUT", "/v1/zones", None, "application/json", 405, "PUT", "/v1/zones", "GET"),
        ("POST /v1/bulletins: JSON array", "POST", "/v1/bulletins", "[1,2]", "application/json", 400, "body", "array", "expected"),
        ("POST /v1/bulletins: text/plain", "POST", "/v1/bulletins", "hello", "text/plain", 415, "Content-Type", "text/plain",
         "application/json"),
        ("POST /v1/bulletins: not JSON", "POST", "/v1/bulletins", "{title:", "application/json", 400, "body", "JSON", "expected"),
        ("POST /v1/bulletins: title a number", "POST", "/v1/bulletins", '{"title": 5}', "application/json", 400, "title", "number",
         "expected"),
        ("POST /v1/zones: ../../etc", "POST", "/v1/zones", '{"path": "../../etc"}', "application/json", 400, "path", "../../etc",
         "expected"),
        ("GET /v1/audit?limit=-1", "GET", "/v1/audit?limit=-1", None, None, 400, "limit", "-1", "expected"),
        ("GET /v1/audit?limit=abc", "GET", "/v1/audit?limit=abc", None, None, 400, "limit", "abc", "expected"),
        ("GET /v1/bulletins?state=bogus", "GET", "/v1/bulletins?state=bogus", None, None, 400, "state", "bogus", "expected"),
        ("GET /v1/clusters?zone=tinh/khong-co", "GET", "/v1/clusters?zone=tinh/khong-co", None, None, 404, "zone", "tinh/khong-co",
         "expected"),
        ("POST /v1/speech/preview: no text", "POST", "/v1/speech/preview", "{}", "application/json", 400, "text", "missing",
         "expected"),
        ("POST /v1/zones: 300 levels", "POST", "/v1/zones", json.dumps({"path": "/".join(["z"] * 300)}), "application/json", 400,
         "path", "z/z/z", "expected"),
    ]
    for name, method, url, body, ctype, status, field, value, expected in api:
        CASES.append(dict(name=name, kind="api", method=method, url=url, body=body, ctype=ctype, code=status, field=field,
                          value=value, expected=expected))
    # Configuration files, checked by commcastd --check-config.
    configs = [
        ("random bytes", os.urandom(512), "bad0.toml", "not UTF-8", "expected"),
        ("unknown key", b"[daemon]\nstate_dir = \"/tmp\"\n", "daemon.state_dir", "unknown key", "takes"),
        ("quiet hours to the same time", b"[schedule]\nquiet_hours = \"22:00-22:00\"\n", "quiet_hours", "22:00-22:00", "expected"),
        ("port 70000", b"[link]\nport = 70000\n", "link.port", "70000", "expected"),
        ("log level bogus", b"[daemon]\nlog_level = \"bogus\"\n", "log_level", "bogus", "expected"),
        ("operator zone ../x", b"[[operators]]\nname = \"an\"\nunix_user = \"root\"\nzones = [\"../x\"]\n", "zones", "../x",
         "expected"),
        ("socket group missing", b"[control]\nsocket_group = \"khong-co-nhom\"\n", "socket_group", "khong-co-nhom", "groupadd"),
        ("target_lufs 0", b"[ingest]\ntarget_lufs = 0\n", "target_lufs", "0", "expected"),
        ("a string for a number", b"[link]\nport = \"abc\"\n", "link.port", "abc", "expected"),
        ("dialect bogus", b"[tts]\ndialect = \"bogus\"\n", "tts.dialect", "bogus", "expected"),
        # Both aborted commcastd inside the TOML library before they were checked first (found by fuzzing).
        ("a section typed in Vietnamese", "[link]\nport = 7470\n[đài]\n".encode(), "line 3", "đ", "expected one in ASCII"),
        ("a NUL in a key", b"[[operators]]\nname\x00 = \"an\"\n", "line 2", "U+0000", "expected text"),
    ]
    for i, (name, data, field, value, expected) in enumerate(configs):
        CASES.append(dict(name=f"--check-config: {name}", kind="config", file=write(f"bad{i}.toml", data), code=78, field=field,
                          value=value, expected=expected))
    CASES.append(dict(name="--check-config: a directory", kind="config", file=WORK, code=78, field=WORK, value="directory",
                      expected="expected the configuration file"))
    CASES.append(dict(name="--check-config: missing", kind="config", file=path("nope.toml"), code=78, field="nope.toml",
                      value="does not exist", expected="expected"))


def execute(c):
    if c["kind"] == "cli":
        r = commcast(*c["argv"], stdin=c["stdin"])
        return r.returncode, r.stderr.decode(errors="replace") + r.stdout.decode(errors="replace")
    if c["kind"] == "api":
        return curl(c["method"], c["url"], c["body"], c["ctype"] or "application/json")
    r = run([os.path.join(BIN, "commcastd"), "--check-config", c["file"]])
    return r.returncode, r.stderr.decode(errors="replace") + r.stdout.decode(errors="replace")


def check_reads(failures):
    """What operators read must be true: the list shows targets and the next airing,
    `show` the media, `--json` named keys and the station's offset, and `cancel`
    at a terminal asks first."""
    listing = commcast("bulletin", "list").stdout.decode()
    if "NEXT AIRING" not in listing or "TARGETS" not in listing or " 07:00" not in listing or "tinh" not in listing:
        failures.append(("bulletin list shows targets and the next airing", ["missing"], listing))
    show = commcast("bulletin", "show", "1").stdout.decode()
    if "media -" in show or "next " not in show:
        failures.append(("bulletin show names the media and the next airing", ["media - or no next line"], show))
    as_json = commcast("bulletin", "list", "--json").stdout.decode()
    if "_0" in as_json or "+07:00" not in as_json or "Z\"" in as_json:
        failures.append(("--json has named keys and the station's offset", ["_0, or UTC times"], as_json))
    # Two bulletins wanted at 07:00 on the same clusters: the second is shifted by
    # seconds, and the plan must show when it really starts, not "07:00" twice.
    r = commcast("bulletin", "add", "--title", "Nhắc lịch", "--text", "Nhắc bà con", "--zone", "tinh", "--daily", "07:00")
    day = json.loads(commcast("bulletin", "list", "--json").stdout)[-1]["next_airing"][:10]
    plan = commcast("schedule", "--day", day).stdout.decode()
    starts = [line.split()[0] for line in plan.splitlines() if line.startswith("07:00")]
    if r.returncode != 0 or len(starts) < 2 or len(set(starts)) != len(starts) or not any(len(x) == 8 for x in starts):
        failures.append(("a shifted airing shows its real start", [f"starts {starts}"], plan))
    # tts preview: the words the voice will read, and the audio as it would be stored.
    heard = path("nghe-thu.opus")
    r = commcast("tts", "preview", "Ngày 5/12, UBND xã họp lúc 7h30.", "--audio", heard)
    said = r.stdout.decode()
    probe = run(["opusinfo", heard]) if os.path.exists(heard) else None
    if r.returncode != 0 or said.strip() != "Ngày mùng năm tháng mười hai, Ủy ban nhân dân xã họp lúc bảy giờ ba mươi phút." \
            or probe is None or probe.returncode != 0:
        failures.append(("tts preview prints the words and writes playable audio", [f"exit {r.returncode}"], said + r.stderr.decode()))
    # cancel at a terminal: answer no, and nothing changes.
    before = snapshot()
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(os.path.join(BIN, "commcast"), ["commcast", "bulletin", "cancel", "1"], ENV)
    output = b""
    deadline = time.monotonic() + 30
    answered = False
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"[y/N]" in output:
            os.write(fd, b"n\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    said = output.decode(errors="replace")
    if not answered or os.waitstatus_to_exitcode(status) != 1 or "not cancelled" not in said or snapshot() != before:
        failures.append(("bulletin cancel at a terminal asks, and 'n' keeps it", [f"exit {os.waitstatus_to_exitcode(status)}"], said))
    return 6


def main():
    build_cases()
    daemon = start_daemon()
    failures = []
    checks = 0
    try:
        seed()
        checks = check_reads(failures)
        for c in CASES:
            before = snapshot()
            code, message = execute(c)
            problems = []
            if code != c["code"]:
                problems.append(f"exit {code}, expected {c['code']}")
            for key in ("field", "value", "expected"):
                if c[key].lower() not in message.lower():
                    problems.append(f"message does not name the {key} ({c[key]!r})")
            if daemon.poll() is not None:
                problems.append("the daemon died")
                failures.append((c["name"], problems, message))
                break
            if commcast("status").returncode != 0:
                problems.append("the daemon no longer answers")
            if snapshot() != before:
                problems.append("the station's state changed")
            if problems:
                failures.append((c["name"], problems, message))
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
    for name, problems, message in failures:
        print(f"FAIL {name}: {'; '.join(problems)}\n     said: {message.strip()[:400]!r}")
    total = len(CASES) + checks
    print(f"bad-input suite: {total - len(failures)} of {total} cases passed ({len(CASES)} bad inputs, {checks} checks of what operators read)")
    if failures:
        print(f"(work directory kept: {WORK})")
        sys.exit(1)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
