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

    public init(name: String, password: String) {
        self.name = name
        self.password = password
    }
}

/// `GET /v1/session` and a login's answer: who is logged in, and the token every
/// change must carry in `X-CSRF-Token`.
public struct SessionView: Sendable, Codable, Equatable {
    public var `operator`: String
    public var roles: [String]
    public var zones: [String]
    public var csrfToken: String

    public init(operator: String, roles: [String], zones: [String], csrfToken: String) {
        self.operator = `operator`
        self.roles = roles
        self.zones = zones
        self.csrfToken = csrfToken
    }
}
