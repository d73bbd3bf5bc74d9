import CSodium
import CommcastCore
import Foundation

/// Operator passwords, hashed with Argon2id by libsodium (`crypto_pwhash_str`): the
/// hash string carries its own salt and parameters, so they can be raised later and
/// old hashes still verify (and are re-hashed at the next login).
public enum PasswordHasher {
    /// Two passes over 19 MiB: OWASP's floor for Argon2id. A guess costs an attacker
    /// 19 MiB and tens of milliseconds; a login costs the station the same, once,
    /// which keeps a small station host well inside its memory budget.
    public static let opsLimit: UInt64 = 2
    public static let memLimit = 19 << 20

    /// libsodium must be set up once before use; it is thread-safe after.
    private static let ready: Bool = sodium_init() >= 0

    /// The hash to store for `password`.
    public static func hash(_ password: String) throws -> String {
        guard ready else { throw PasswordHashError.unavailable }
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        let length = UInt64(password.utf8.count)
        let status = password.withCString { crypto_pwhash_str(&out, $0, length, opsLimit, memLimit) }
        guard status == 0 else { throw PasswordHashError.outOfMemory }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `hash`, in time that does not depend on where they differ.
    public static func verify(_ password: String, against hash: String) -> Bool {
        guard ready, hash.utf8.count < Int(crypto_pwhash_STRBYTES) else { return false }
        let length = UInt64(password.utf8.count)
        return hash.withCString { stored in
            password.withCString { crypto_pwhash_str_verify(stored, $0, length) == 0 }
        }
    }

    /// Whether a stored hash was made with other parameters than today's.
    public static func needsRehash(_ hash: String) -> Bool {
        hash.withCString { crypto_pwhash_str_needs_rehash($0, opsLimit, memLimit) != 0 }
    }

    /// What a new password must be: checked where it enters (the API), named when it is not.
    public static func check(_ password: String, operatorName: String) -> ValueError? {
        let length = password.count
        if length < 10 || length > 200 {
            return ValueError(field: "password", value: "\(length) characters", expected: "10 to 200 characters")
        }
        if password.lowercased().contains(operatorName.lowercased()) {
            return ValueError(
                field: "password", value: "one that contains the operator name", expected: "a password without the name \(operatorName)")
        }
        if Set(password).count < 4 {
            return ValueError(field: "password", value: "\(Set(password).count) different characters", expected: "at least 4 different characters")
        }
        return nil
    }
}

/// Why a password could not be hashed.
public enum PasswordHashError: Error, CustomStringConvertible {
    case unavailable
    case outOfMemory

    public var description: String {
        switch self {
        case .unavailable: "libsodium could not be initialised"
        case .outOfMemory: "not enough memory to hash the password (Argon2id needs 19 MiB)"
        }
    }
}
