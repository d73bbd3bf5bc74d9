"""Drives commcastd, commcast-sim and headless Chromium for Benchmarks/run-phone-live.sh.

Two broadcasts of the same 30 s of tones to every simulated cluster, each with its
own simulator run so its figures are its own:
  A. `commcast live --file` on the station host (the anchor);
  B. the console's live page in Chromium, the tones as its microphone, WebCodecs Opus
     over the WebSocket.
For B: capture to playout lag at the clusters (the page stamps each frame on the
station's clock; the clusters' jitter buffers included), the command (the end of the
2-second hold) to audio at the last cluster, the uplink (WebSocket bytes as the
station counted them, and the bytes and TCP segments the kernel counted on its
socket, with 40 bytes of IPv4 and TCP headers and 12 of timestamps per segment),
and the daemon's CPU against A's.
"""
import json, math, os, re, signal, struct, subprocess, sys, tempfile, time, wave

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from bench_station import Station, cpu_and_rss, write_province  # noqa: E402
import browser_support  # noqa: E402
from browser_support import SIZES, browser, hold, log_in_at, microphone_on, wait  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

bin_dir, clusters = sys.argv[1], int(sys.argv[2])
work = tempfile.mkdtemp(prefix="commcast-phonebench-")
browser_support.OUT = work
port, web_port, seconds = 17482, 17483, 30
password = "báo động lũ quét 2026"
station = Station(bin_dir, work, port, extra=f'[web]\nport = {web_port}\n[[operators]]\nname = "Hùng"\nroles = ["operator", "emergency"]\nzones = ["tinh"]\n')
cli, cpu = station.cli, lambda: cpu_and_rss(station.daemon.pid)[0]
write_province(f"{work}/clusters.csv", clusters)
cli("cluster", "import", f"{work}/clusters.csv", "--create-zones", "--credentials", f"{work}/credentials.csv")
subprocess.run([f"{bin_dir}/commcast", "operator", "passwd", "Hùng"], input=f"{password}\n", text=True, env=station.env, check=True,
               capture_output=True)

# The tones: the browser's microphone (looped) and the anchor's file, 30 s of them.
rate, samples = 48000, []
while len(samples) < rate * seconds:
    for hz in (500, 700, 900, 1100, 1300, 1500):
        n = int(rate * 0.3)
        samples += [int(12000 * min(1, i / 480, (n - i) / 480) * math.sin(2 * math.pi * hz * i / rate)) for i in range(n)]
        samples += [0] * int(rate * 0.1)
samples = samples[:rate * seconds]
with wave.open(f"{work}/tones.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(struct.pack(f"<{len(samples)}h", *samples))


def simulator():
    sim = subprocess.Popen([f"{bin_dir}/commcast-sim", "--station", f"127.0.0.1:{port}", "--credentials", f"{work}/credentials.csv",
                            "--json", "--duration", "600", "--reconnect-jitter", "2", "--live-decode-percent", "2"],
                           stdout=subprocess.PIPE, stderr=open(f"{work}/sim.log", "a"), text=True)
    station.wait_connected(clusters)
    return sim


def summary(sim):
    sim.send_signal(signal.SIGINT)
    return json.loads(sim.communicate(timeout=120)[0])


def uplink_socket():
    """The kernel's count for the console connection that received the most: bytes and segments in."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{web_port} )"], capture_output=True, text=True).stdout
    best = (0, 0)
    for block in re.split(r"\n(?=\S)", out):
        got = re.search(r"bytes_received:(\d+)", block)
        segs = re.search(r"segs_in:(\d+)", block)
        if got and segs and int(got.group(1)) > best[0]:
            best = (int(got.group(1)), int(segs.group(1)))
    return best


# A. The anchor: the station host's own `commcast live --file`.
sim = simulator()
a_cpu0, a_t0 = cpu(), time.time()
cli("live", "--file", f"{work}/tones.wav", "--title", "Bão số 9")
a_cpu1, a_t1 = cpu(), time.time()
a = summary(sim)

# B. The phone: the live page in Chromium, the tones as its microphone.
sim = simulator()
driver = browser(SIZES["phone"], f"--use-file-for-fake-audio-capture={work}/tones.wav")
try:
    log_in_at(driver, f"http://127.0.0.1:{web_port}/", "Hùng", password)
    microphone_on(driver)
    hold(driver, "live-hold")
    wait(driver, lambda d: d.execute_script("return window.commcastLiveStatus && window.commcastLiveStatus.uplink.played > 0"), 20)
    b_cpu0, b_t0, up0 = cpu(), time.time(), uplink_socket()
    counted0 = driver.execute_script("return window.commcastLiveStatus.uplink.bytes")
    time.sleep(seconds)
    b_cpu1, b_t1, up1 = cpu(), time.time(), uplink_socket()
    status = driver.execute_script("return window.commcastLiveStatus")
    command_at = driver.execute_script("return window.commcastLive.commandAt") / 1000
    driver.find_element(By.ID, "live-stop").click()
    wait(driver, lambda d: d.find_element(By.ID, "live-result").is_displayed(), 20)
finally:
    driver.quit()
b = summary(sim)
station.stop()

window = b_t1 - b_t0
ws_kbps = (status["uplink"]["bytes"] - counted0) * 8 / window / 1000
tcp_bytes, segments = up1[0] - up0[0], up1[1] - up0[1]
ip_kbps = (tcp_bytes + 52 * segments) * 8 / window / 1000
a_share, b_share = (a_cpu1 - a_cpu0) / (a_t1 - a_t0), (b_cpu1 - b_cpu0) / window


def row(name, value, budget=""):
    print(f"{name:<58}{value:<34}{budget}")


print(f"clusters: {clusters}; {seconds} s of tones, 20 ms Opus packets; simulated clusters' jitter buffer 120 ms, the station's for the phone 100 ms")
print("B. the console's live page in headless Chromium (WebCodecs Opus 24 kbit/s, 2 frames a message):")
row("  frames received by all clusters / lost / late", f"{b['live_packets']} / {b['live_lost']} / {b['live_late']}")
row("  page capture to cluster playout p50 / p99", f"{b['live_playout_lag_p50_ms']:.0f} ms / {b['live_playout_lag_p99_ms']:.0f} ms", "budget p99 ≤ 400 ms")
row("  (capture to arrival at the cluster p50 / p99)", f"{b['live_lag_p50_ms']:.0f} ms / {b['live_lag_p99_ms']:.0f} ms")
row("  command (end of the hold) to audio, last cluster", f"{b['live_first_audio_latest'] - command_at:.2f} s (first {b['live_first_audio_earliest'] - command_at:.2f} s)", "budget ≤ 1 s")
row("  uplink, WebSocket messages as the station counted", f"{ws_kbps:.1f} kbit/s")
row("  uplink, the kernel's bytes + 52 B per TCP segment", f"{ip_kbps:.1f} kbit/s ({segments / window:.1f} segments/s)", "budget ≤ 40 kbit/s")
row("  daemon CPU while on air", f"{b_cpu1 - b_cpu0:.2f} s over {window:.1f} s ({b_share * 100:.1f} % of one core)")
print("A. `commcast live --file` on the station host, the same tones (the anchor):")
row("  frames received by all clusters / lost / late", f"{a['live_packets']} / {a['live_lost']} / {a['live_late']}")
row("  capture to cluster playout p50 / p99", f"{a['live_playout_lag_p50_ms']:.0f} ms / {a['live_playout_lag_p99_ms']:.0f} ms")
row("  daemon CPU during the broadcast", f"{a_cpu1 - a_cpu0:.2f} s over {a_t1 - a_t0:.1f} s ({a_share * 100:.1f} % of one core)")
row("B's daemon CPU against A's", f"{(b_share / a_share - 1) * 100:+.1f} %", "budget within 10 %")
print("work directory:", work)
