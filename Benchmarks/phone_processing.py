"""What the browser's microphone processing does to a voice on its way to the
clusters (docs/live.md, "What the phone does to the voice"): Vietnamese speech
(espeak-ng) over a street's noise, said close to the phone (-14 dBFS) and at arm's
length (-34 dBFS), broadcast from the console's live page in headless Chromium with
each choice of echo cancellation (EC), noise suppression (NS) and automatic gain
(AGC), and measured where a cluster played it: integrated loudness (ffmpeg's
ebur128), and the loud and quiet 400 ms windows (speech and the pauses between
words, 90th and 10th percentile).

Usage: python3 Benchmarks/phone_processing.py [BIN_DIR]   (default .build/release)
"""
import glob, json, math, os, re, struct, subprocess, sys, tempfile, time, wave

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from bench_station import Station  # noqa: E402
import browser_support  # noqa: E402
from browser_support import SIZES, browser, hold, log_in_at, microphone_on, wait  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

bin_dir = sys.argv[1] if len(sys.argv) > 1 else ".build/release"
work = tempfile.mkdtemp(prefix="commcast-processing-")
browser_support.OUT = work
port, web_port, password = 17492, 17493, "báo động lũ quét 2026"
station = Station(bin_dir, work, port, extra=f'[web]\nport = {web_port}\n[[operators]]\nname = "Hùng"\nroles = ["operator", "emergency"]\nzones = ["tinh"]\n')
with open(f"{work}/clusters.csv", "w") as f:
    f.write("id,name,zone\nc1,Cụm 1,tinh/xa-a\n")
station.cli("cluster", "import", f"{work}/clusters.csv", "--create-zones", "--credentials", f"{work}/credentials.csv")
subprocess.run([f"{bin_dir}/commcast", "operator", "passwd", "Hùng"], input=f"{password}\n", text=True, env=station.env, check=True,
               capture_output=True)
played = f"{work}/played"
os.makedirs(played)
sim = subprocess.Popen([f"{bin_dir}/commcast-sim", "--station", f"127.0.0.1:{port}", "--credentials", f"{work}/credentials.csv",
                        "--duration", "900", "--live-audio-dir", played], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

text = "Thông báo khẩn của ủy ban xã. Nước sông đang lên nhanh. Bà con vùng trũng di chuyển đồ đạc lên cao, không đi qua ngầm tràn."
subprocess.run(["espeak-ng", "-v", "vi-vn-x-south", "-s", "150", "-w", f"{work}/speech.wav", text], check=True)


def microphone(level_db):
    """Speech at `level_db` peak over pink noise at -50 dBFS (a street), 48 kHz mono, 1 s of noise first."""
    path = f"{work}/mic{level_db}.wav"
    subprocess.run(["sox", f"{work}/speech.wav", "-r", "48000", f"{work}/speech48.wav", "norm", str(level_db), "pad", "1", "1"], check=True)
    length = float(subprocess.run(["soxi", "-D", f"{work}/speech48.wav"], capture_output=True, text=True).stdout)
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", f"{work}/noise.wav", "synth", str(length), "pinknoise", "norm", "-50"], check=True)
    subprocess.run(["sox", "-m", f"{work}/speech48.wav", f"{work}/noise.wav", "-b", "16", path], check=True)
    return path


def windows_db(path):
    with wave.open(path) as w:
        rate, data = w.getframerate(), w.readframes(w.getnframes())
    samples = struct.unpack(f"<{len(data) // 2}h", data)
    size = int(rate * 0.4)
    levels = []
    for start in range(0, len(samples) - size, size // 2):
        window = samples[start:start + size]
        rms = math.sqrt(sum(x * x for x in window) / size) / 32768
        levels.append(20 * math.log10(max(rms, 1e-6)))
    return sorted(levels)


def loudness(path):
    out = subprocess.run(["ffmpeg", "-nostats", "-i", path, "-af", "ebur128", "-f", "null", "-"], capture_output=True, text=True).stderr
    found = re.findall(r"I:\s+(-?[\d.]+) LUFS", out)
    return float(found[-1]) if found else float("nan")


def broadcast(mic, processing):
    before = set(glob.glob(f"{played}/*.wav"))
    driver = browser(SIZES["phone"], f"--use-file-for-fake-audio-capture={mic}")
    try:
        log_in_at(driver, f"http://127.0.0.1:{web_port}/", "Hùng", password)
        driver.execute_script("localStorage.setItem('commcast.live.processing', arguments[0])", json.dumps(processing))
        microphone_on(driver)
        # The processing adapts over the first seconds, as it would while the operator gets ready.
        time.sleep(4)
        hold(driver, "live-hold")
        wait(driver, lambda d: d.find_element(By.ID, "live-on").is_displayed(), 20)
        time.sleep(16)
        driver.find_element(By.ID, "live-stop").click()
        wait(driver, lambda d: d.find_element(By.ID, "live-result").is_displayed(), 20)
    finally:
        driver.quit()
    deadline = time.time() + 10
    while time.time() < deadline:
        new = set(glob.glob(f"{played}/*.wav")) - before
        if new: return new.pop()
        time.sleep(0.2)
    sys.exit("the cluster kept nothing")


choices = {
    "EC off, NS on, AGC on (chosen)": {"echoCancellation": False, "noiseSuppression": True, "autoGainControl": True},
    "everything off": {"echoCancellation": False, "noiseSuppression": False, "autoGainControl": False},
    "everything on (the browser's default)": {"echoCancellation": True, "noiseSuppression": True, "autoGainControl": True},
    "EC off, NS on, AGC off": {"echoCancellation": False, "noiseSuppression": True, "autoGainControl": False},
}
print(f"{'processing':<40}{'voice':<14}{'loudness':>10}{'speech P90':>12}{'pauses P10':>12}{'difference':>12}")
for level in (-14, -34):
    mic = microphone(level)
    levels = windows_db(mic)
    p90, p10 = levels[int(len(levels) * 0.9)], levels[int(len(levels) * 0.1)]
    print(f"{'(the microphone itself)':<40}{f'{level} dBFS peak':<14}{loudness(mic):>8.1f} LUFS{p90:>8.1f} dB{p10:>8.1f} dB{p90 - p10:>9.1f} dB")
    for name, processing in choices.items():
        got = broadcast(mic, processing)
        levels = windows_db(got)
        p90, p10 = levels[int(len(levels) * 0.9)], levels[int(len(levels) * 0.1)]
        print(f"{name:<40}{f'{level} dBFS peak':<14}{loudness(got):>8.1f} LUFS{p90:>8.1f} dB{p10:>8.1f} dB{p90 - p10:>9.1f} dB", flush=True)
sim.terminate()
station.stop()
print("work directory:", work)
