import CommcastCore
import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) as authenticator apps make them:
/// HMAC-SHA1 over 30-second steps, six digits. The console's second factor for an
/// operator who enrolled one (docs/console.md, "A second factor").
public enum TOTP {
    /// Seconds per step.
    public static let period: Int64 = 30
    /// Steps accepted either side of now: a phone's clock a little off, or a code
    /// typed as it turned over.
    public static let window: Int64 = 1

    /// A new random secret: 20 bytes, the length RFC 4226 recommends for SHA-1.
    public static func newSecret() -> [UInt8] { SymmetricKey(size: .init(bitCount: 160)).withUnsafeBytes { Array($0) } }

    /// The step `date` falls in.
    public static func step(at date: Date) -> Int64 { Int64(floor(date.timeIntervalSince1970)) / period }

    /// The code of `step`, `digits` long with leading zeros (RFC 4226's truncation).
    public static func code(secret: [UInt8], step: Int64, digits: Int = 6) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: Data(bytes: &counter, count: 8), using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(value % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step whose code `typed` is, within the window around `date` and later than
    /// `usedStep` (a code is good once), or nil. Spaces in what was typed are ignored.
    public static func matchingStep(_ typed: String, secret: [UInt8], at date: Date, after usedStep: Int64) -> Int64? {
        let digits = typed.filter { !$0.isWhitespace }
        guard digits.count == 6, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        let now = step(at: date)
        for candidate in (now - window)...(now + window) where candidate > usedStep {
            if SecretToken.equal(code(secret: secret, step: candidate), digits) { return candidate }
        }
        return nil
    }

    /// RFC 4648 base32 without padding: how authenticator apps take a secret.
    public static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }

    /// The `otpauth://` address an authenticator app reads (typed in, or as a QR code).
    public static func provisioningURI(secret: [UInt8], account: String, issuer: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return
            "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(base32(secret))&issuer=\(escape(issuer))&algorithm=SHA1&digits=6&period=30"
    }
}
