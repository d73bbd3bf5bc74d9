import Foundation
import Testing

@testable import CommcastConsole

/// The console's second factor against RFC 6238's own test vectors, and the rules
/// that make a code good once and only near its time.
@Suite("TOTP")
struct TOTPTests {
    let rfcSecret = Array("12345678901234567890".utf8)

    @Test(
        "the SHA-1 vectors of RFC 6238, appendix B",
        arguments: [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"), (2_000_000_000, "69279037"),
        ]
    )
    func rfcVectors(_ seconds: Int, _ expected: String) {
        let step = TOTP.step(at: Date(timeIntervalSince1970: Double(seconds)))
        #expect(TOTP.code(secret: rfcSecret, step: step, digits: 8) == expected)
        #expect(TOTP.code(secret: rfcSecret, step: step) == String(expected.suffix(6)), "six digits are the last six")
    }

    @Test("a code matches within one step either side, once, and never after a later one was used")
    func windowAndReplay() {
        let now = Date(timeIntervalSince1970: 1_234_567_890)
        let step = TOTP.step(at: now)
        let code = TOTP.code(secret: rfcSecret, step: step)
        #expect(TOTP.matchingStep(code, secret: rfcSecret, at: now, after: 0) == step)
        #expect(TOTP.matchingStep("\(code.prefix(3)) \(code.suffix(3))", secret: rfcSecret, at: now, after: 0) == step, "spaces are ignored")
        #expect(TOTP.matchingStep(code, secret: rfcSecret, at: now.addingTimeInterval(30), after: 0) == step, "a step late")
        #expect(TOTP.matchingStep(code, secret: rfcSecret, at: now.addingTimeInterval(-30), after: 0) == step, "a step early")
        #expect(TOTP.matchingStep(code, secret: rfcSecret, at: now.addingTimeInterval(90), after: 0) == nil, "three steps late")
        #expect(TOTP.matchingStep(code, secret: rfcSecret, at: now, after: step) == nil, "used already")
        #expect(TOTP.matchingStep(code, secret: Array("another secret 12345".utf8), at: now, after: 0) == nil)
        for typed in ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦"] {
            #expect(TOTP.matchingStep(typed, secret: rfcSecret, at: now, after: 0) == nil, "\(typed)")
        }
    }

    @Test("the secret is given as RFC 4648 base32 in an otpauth address")
    func provisioning() {
        #expect(TOTP.base32(rfcSecret) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(TOTP.newSecret().count == 20)
        #expect(TOTP.newSecret() != TOTP.newSecret())
        let uri = TOTP.provisioningURI(secret: rfcSecret, account: "Huyện", issuer: "commcast")
        #expect(
            uri == "otpauth://totp/commcast:Huy%E1%BB%87n?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=commcast&algorithm=SHA1&digits=6&period=30")
    }
}
