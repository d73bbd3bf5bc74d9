import CommcastCore
import Testing

@Suite("Loudness target")
struct LoudnessTargetTests {
    let target = LoudnessTarget(integratedLUFS: -16, truePeakCeilingDBTP: -1)

    @Test func quietSpeechIsRaisedToTarget() {
        #expect(target.gainDB(measuredLUFS: -26, truePeakDBTP: -12) == 10)
    }

    @Test func loudSpeechIsLowered() {
        #expect(target.gainDB(measuredLUFS: -10, truePeakDBTP: -0.5) == -6)
    }

    @Test func peakCeilingBindsBeforeTarget() {
        // Wants +6 dB, but the peak is already at -3 dBTP: only +2 dB fits under -1.
        #expect(target.gainDB(measuredLUFS: -22, truePeakDBTP: -3) == 2)
    }

    @Test func unmeasurableLoudnessOnlyEnforcesCeiling() {
        #expect(target.gainDB(measuredLUFS: -.infinity, truePeakDBTP: -6) == 0)
        #expect(target.gainDB(measuredLUFS: -.infinity, truePeakDBTP: 0.5) == -1.5)
        #expect(target.gainDB(measuredLUFS: -.infinity, truePeakDBTP: -.infinity) == nil)
    }

    @Test func validation() {
        #expect(LoudnessTarget(integratedLUFS: 0).validate().map(\.field) == ["target_lufs"])
        #expect(LoudnessTarget(truePeakCeilingDBTP: 3).validate().map(\.field) == ["true_peak_dbtp"])
        #expect(LoudnessTarget.default.validate().isEmpty)
    }

    @Test func encoderSettingsValidation() {
        #expect(EncoderSettings.default.validate().isEmpty)
        let bad = EncoderSettings(bitrate: 500, complexity: 11, expectedLossPercent: -1)
        #expect(bad.validate().map(\.field) == ["bitrate", "complexity", "expected_loss_percent"])
        #expect(EncoderSettings.samplesPerFrame == 960)
    }
}
