import CommcastCore
import Foundation

/// Finds the gain and limiter setting that put a signal on the loudness target
/// under the true-peak ceiling, *as the clusters will play it*.
///
/// A limiter takes loudness off with the peaks, and takes more the harder it is
/// driven, so the gain that reaches the target is searched for (secant steps on
/// a loudness-only meter, which is cheap) rather than computed once. Then the
/// signal is encoded and the decoded Opus measured: the codec moves both loudness
/// and peaks, so a miss there is corrected and encoded again (the aim by the
/// loudness the codec took, and a local dip wherever the codec pushed a peak
/// back over the ceiling).
///
/// Measured on 18 espeak-ng bulletins in the three Vietnamese voices (peaks at
/// full scale, −17 to −20 LUFS): one to three encodes each, every one within
/// 0.5 LU of the target and under the ceiling; a minute of speech took four.
struct LevelSetter {
    /// Head-room the limiter keeps under the ceiling, for what the Opus encoder
    /// adds to peaks: with in-band FEC at 24 kbit/s, up to 1.5 dB in about 11
    /// frames a minute (measured; 4 without FEC), and a few places more, which the
    /// dips take care of. 0.8 and 1.2 left more tries; 2.0 limited harder for nothing.
    static let codecMargin = 1.5
    /// How far from the target the decoded output may land: the promise. A try
    /// inside it is kept, because every further try changes more.
    static let tolerance = 1.0
    /// Loudness the codec takes off speech at 24 kbit/s, as first guessed (measured
    /// 0.6–1.0 LU on espeak-ng speech); each try replaces it with what it measured.
    static let codecLoudnessPrior = -0.6
    /// Encodes at most this many times before settling for the best try. Most
    /// speech lands in one or two; a low-bitrate codec's peaks move by ±0.5 dB
    /// from one small change to the next, so a hard case needs a few draws.
    static let maximumEncodes = 6
    /// No recording is raised by more than this: past it, what is raised is noise.
    static let maximumGainDB = 30.0

    var target: LoudnessTarget
    var signal: [Float]
    var measuredLUFS: Double?
    /// The signal's true peaks, sample by sample: the costly part of a limiter
    /// envelope, and the same at every gain.
    let truePeaks: [Float]

    init(target: LoudnessTarget, signal: [Float], measuredLUFS: Double?) {
        self.target = target
        self.signal = signal
        self.measuredLUFS = measuredLUFS
        self.truePeaks = TruePeakLimiter.truePeaks(of: signal)
    }

    /// Where the decoded audio comes within this much of the ceiling, the gain is
    /// dipped to as far under it: the codec moves peaks by a dB or so from one try
    /// to the next, so a place just under the line now is over it next time.
    static let dipMargin = 0.6

    /// What was decided, and what the stored Opus measured.
    struct Result {
        var oggOpus: Data
        var gainDB: Double
        var reduction: TruePeakLimiter.Reduction
        var outputLUFS: Double?
        var outputTruePeakDBTP: Double
    }

    /// Levels and encodes: `encode(gain, envelope, isFirst)` turns a level into Ogg Opus.
    func level(encode: (Float, [Float], Bool) throws(IngestError) -> Data) throws(IngestError) -> Result {
        // The loudness the codec takes off (0.5–1 LU on speech at 24 kbit/s),
        // learnt from each try, so the level before encoding aims off by as much.
        var codecLoudnessChange = Self.codecLoudnessPrior
        let ceiling = target.truePeakCeilingDBTP - Self.codecMargin
        var gainDB = measuredLUFS.flatMap { target.gainDB(measuredLUFS: $0) }.map { min($0, Self.maximumGainDB) } ?? 0
        var base: TruePeakLimiter.Envelope?
        // Where the codec pushed peaks back over the ceiling, the gain is dipped
        // there and only there: the overshoot sits in a few places (a plosive,
        // a frame boundary), and lowering the whole ceiling for them would
        // limit all the speech harder and, measured, make the codec overshoot more.
        var dips: [Float]?
        // The try nearest the target so far, with the envelope it was made with.
        var best: (result: Result, envelope: TruePeakLimiter.Envelope)?
        for attempt in 0..<Self.maximumEncodes {
            if base == nil {
                if measuredLUFS != nil {
                    (gainDB, base) = try searchGain(from: gainDB, aim: target.integratedLUFS - codecLoudnessChange, ceiling: ceiling, dips: dips)
                } else {
                    base = TruePeakLimiter(ceilingDBTP: ceiling).envelope(truePeaks: truePeaks, gain: Self.linear(gainDB))
                }
            }
            guard let limited = base else { break }
            let envelope = Self.applying(dips, to: limited)
            let before = try measure(gain: gainDB, envelope: envelope.gains, truePeak: false)
            let (result, decoded) = try encodeAndMeasure(gainDB: gainDB, envelope: envelope, first: attempt == 0, encode: encode)
            if target.accepts(lufs: result.outputLUFS, truePeakDBTP: result.outputTruePeakDBTP, tolerance: Self.tolerance) { return result }
            if best == nil || isBetter(result, than: best!.result) { best = (result, envelope) }
            if let out = result.outputLUFS, before.lufs.isFinite { codecLoudnessChange = out - before.lufs }
            if result.outputTruePeakDBTP > target.truePeakCeilingDBTP - 0.1 {
                // Dip where the decoded audio is over or near it, scaled back to
                // the signal before the codec.
                let over = TruePeakLimiter(ceilingDBTP: target.truePeakCeilingDBTP - Self.dipMargin).dips(under: decoded, holdSamples: 1_920)
                dips = Self.multiply(dips, over)
            }
            // Loudness outside the tolerance: search the gain again (the dips
            // stay). Inside it, only add dips: a new search raises the gain,
            // limits harder everywhere and gives the codec new places to overshoot.
            if let out = result.outputLUFS, abs(out - target.integratedLUFS) > Self.tolerance { base = nil }
        }
        // None on target. The ceiling protects the loudspeakers and is kept
        // whatever it costs; loudness only evens levels. Take the best try and,
        // if it is over the ceiling, pull it under with plain gain.
        guard var (result, envelope) = best else { throw .encoderFailed("no encode attempt ran") }
        for _ in 0..<2 where result.outputTruePeakDBTP > target.truePeakCeilingDBTP {
            (result, _) = try encodeAndMeasure(
                gainDB: result.gainDB + target.truePeakCeilingDBTP - 0.3 - result.outputTruePeakDBTP, envelope: envelope, first: false,
                encode: encode)
        }
        return result
    }

    /// `envelope` with `dips` multiplied in.
    static func applying(_ dips: [Float]?, to envelope: TruePeakLimiter.Envelope) -> TruePeakLimiter.Envelope {
        guard let dips else { return envelope }
        let gains = multiply(envelope.gains, dips)
        return TruePeakLimiter.Envelope(gains: gains, reduction: TruePeakLimiter.reduction(of: gains))
    }

    static func multiply(_ a: [Float]?, _ b: [Float]) -> [Float] {
        guard let a else { return b }
        return zip(a, b).map { $0 * $1 }
    }

    /// Under the ceiling beats over it; of two over it, the lower peak (it needs
    /// the smaller trim); of two under it, the one nearer the loudness target.
    func isBetter(_ a: Result, than b: Result) -> Bool {
        let aUnder = !(a.outputTruePeakDBTP > target.truePeakCeilingDBTP)
        let bUnder = !(b.outputTruePeakDBTP > target.truePeakCeilingDBTP)
        if aUnder != bUnder { return aUnder }
        if !aUnder { return a.outputTruePeakDBTP < b.outputTruePeakDBTP }
        func distance(_ r: Result) -> Double { abs((r.outputLUFS ?? target.integratedLUFS) - target.integratedLUFS) }
        return distance(a) < distance(b)
    }

    /// Encodes at `gainDB` through `envelope`; measures and returns the decoded audio.
    func encodeAndMeasure(
        gainDB: Double, envelope: TruePeakLimiter.Envelope, first: Bool, encode: (Float, [Float], Bool) throws(IngestError) -> Data
    ) throws(IngestError) -> (Result, [Float]) {
        let ogg = try encode(Self.linear(gainDB), envelope.gains, first)
        let decoded = try OggOpusDecoder.decode(ogg).samples
        let (lufs, peak) = try LoudnessMeter.measure(decoded)
        let outputLUFS: Double? = measuredLUFS != nil && lufs.isFinite && lufs > -70 ? lufs : nil
        let result = Result(oggOpus: ogg, gainDB: gainDB, reduction: envelope.reduction, outputLUFS: outputLUFS, outputTruePeakDBTP: peak)
        return (result, decoded)
    }

    /// The gain at which the limited signal measures `aim`, within 0.1 LU.
    func searchGain(from start: Double, aim: Double, ceiling: Double, dips: [Float]?) throws(IngestError) -> (Double, TruePeakLimiter.Envelope) {
        let limiter = TruePeakLimiter(ceilingDBTP: ceiling)
        var gain = start
        var limited = limiter.envelope(truePeaks: truePeaks, gain: Self.linear(gain))
        var lufs = try measure(gain: gain, envelope: Self.applying(dips, to: limited).gains, truePeak: false).lufs
        var previous: (gain: Double, lufs: Double)?
        for _ in 0..<8 {
            guard lufs.isFinite, abs(lufs - aim) > 0.1 else { break }
            // Loudness rises by less than the gain once the limiter works: the
            // secant through the last two points says by how much.
            var slope = 1.0
            if let previous, gain != previous.gain { slope = min(1, max(0.05, (lufs - previous.lufs) / (gain - previous.gain))) }
            let next = min(Self.maximumGainDB, gain + (aim - lufs) / slope)
            guard next != gain else { break }
            previous = (gain, lufs)
            gain = next
            limited = limiter.envelope(truePeaks: truePeaks, gain: Self.linear(gain))
            lufs = try measure(gain: gain, envelope: Self.applying(dips, to: limited).gains, truePeak: false).lufs
        }
        return (gain, limited)
    }

    /// Loudness (and, when asked, true peak) of `signal · gain · envelope`, without building it.
    func measure(gain: Double, envelope: [Float], truePeak: Bool) throws(IngestError) -> (lufs: Double, truePeakDBTP: Double) {
        let meter = try LoudnessMeter(truePeak: truePeak)
        let scale = Self.linear(gain)
        let block = 65_536
        var offset = 0
        while offset < signal.count {
            let end = min(offset + block, signal.count)
            try meter.add((offset..<end).map { signal[$0] * scale * envelope[$0] })
            offset = end
        }
        return (meter.integratedLoudness(), truePeak ? meter.truePeakDBTP() : .nan)
    }

    static func linear(_ db: Double) -> Float { Float(pow(10, db / 20)) }
}
