import CommcastCore
import Testing

@Suite("Loudness target")
struct LoudnessTargetTests {
    let target = LoudnessTarget(integratedLUFS: -16, truePeakCeilingDBTP: -1)

    @Test func quietSpeechIsRaisedToTarget() {
        #expect(target.gainDB(measuredLUFS: -26) == 10)
    }

    @Test func loudSpeechIsLowered() {
        #expect(target.gainDB(measuredLUFS: -10) == -6)
    }

    @Test func unmeasurableLoudnessLeavesTheLevel() {
        #expect(target.gainDB(measuredLUFS: -.infinity) == nil)
        #expect(target.gainDB(measuredLUFS: -80) == nil)
    }

    @Test func acceptsOnlyOnTargetAndUnderTheCeiling() {
        #expect(target.accepts(lufs: -16.4, truePeakDBTP: -1.0, tolerance: 0.5))
        #expect(!target.accepts(lufs: -16.6, truePeakDBTP: -3, tolerance: 0.5))
        #expect(!target.accepts(lufs: -16, truePeakDBTP: -0.9, tolerance: 0.5))
        #expect(target.accepts(lufs: nil, truePeakDBTP: -2, tolerance: 0.5))
        #expect(!target.accepts(lufs: nil, truePeakDBTP: 0.2, tolerance: 0.5))
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
