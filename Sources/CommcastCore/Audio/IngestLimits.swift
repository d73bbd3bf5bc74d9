/// Bounds on what the ingest pipeline accepts, so one absurd file cannot exhaust
/// the station host. Memory stays the same whatever the length (the ingest
/// streams); its scratch files take 8 bytes per output sample (the 48 kHz signal and
/// its true peaks), about 1.4 GB of disk for the default one-hour maximum.
public struct IngestLimits: Sendable, Equatable, Codable {
    /// Longest accepted input, in seconds.
    public var maxDurationSeconds: Double
    /// Largest accepted input file, in bytes.
    public var maxInputBytes: Int

    public init(maxDurationSeconds: Double = 3600, maxInputBytes: Int = 2 * 1024 * 1024 * 1024) {
        self.maxDurationSeconds = maxDurationSeconds
        self.maxInputBytes = maxInputBytes
    }

    public static let `default` = IngestLimits()

    /// Lowest and highest sample rates accepted from a source file.
    public static let sampleRateRange = 8_000...192_000
    /// Most channels accepted from a source file (7.1.4 is 12; beyond that it is not audio we know).
    public static let maxChannels = 32
}
