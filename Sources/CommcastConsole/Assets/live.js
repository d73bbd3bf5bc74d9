// Live from the phone (docs/live.md, "From a phone"): the microphone, or a file the
// operator opens, captured by an AudioWorklet 20 ms at a time, Opus encoded here
// with WebCodecs where the browser has it (else 16 kHz PCM, encoded at the station),
// and sent over the console's WebSocket /v1/live/ID/uplink. The broadcast itself is
// the station's: POST /v1/live starts it, DELETE stops it, the socket only feeds it.
"use strict";

const LIVE_FRAME_US = 20000;
const LIVE_FRAMES_PER_MESSAGE = 2;   // 40 ms per message: half the packets of one frame each
const LIVE_OPUS_BITRATE = 24000;
// The browser's processing of the microphone, chosen by measuring what reached the
// clusters (docs/live.md, "What the phone does to the voice"): echo cancellation off
// (the phone plays nothing for it to cancel, and it thins the voice), noise
// suppression and automatic gain on (outdoors, a phone at arm's length or at the
// mouth, the loudspeakers get a steady voice). localStorage "commcast.live.processing"
// (JSON, these three keys) overrides it on a phone whose own processing misbehaves.
const LIVE_PROCESSING = { echoCancellation: false, noiseSuppression: true, autoGainControl: true };

function liveProcessing() {
  const chosen = { ...LIVE_PROCESSING };
  try {
    const override = JSON.parse(localStorage.getItem("commcast.live.processing") || "{}");
    for (const key of Object.keys(LIVE_PROCESSING)) if (typeof override[key] === "boolean") chosen[key] = override[key];
  } catch (error) { /* a malformed override is ignored */ }
  return chosen;
}

pages.live = {
  phase: "idle",        // idle → ready → starting → onair → ended
  context: null, stream: null, node: null, fileSource: null, fileBuffer: null,
  encoder: null, codec: null, downsampler: null,
  socket: null, liveId: null, startedAt: null, sequence: 0, captures: new Map(), outgoing: [],
  clockOffset: 0, lastStatus: 0, reconnecting: false, ended: false, timer: null, holdTimer: null,
  stats: null,

  open() {
    const emergency = hasRole("emergency");
    // Hidden and disabled: Safari on iOS shows hidden options.
    const option = $("live-level").querySelector("option[value=emergency]");
    option.hidden = option.disabled = !emergency;
    if (!emergency) $("live-level").value = "priority";
    this.levelHelp();
    if (this.phase === "onair" || this.phase === "starting") return;
    this.loadZones();
  },

  async loadZones() {
    const result = await api("GET", "/v1/zones");
    if (result.status !== 200) { failed(result); return; }
    // Every zone of the operator's scope is ticked: an emergency goes everywhere unless narrowed.
    $("live-zones").replaceChildren(...result.data.map((z) => el("label", { class: "check", style: `padding-left:${(z.path.split("/").length - 1) * 0.75}rem` },
      el("input", { type: "checkbox", value: z.path, checked: true }), " ", z.path)));
  },

  levelHelp() { $("live-level-help").textContent = t(`live.help.${$("live-level").value}`); },
  source() { return document.querySelector("input[name=live-source]:checked").value; },
  error(text) { const e = $("live-error"); e.textContent = text || ""; e.hidden = !text; },

  // --- capture --------------------------------------------------------------------

  async prepare() {
    this.error("");
    if (!window.AudioWorkletNode || !navigator.mediaDevices?.getUserMedia) { this.error(t("live.unsupported")); return; }
    await this.release();
    try {
      this.context = new AudioContext({ sampleRate: 48000, latencyHint: "interactive" });
      await this.context.audioWorklet.addModule("/uplink-worklet.js");
      let input;
      if (this.source() === "phone") {
        this.stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, ...liveProcessing() } });
        input = this.context.createMediaStreamSource(this.stream);
        $("live-mic-state").textContent = t("live.mic.ready");
      } else {
        const file = $("live-file").files[0];
        if (!file) { this.error(t("live.need.ready")); return; }
        this.fileBuffer = await this.context.decodeAudioData(await file.arrayBuffer());
        $("live-mic-state").textContent = t("live.file.ready", { duration: this.minutes(this.fileBuffer.duration) });
        input = null;
      }
      this.node = new AudioWorkletNode(this.context, "commcast-capture", { channelCount: 1, channelCountMode: "explicit" });
      this.node.port.onmessage = (event) => this.captured(event.data);
      // The worklet runs only when something pulls it: a silent gain to the speakers.
      const mute = this.context.createGain();
      mute.gain.value = 0;
      this.node.connect(mute).connect(this.context.destination);
      if (input) input.connect(this.node);
      await this.setUpEncoder();
      this.phase = "ready";
      $("live-hold").disabled = false;
    } catch (error) {
      await this.release();
      this.error(this.source() === "phone" ? t("live.mic.denied", { message: error.message || error.name }) : t("live.file.bad", { message: error.message || error.name }));
    }
  },

  async setUpEncoder() {
    const config = { codec: "opus", sampleRate: 48000, numberOfChannels: 1, bitrate: LIVE_OPUS_BITRATE,
      opus: { frameDuration: LIVE_FRAME_US, complexity: 5, useinbandfec: false } };
    this.codec = "pcm16k";
    if (window.AudioEncoder && this.context.sampleRate === 48000) {
      const support = await AudioEncoder.isConfigSupported(config).catch(() => ({ supported: false }));
      if (support.supported) {
        this.encoder = new AudioEncoder({ output: (chunk) => this.encoded(chunk), error: (e) => this.error(e.message) });
        this.encoder.configure(config);
        this.codec = "opus";
      }
    }
    if (this.codec === "pcm16k") this.downsampler = new Downsampler(this.context.sampleRate);
    $("live-mic-state").textContent += " " + t(`live.codec.${this.codec === "opus" ? "opus" : "pcm"}`);
  },

  // 20 ms of samples from the worklet: metered, and once on air, encoded and sent.
  captured(samples) {
    let peak = 0;
    for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
    this.meter(peak);
    if (this.phase !== "onair") return;
    // Captured when its last sample reached the page, 20 ms after its first; on the station's clock.
    const capture = Math.round((Date.now() - 20 + this.clockOffset) * 1000);
    if (this.codec === "opus") {
      const sequence = this.sequence++;
      this.captures.set(sequence, capture);
      this.encoder.encode(new AudioData({ format: "f32", sampleRate: 48000, numberOfFrames: samples.length,
        numberOfChannels: 1, timestamp: sequence * LIVE_FRAME_US, data: samples }));
    } else {
      for (const pcm of this.downsampler.take(samples)) this.queue(this.sequence++, capture, new Uint8Array(pcm.buffer));
    }
  },

  encoded(chunk) {
    const sequence = Math.round(chunk.timestamp / LIVE_FRAME_US);
    const bytes = new Uint8Array(chunk.byteLength);
    chunk.copyTo(bytes);
    const capture = this.captures.get(sequence) || 0;
    this.captures.delete(sequence);
    this.queue(sequence, capture, bytes);
  },

  // Frames go out LIVE_FRAMES_PER_MESSAGE at a time, consecutive only. While the
  // connection is down they are dropped: the station's broadcast goes on in silence,
  // and the page tells the operator to say it again.
  queue(sequence, capture, payload) {
    const last = this.outgoing[this.outgoing.length - 1];
    if (last && last.sequence + 1 !== sequence) this.flush();
    this.outgoing.push({ sequence, capture, payload });
    if (this.outgoing.length >= LIVE_FRAMES_PER_MESSAGE) this.flush();
  },

  flush() {
    const frames = this.outgoing;
    this.outgoing = [];
    if (!frames.length || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    const opus = this.codec === "opus";
    const size = 14 + frames.reduce((n, f) => n + f.payload.length + (opus ? 2 : 0), 0);
    const message = new Uint8Array(size);
    const view = new DataView(message.buffer);
    view.setUint8(0, opus ? 1 : 2);
    view.setUint8(1, frames.length);
    view.setUint32(2, frames[0].sequence >>> 0);
    view.setBigUint64(6, BigInt(Math.max(0, frames[0].capture)));
    let at = 14;
    for (const frame of frames) {
      if (opus) { view.setUint16(at, frame.payload.length); at += 2; }
      message.set(frame.payload, at);
      at += frame.payload.length;
    }
    this.socket.send(message);
    this.stats.bytes += size;
    this.stats.messages += 1;
  },

  meter(peak) {
    const db = peak > 0 ? 20 * Math.log10(peak) : -96;
    const width = `${Math.max(0, Math.min(100, (db + 60) / 60 * 100))}%`;
    for (const bar of [$("live-meter-setup"), $("live-meter")]) {
      bar.style.width = width;
      bar.classList.toggle("loud", db > -3);
    }
  },

  // --- the broadcast ----------------------------------------------------------------

  async start() {
    this.error("");
    if (this.phase !== "ready") { this.error(t("live.need.ready")); return; }
    const boxes = [...document.querySelectorAll("#live-zones input")];
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!chosen.length) { this.error(t("live.need.zone")); return; }
    this.phase = "starting";
    // What the station did and when the operator asked, for the page's tests and benchmark.
    this.stats = { commandAt: Date.now(), bytes: 0, messages: 0, reconnects: 0 };
    window.commcastLive = this.stats;
    $("live-hold").disabled = true;
    $("live-result").hidden = true;
    const request = { level: $("live-level").value, zones: chosen.length === boxes.length ? [] : chosen, clusters: [],
      source: this.source(), title: $("live-title").value.trim() };
    const result = await api("POST", "/v1/live", request);
    if (result.status !== 201) {
      this.phase = "ready";
      $("live-hold").disabled = false;
      const message = result.data.message || String(result.status);
      this.error(result.data.code === "busy" ? t("live.busy", { who: message }) : result.status === 403 ? t("live.forbidden") : t("live.refused", { message }));
      return;
    }
    this.liveId = result.data.live_id;
    this.startedAt = Date.parse(result.data.started_at);
    this.sequence = 0;
    this.captures.clear();
    this.outgoing = [];
    this.ended = false;
    this.phase = "onair";
    $("live-setup").hidden = true;
    $("live-on").hidden = false;
    $("live-receiving").textContent = t("live.receiving", { n: result.data.receiving, total: result.data.targeted });
    $("live-what").textContent = [t(`level.${request.level}`), request.title, request.zones.length ? request.zones.join(", ") : t("live.everywhere")]
      .filter(Boolean).join(" · ");
    $("live-link").textContent = "";
    this.connect();
    this.timer = setInterval(() => this.tick(), 250);
    if (this.fileBuffer) {
      this.fileSource = this.context.createBufferSource();
      this.fileSource.buffer = this.fileBuffer;
      this.fileSource.connect(this.node);
      this.fileSource.onended = () => setTimeout(() => this.stop("file"), 300);
      this.fileSource.start();
    }
  },

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/v1/live/${encodeURIComponent(this.liveId)}/uplink?csrf=${encodeURIComponent(csrf)}`);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      this.lastStatus = performance.now();
      socket.send(JSON.stringify({ type: "clock", sent: Date.now() }));
      if (this.reconnecting) { $("live-link").textContent = t("live.link.back"); $("live-link").className = "muted"; this.stats.reconnects += 1; }
      this.reconnecting = false;
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== "string") return;
      const notice = JSON.parse(event.data);
      this.lastStatus = performance.now();
      if (notice.type === "clock") {
        // The station's clock, read half a round trip after the page asked.
        this.clockOffset = notice.station - (notice.sent + Date.now()) / 2;
      } else if (notice.type === "status") {
        $("live-receiving").textContent = t("live.receiving", { n: notice.live.receiving, total: notice.live.targeted });
        if (!this.reconnecting && $("live-link").textContent !== t("live.link.back")) {
          $("live-link").textContent = socket.bufferedAmount > 4000 ? t("live.link.slow") : t("live.link.good");
        }
        window.commcastLiveStatus = notice;
      } else if (notice.type === "ended") {
        this.finish(notice.live, notice.reason);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.ended || this.phase !== "onair") return;
      this.lost();
    };
  },

  // The connection dropped while on air: try again every second; the station holds
  // the broadcast for its grace period, and says why when it ended it.
  async lost() {
    this.reconnecting = true;
    $("live-link").textContent = t("live.link.lost");
    $("live-link").className = "error";
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (this.ended || this.phase !== "onair") return;
    const state = await api("GET", "/v1/live");
    if (state.status === 200 && state.data.live_id === this.liveId && state.data.ended_at) {
      this.finish(state.data, state.data.end_reason);
    } else if ((state.status === 200 && state.data.live_id !== this.liveId) || state.status === 404) {
      // Another broadcast since, or the station restarted: this one is over.
      this.finish(null, "gone");
    } else if (state.status !== 401) {
      this.connect();
    }
  },

  tick() {
    if (this.phase !== "onair") return;
    $("live-elapsed").textContent = this.minutes((Date.now() - this.startedAt) / 1000);
    // No status for 3 s: the connection is dead even if the phone has not noticed (4G).
    if (!this.reconnecting && this.socket?.readyState === WebSocket.OPEN && performance.now() - this.lastStatus > 3000) {
      this.socket.close();
      this.lost();
    }
  },

  async stop(why) {
    if (this.phase !== "onair") return;
    this.flush();
    const result = await api("DELETE", `/v1/live/${encodeURIComponent(this.liveId)}`);
    if (result.status === 200) this.finish(result.data, why === "file" ? "file" : result.data.end_reason);
    else if (result.status === 404) { const state = await api("GET", "/v1/live"); this.finish(state.data, state.data.end_reason); }
    else failed(result);
  },

  finish(live, reason) {
    if (this.ended) return;
    this.ended = true;
    this.phase = "ended";
    clearInterval(this.timer);
    if (this.socket) { this.socket.onclose = null; this.socket.close(); this.socket = null; }
    this.release();
    $("live-on").hidden = true;
    $("live-setup").hidden = false;
    $("live-hold").disabled = true;
    $("live-mic-state").textContent = t("live.mic.off");
    const seconds = live?.ended_at && live?.started_at ? (Date.parse(live.ended_at) - Date.parse(live.started_at)) / 1000 : (Date.now() - this.startedAt) / 1000;
    const box = $("live-result");
    box.replaceChildren(
      el("span", { class: "big", text: t("live.ended", { duration: this.minutes(seconds), reason: this.reason(reason) }) }),
      el("br"), el("span", { text: t("live.ended.packets", { seconds: Math.round((live?.packets || 0) / 50), n: live?.receiving ?? 0 }) }));
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
    window.commcastLiveEnded = { reason, live };
  },

  reason(reason) {
    if (!reason) return "";
    if (reason === "file") return t("live.reason.file");
    if (reason === "gone") return t("live.reason.gone");
    if (reason.startsWith("stopped by")) return t("live.reason.stopped");
    const lost = reason.match(/(?:lost|did not connect|no audio).* (\d+) s$/);
    if (lost) return t("live.reason.lost", { seconds: lost[1] });
    if (reason.startsWith("replaced")) return t("live.reason.replaced");
    if (reason.includes("shutting down")) return t("live.reason.shutdown");
    return t("live.reason.other", { reason });
  },

  async release() {
    if (this.fileSource) { try { this.fileSource.stop(); } catch (e) { /* already ended */ } this.fileSource = null; }
    if (this.stream) { this.stream.getTracks().forEach((track) => track.stop()); this.stream = null; }
    if (this.encoder && this.encoder.state !== "closed") this.encoder.close();
    this.encoder = null;
    this.node = null;
    this.fileBuffer = null;
    if (this.context) { await this.context.close().catch(() => {}); this.context = null; }
    if (this.phase === "ready") this.phase = "idle";
    this.meter(0);
  },

  minutes(seconds) {
    const s = Math.max(0, Math.round(seconds));
    return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  },
};

// 48 kHz to 16 kHz for the fallback: a windowed-sinc low-pass at 7 kHz, then one
// sample in three; handed out as whole 20 ms frames of 320 samples, s16 as the
// station expects.
class Downsampler {
  constructor(rate) {
    this.step = rate / 16000;
    const taps = 47, cutoff = 7000 / rate;
    this.kernel = new Float32Array(taps);
    let sum = 0;
    for (let i = 0; i < taps; i++) {
      const m = i - (taps - 1) / 2;
      const sinc = m === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * m) / (Math.PI * m);
      const blackman = 0.42 - 0.5 * Math.cos(2 * Math.PI * i / (taps - 1)) + 0.08 * Math.cos(4 * Math.PI * i / (taps - 1));
      this.kernel[i] = sinc * blackman;
      sum += this.kernel[i];
    }
    for (let i = 0; i < taps; i++) this.kernel[i] /= sum;
    this.history = new Float32Array(taps - 1);
    this.position = 0;
    this.frame = new Int16Array(320);
    this.filled = 0;
  }

  // The whole frames that `samples` completes.
  take(samples) {
    const all = new Float32Array(this.history.length + samples.length);
    all.set(this.history);
    all.set(samples, this.history.length);
    const frames = [];
    let n = 0;
    for (; this.position + n * this.step <= samples.length - 1; n++) {
      const at = Math.round(this.position + n * this.step);
      let acc = 0;
      for (let k = 0; k < this.kernel.length; k++) acc += this.kernel[k] * all[at + k];
      this.frame[this.filled++] = Math.max(-32768, Math.min(32767, Math.round(acc * 32767)));
      if (this.filled === 320) { frames.push(this.frame); this.frame = new Int16Array(320); this.filled = 0; }
    }
    this.position += n * this.step - samples.length;
    this.history = all.slice(all.length - this.history.length);
    return frames;
  }
}

// --- controls -------------------------------------------------------------------------

$("live-level").addEventListener("change", () => pages.live.levelHelp());
document.querySelectorAll("input[name=live-source]").forEach((radio) => radio.addEventListener("change", () => {
  const source = pages.live.source();
  document.querySelectorAll("[data-live-source]").forEach((d) => { d.hidden = d.dataset.liveSource !== source; });
  $("live-mic").textContent = t(source === "phone" ? "live.mic.on" : "live.file.load");
  $("live-hold").disabled = true;
  pages.live.release();
}));
$("live-mic").addEventListener("click", () => pages.live.prepare());
$("live-file").addEventListener("change", () => pages.live.prepare());
$("live-stop").addEventListener("click", () => pages.live.stop());
// Closing the page while on air would end the broadcast after the grace: the browser asks first.
window.addEventListener("beforeunload", (event) => { if (pages.live.phase === "onair") event.preventDefault(); });

// Going live takes a 2-second hold: a stray tap in a pocket cannot start it.
(() => {
  const hold = $("live-hold");
  const begin = (event) => {
    if (hold.disabled || pages.live.holdTimer) return;
    event.preventDefault();
    hold.classList.add("holding");
    hold.querySelector(".hold-text").textContent = t("live.hold.going");
    pages.live.holdTimer = setTimeout(() => {
      pages.live.holdTimer = null;
      hold.classList.remove("holding");
      hold.querySelector(".hold-text").textContent = t("live.starting");
      pages.live.start().finally(() => { hold.querySelector(".hold-text").textContent = t("live.hold"); });
    }, 2000);
  };
  const cancel = () => {
    if (!pages.live.holdTimer) return;
    clearTimeout(pages.live.holdTimer);
    pages.live.holdTimer = null;
    hold.classList.remove("holding");
    hold.querySelector(".hold-text").textContent = t("live.hold");
  };
  hold.addEventListener("pointerdown", begin);
  for (const type of ["pointerup", "pointerleave", "pointercancel"]) hold.addEventListener(type, cancel);
  hold.addEventListener("keydown", (event) => { if ((event.key === " " || event.key === "Enter") && !event.repeat) begin(event); });
  hold.addEventListener("keyup", cancel);
  hold.addEventListener("contextmenu", (event) => event.preventDefault());
})();
