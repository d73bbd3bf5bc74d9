/// The one loudness every bulletin is brought to, so that all of them play at the
/// same level on the poles (EBU R128 measurement).
public struct LoudnessTarget: Sendable, Equatable, Codable {
    /// Integrated loudness target in LUFS.
    public var integratedLUFS: Double
    /// Ceiling for the true peak after gain, in dBTP.
    public var truePeakCeilingDBTP: Double

    public init(integratedLUFS: Double = -16, truePeakCeilingDBTP: Double = -1) {
        self.integratedLUFS = integratedLUFS
        self.truePeakCeilingDBTP = truePeakCeilingDBTP
    }

    public static let `default` = LoudnessTarget()

    /// Every problem with this target, empty when usable.
    public func validate() -> [ValueError] {
        var problems: [ValueError] = []
        if !(-40.0 ... -5.0).contains(integratedLUFS) {
            problems.append(.init(field: "target_lufs", value: "\(integratedLUFS)", expected: "-40 to -5 LUFS"))
        }
        if !(-9.0...0.0).contains(truePeakCeilingDBTP) {
            problems.append(.init(field: "true_peak_dbtp", value: "\(truePeakCeilingDBTP)", expected: "-9 to 0 dBTP"))
        }
        return problems
    }

    /// The gain, in dB, that brings a signal measured at `measuredLUFS` to this target.
    ///
    /// Only loudness decides: the true-peak ceiling is kept by the ingest
    /// pipeline's limiter after this gain, so a peaky recording (espeak-ng peaks at
    /// full scale) still reaches the target instead of being left 4 LU quiet.
    /// Returns `nil` when the loudness cannot be measured (silence, or shorter than
    /// one 400 ms gating block); callers then leave the level alone and only keep
    /// the ceiling.
    public func gainDB(measuredLUFS: Double) -> Double? {
        guard measuredLUFS.isFinite, measuredLUFS > -70 else { return nil }
        return integratedLUFS - measuredLUFS
    }

    /// Whether a measured output is on target: loudness within `tolerance` LU
    /// (when it can be measured at all) and true peak at or under the ceiling.
    public func accepts(lufs: Double?, truePeakDBTP: Double, tolerance: Double) -> Bool {
        let peakOK = !(truePeakDBTP > truePeakCeilingDBTP)
        guard let lufs else { return peakOK }
        return peakOK && abs(lufs - integratedLUFS) <= tolerance
    }
}
