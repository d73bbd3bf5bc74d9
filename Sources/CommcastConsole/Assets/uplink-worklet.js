// The microphone's (or a file's) samples, 20 ms at a time, for the live page
// (live.js): runs on the browser's audio thread, so capture never waits for the page.
"use strict";

class CommcastCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = Math.round(sampleRate / 50);
    this.chunk = new Float32Array(this.size);
    this.filled = 0;
  }

  process(inputs) {
    const samples = inputs[0] && inputs[0][0];
    if (!samples) return true;
    for (let i = 0; i < samples.length; i++) {
      this.chunk[this.filled++] = samples[i];
      if (this.filled === this.size) {
        this.port.postMessage(this.chunk, [this.chunk.buffer]);
        this.chunk = new Float32Array(this.size);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor("commcast-capture", CommcastCapture);
