/// How bulletins are encoded to Opus. One set of settings for the whole station,
/// so every cluster receives the same bytes (encode once, never per cluster).
public struct EncoderSettings: Sendable, Equatable, Codable {
    /// Target bitrate in bits per second (mono). Speech is intelligible from ~16 kbit/s;
    /// 24 kbit/s leaves headroom for the horn speakers' bandwidth.
    public var bitrate: Int
    /// libopus complexity, 0 (fastest) to 10 (best).
    public var complexity: Int
    /// Expected packet loss in percent; drives in-band FEC redundancy.
    public var expectedLossPercent: Int
    /// In-band forward error correction.
    public var inbandFEC: Bool

    /// Opus frame duration. Fixed: 20 ms frames are what the live path and the
    /// cluster jitter buffer are sized for.
    public static let frameDurationMilliseconds = 20
    /// Everything inside commcast runs at 48 kHz mono, Opus's native rate.
    public static let sampleRate = 48_000
    /// Samples in one 20 ms frame at 48 kHz.
    public static let samplesPerFrame = sampleRate * frameDurationMilliseconds / 1000

    public init(bitrate: Int = 24_000, complexity: Int = 10, expectedLossPercent: Int = 10, inbandFEC: Bool = true) {
        self.bitrate = bitrate
        self.complexity = complexity
        self.expectedLossPercent = expectedLossPercent
        self.inbandFEC = inbandFEC
    }

    /// The station default: speech, 24 kbit/s mono, complexity 10, FEC for 10 % loss.
    public static let `default` = EncoderSettings()

    /// Every problem with these settings, empty when they are usable.
    public func validate() -> [ValueError] {
        var problems: [ValueError] = []
        if !(6_000...256_000).contains(bitrate) {
            problems.append(.init(field: "bitrate", value: "\(bitrate) bit/s", expected: "6000 to 256000 bit/s"))
        }
        if !(0...10).contains(complexity) {
            problems.append(.init(field: "complexity", value: "\(complexity)", expected: "0 to 10"))
        }
        if !(0...100).contains(expectedLossPercent) {
            problems.append(.init(field: "expected_loss_percent", value: "\(expectedLossPercent)", expected: "0 to 100"))
        }
        return problems
    }
}
