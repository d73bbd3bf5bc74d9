import Testing

@testable import CommcastDaemon

/// How long the health service waits between passes: a reconnect storm wakes it at
/// every link change, and a pass over a big province must not take the cores.
@Suite struct HealthPassSpacingTests {
    @Test func aQuickPassWaitsHalfASecond() {
        #expect(HealthService.spacing(afterPassOf: .milliseconds(3), interval: .seconds(5)) == .milliseconds(500))
    }

    @Test func aSlowPassWaitsTenTimesItsLengthSoItTakesATenthOfACoreAtMost() {
        #expect(HealthService.spacing(afterPassOf: .milliseconds(70), interval: .seconds(5)) == .milliseconds(700))
    }

    @Test func neverPastTheTick() {
        #expect(HealthService.spacing(afterPassOf: .seconds(2), interval: .seconds(5)) == .seconds(5))
        #expect(HealthService.spacing(afterPassOf: .zero, interval: .milliseconds(200)) == .milliseconds(200))
    }
}
