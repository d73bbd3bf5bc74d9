import CommcastCore

/// `POST /v1/operators/:name/password`: `commcast operator passwd`.
public struct SetPasswordRequest: Sendable, Codable, Equatable {
    public var password: String

    public init(password: String) { self.password = password }
}

/// The answer to a new password.
public struct SetPasswordResult: Sendable, Codable, Equatable {
    public var `operator`: String
    /// Console sessions of that operator the new password ended.
    public var sessionsEnded: Int

    public init(operator: String, sessionsEnded: Int) {
        self.operator = `operator`
        self.sessionsEnded = sessionsEnded
    }
}

/// `POST /v1/session` on the web console: a login.
public struct LoginRequest: Sendable, Codable, Equatable {
    public var name: String
    public var password: String
    /// The six digits of the authenticator app, for an operator with a second factor.
    public var code: String?

    public init(name: String, password: String, code: String? = nil) {
        self.name = name
        self.password = password
        self.code = code
    }
}

/// `POST /v1/operators/:name/totp`: a new second factor, shown once.
public struct TOTPEnrollment: Sendable, Codable, Equatable {
    public var `operator`: String
    /// The secret in base32, to type into an authenticator app.
    public var secret: String
    /// The same as an `otpauth://` address (for a QR code).
    public var uri: String
    /// Console sessions of the operator ended by the change.
    public var sessionsEnded: Int

    public init(operator: String, secret: String, uri: String, sessionsEnded: Int) {
        self.operator = `operator`
        self.secret = secret
        self.uri = uri
        self.sessionsEnded = sessionsEnded
    }
}

/// `GET /v1/session` and a login's answer: who is logged in, and the token every
/// change must carry in `X-CSRF-Token`.
public struct SessionView: Sendable, Codable, Equatable {
    public var `operator`: String
    public var roles: [String]
    public var zones: [String]
    public var csrfToken: String
    /// The station's time zone: the console shows every time in it, wherever the phone is.
    public var timeZone: String
    /// `schedule.approval`: "none" or "required".
    public var approval: String
    /// Root or the daemon's user: every zone, every role.
    public var administrator: Bool

    public init(
        operator: String, roles: [String], zones: [String], csrfToken: String, timeZone: String, approval: String, administrator: Bool
    ) {
        self.timeZone = timeZone
        self.approval = approval
        self.administrator = administrator
        self.operator = `operator`
        self.roles = roles
        self.zones = zones
        self.csrfToken = csrfToken
    }
}
