import CommcastAudio
import CommcastLink

/// A live broadcast as this cluster plays it: frames through the jitter buffer,
/// each packet decoded with libopus as a real cluster would before its amplifier.
struct LiveReception {
    var liveID: String
    var stream: UInt32
    var level: LiveLevel
    var buffer: JitterBuffer
    var decoder: OpusPacketDecoder?
    var highestSequence: UInt32?
    /// Tallied here and added to the shared counters at `live_stop`, so 1,661
    /// clusters do not take one lock 50 times a second each.
    var frames = 0
    var outOfOrder = 0
    var lagHistogram: [Int] = []
    /// Capture to the frame's play time out of the jitter buffer, per millisecond (last bucket: 2 s and over).
    var playoutLagHistogram: [Int] = []
    /// What the cluster played, when the run keeps it (`--live-audio-dir`).
    var recorded: [Int16]?

    /// Records a frame and returns the slots now due, and the first play time if this was the first frame.
    mutating func take(_ frame: LiveFrame, now: Int64, lagBucket: Int) -> ([JitterBuffer.Slot], Int64?) {
        if let h = highestSequence, Int32(bitPattern: frame.sequence &- h) <= 0 { outOfOrder += 1 } else { highestSequence = frame.sequence }
        frames += 1
        if lagHistogram.count <= lagBucket { lagHistogram += Array(repeating: 0, count: lagBucket + 1 - lagHistogram.count) }
        lagHistogram[lagBucket] += 1
        let wasEmpty = buffer.firstPlayAt == nil
        let lateBefore = buffer.late
        buffer.insert(sequence: frame.sequence, packet: frame.packet, now: now)
        if buffer.late == lateBefore, let playAt = buffer.playTime(of: frame.sequence) {
            let bucket = Int(max(0, min(2000, (playAt - Int64(frame.captureMicroseconds)) / 1000)))
            if playoutLagHistogram.count <= bucket { playoutLagHistogram += Array(repeating: 0, count: bucket + 1 - playoutLagHistogram.count) }
            playoutLagHistogram[bucket] += 1
        }
        return (buffer.due(now: now), wasEmpty ? buffer.firstPlayAt : nil)
    }
}
