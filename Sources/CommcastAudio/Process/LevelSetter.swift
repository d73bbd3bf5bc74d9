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
/// Every pass streams: the signal, its true peaks and the dips live in scratch
/// files (`SampleFile`), the envelope is worked out as it is read, and each try
/// is encoded to a file and measured as it is decoded, so memory stays the same
/// whatever the length (docs/benchmarks.md gives the figures).
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
    var measuredLUFS: Double?
    /// The 48 kHz signal, in a scratch file: every pass reads it block by block,
    /// so an hour takes no more memory than a minute.
    let signal: SampleFile
    /// The signal's true peaks, sample by sample: the costly part of a limiter
    /// envelope, and the same at every gain.
    let truePeaks: SampleFile
    /// What each try is encoded with.
    var encoder: EncoderSettings
    var metadata: OggOpusEncoder.Metadata
    /// Where the tries' files go.
    var scratch: URL

    /// Where the decoded audio comes within this much of the ceiling, the gain is
    /// dipped to as far under it: the codec moves peaks by a dB or so from one try
    /// to the next, so a place just under the line now is over it next time.
    static let dipMargin = 0.6
    /// Samples a pass handles at a time (about 1.4 s).
    static let block = 65_536

    /// What was decided, and what the stored Opus measured.
    struct Result {
        var encoded: EncodedAudioFile
        var gainDB: Double
        var reduction: TruePeakLimiter.Reduction
        var outputLUFS: Double?
        var outputTruePeakDBTP: Double
    }

    /// A gain envelope, described rather than held: the limiter's at a gain, with
    /// the dips found so far multiplied in; read as a stream when a pass needs it.
    struct Envelope {
        var limiterGainDB: Double
        var ceilingDBTP: Double
        var dips: SampleFile?
    }

    /// Levels and encodes; `progress` hears the first encode (a bar that ran back
    /// for each try would mislead).
    func level(progress: ((Double) -> Void)?) throws(IngestError) -> Result {
        // The loudness the codec takes off (0.5–1 LU on speech at 24 kbit/s),
        // learnt from each try, so the level before encoding aims off by as much.
        var codecLoudnessChange = Self.codecLoudnessPrior
        let ceiling = target.truePeakCeilingDBTP - Self.codecMargin
        var gainDB = measuredLUFS.flatMap { target.gainDB(measuredLUFS: $0) }.map { min($0, Self.maximumGainDB) } ?? 0
        // The gain the limiter's envelope is worked out at; nil: search again.
        var limiterGainDB: Double?
        // Where the codec pushed peaks back over the ceiling, the gain is dipped
        // there and only there: the overshoot sits in a few places (a plosive,
        // a frame boundary), and lowering the whole ceiling for them would
        // limit all the speech harder and, measured, make the codec overshoot more.
        var dips: SampleFile?
        // The try nearest the target so far, with the envelope it was made with.
        var best: (result: Result, envelope: Envelope)?
        for attempt in 0..<Self.maximumEncodes {
            if limiterGainDB == nil {
                if measuredLUFS != nil {
                    gainDB = try searchGain(from: gainDB, aim: target.integratedLUFS - codecLoudnessChange, ceiling: ceiling, dips: dips)
                }
                limiterGainDB = gainDB
            }
            guard let limitedAt = limiterGainDB else { break }
            let envelope = Envelope(limiterGainDB: limitedAt, ceilingDBTP: ceiling, dips: dips)
            let before = try measure(gain: gainDB, envelope: envelope)
            let result = try encodeAndMeasure(gainDB: gainDB, envelope: envelope, progress: attempt == 0 ? progress : nil)
            if target.accepts(lufs: result.outputLUFS, truePeakDBTP: result.outputTruePeakDBTP, tolerance: Self.tolerance) { return result }
            if best == nil || isBetter(result, than: best!.result) { best = (result, envelope) }
            if let out = result.outputLUFS, before.isFinite { codecLoudnessChange = out - before }
            if result.outputTruePeakDBTP > target.truePeakCeilingDBTP - 0.1 {
                // Dip where the decoded audio is over or near it, scaled back to
                // the signal before the codec.
                dips = try self.dips(under: result.encoded, multiplying: dips)
            }
            // Loudness outside the tolerance: search the gain again (the dips
            // stay). Inside it, only add dips: a new search raises the gain,
            // limits harder everywhere and gives the codec new places to overshoot.
            if let out = result.outputLUFS, abs(out - target.integratedLUFS) > Self.tolerance { limiterGainDB = nil }
        }
        // None on target. The ceiling protects the loudspeakers and is kept
        // whatever it costs; loudness only evens levels. Take the best try and,
        // if it is over the ceiling, pull it under with plain gain.
        guard let best else { throw .encoderFailed("no encode attempt ran") }
        var result = best.result
        let envelope = best.envelope
        for _ in 0..<2 where result.outputTruePeakDBTP > target.truePeakCeilingDBTP {
            result = try encodeAndMeasure(
                gainDB: result.gainDB + target.truePeakCeilingDBTP - 0.3 - result.outputTruePeakDBTP, envelope: envelope, progress: nil)
        }
        return result
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

    /// Encodes `signal · gain · envelope` to a scratch file, then decodes and measures it.
    func encodeAndMeasure(gainDB: Double, envelope: Envelope, progress: ((Double) -> Void)?) throws(IngestError) -> Result {
        let encoded = try EncodedAudioFile(in: scratch)
        let handle: FileHandle
        do { handle = try FileHandle(forWritingTo: encoded.url) } catch {
            throw .scratchFailed(directory: scratch.path, reason: (error as NSError).localizedDescription)
        }
        defer { try? handle.close() }
        let encoder = try OggOpusEncoder(settings: self.encoder, metadata: metadata, file: handle)
        var reduction = ReductionCounter()
        try forEachBlock(gain: gainDB, envelope: envelope) { (block, gains, done) throws(IngestError) in
            try encoder.write(block)
            reduction.add(gains)
            progress?(done)
        }
        try encoder.finish()
        let meter = try LoudnessMeter()
        try OggOpusDecoder.decode(file: encoded.url) { (block) throws(IngestError) in try meter.add(block) }
        let lufs = meter.integratedLoudness()
        let outputLUFS: Double? = measuredLUFS != nil && lufs.isFinite && lufs > -70 ? lufs : nil
        return Result(
            encoded: encoded, gainDB: gainDB, reduction: reduction.reduction, outputLUFS: outputLUFS,
            outputTruePeakDBTP: meter.truePeakDBTP())
    }

    /// The dips that bring the decoded `encoded` under the ceiling less `dipMargin`,
    /// multiplied into `previous`, in a new scratch file.
    func dips(under encoded: EncodedAudioFile, multiplying previous: SampleFile?) throws(IngestError) -> SampleFile {
        let out = try SampleFile(in: scratch)
        var stage = TruePeakLimiter(ceilingDBTP: target.truePeakCeilingDBTP - Self.dipMargin).dipsStage(holdSamples: 1_920)
        var before = previous?.reader()
        var gains: [Float] = []
        func write() throws(IngestError) {
            let old = try before.read(gains.count)
            for i in old.indices { gains[i] *= old[i] }
            try out.append(gains)
            gains.removeAll(keepingCapacity: true)
        }
        try OggOpusDecoder.decode(file: encoded.url) { (block) throws(IngestError) in
            stage.process(block, into: &gains)
            try write()
        }
        stage.finish(into: &gains)
        try write()
        return out
    }

    /// The gain at which the limited signal measures `aim`, within 0.1 LU.
    func searchGain(from start: Double, aim: Double, ceiling: Double, dips: SampleFile?) throws(IngestError) -> Double {
        var gain = start
        var lufs = try measure(gain: gain, envelope: Envelope(limiterGainDB: gain, ceilingDBTP: ceiling, dips: dips))
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
            lufs = try measure(gain: gain, envelope: Envelope(limiterGainDB: gain, ceilingDBTP: ceiling, dips: dips))
        }
        return gain
    }

    /// Loudness of `signal · gain · envelope`, without building it.
    func measure(gain: Double, envelope: Envelope) throws(IngestError) -> Double {
        let meter = try LoudnessMeter(truePeak: false)
        try forEachBlock(gain: gain, envelope: envelope) { (block, _, _) throws(IngestError) in try meter.add(block) }
        return meter.integratedLoudness()
    }

    /// Hands `signal · gain · envelope` to `body` block by block, with the
    /// envelope's gains and the share of the signal done.
    func forEachBlock(
        gain: Double, envelope: Envelope, _ body: ([Float], [Float], Double) throws(IngestError) -> Void
    ) throws(IngestError) {
        let limiter = TruePeakLimiter(ceilingDBTP: envelope.ceilingDBTP)
        var gains = ProductReader(
            first: StagedReader(truePeaks.reader(), through: limiter.envelopeStage(gain: Self.linear(envelope.limiterGainDB))),
            second: envelope.dips?.reader())
        var samples = signal.reader()
        let scale = Self.linear(gain)
        var done = 0
        while true {
            var block = try samples.read(Self.block)
            if block.isEmpty { break }
            let envelope = try gains.read(block.count)
            for i in block.indices { block[i] = block[i] * scale * (i < envelope.count ? envelope[i] : 1) }
            done += block.count
            try body(block, envelope, Double(done) / Double(max(1, signal.count)))
            if block.count < Self.block { break }
        }
    }

    static func linear(_ db: Double) -> Float { Float(pow(10, db / 20)) }
}
