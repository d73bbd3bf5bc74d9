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

    /// The gain, in dB, that brings a signal measured at `measuredLUFS` with true
    /// peak `truePeakDBTP` to this target without pushing the peak above the ceiling.
    ///
    /// A plain gain, not a limiter: when the peak ceiling binds, the result is
    /// quieter than the target rather than distorted. Speech recorded on phones
    /// rarely has a crest factor that makes this matter by more than a dB or two.
    /// Returns `nil` when the loudness cannot be measured (silence, or shorter than
    /// one 400 ms gating block); callers then only enforce the peak ceiling.
    public func gainDB(measuredLUFS: Double, truePeakDBTP: Double) -> Double? {
        let peakRoom = truePeakCeilingDBTP - truePeakDBTP
        guard measuredLUFS.isFinite, measuredLUFS > -70 else {
            return truePeakDBTP.isFinite ? min(0, peakRoom) : nil
        }
        let wanted = integratedLUFS - measuredLUFS
        return truePeakDBTP.isFinite ? min(wanted, peakRoom) : wanted
    }
}
