/// What an operator may do.
public enum OperatorRole: String, Sendable, Codable, CaseIterable {
    /// Queue and manage normal and priority bulletins in their zones.
    case `operator`
    /// Also manage zones and clusters in their zones, and read the audit log.
    case supervisor
    /// May queue emergency bulletins and start emergency live broadcasts.
    case emergency
}

/// A person allowed to act on the station, scoped to zones.
public struct Operator: Sendable, Hashable, Codable {
    public var name: String
    /// Local identity: the Unix user that runs `commcast`.
    public var unixUser: String?
    /// Remote identity: sha256 (hex) of the operator's API token.
    public var tokenSHA256: String?
    public var roles: Set<OperatorRole>
    /// Zone paths this operator may act on, each with everything below it.
    public var zonePaths: [String]
    /// Whether scope checks are skipped (root and the daemon's own user).
    public var isAdministrator: Bool

    public init(
        name: String, unixUser: String? = nil, tokenSHA256: String? = nil, roles: Set<OperatorRole>,
        zonePaths: [String], isAdministrator: Bool = false
    ) {
        self.name = name
        self.unixUser = unixUser
        self.tokenSHA256 = tokenSHA256
        self.roles = roles
        self.zonePaths = zonePaths
        self.isAdministrator = isAdministrator
    }

    /// root and the daemon's user: every role, every zone.
    public static func administrator(name: String) -> Operator {
        Operator(name: name, roles: Set(OperatorRole.allCases), zonePaths: [], isAdministrator: true)
    }

    /// Whether `zonePath` is inside this operator's communes.
    public func covers(zonePath: String) -> Bool {
        isAdministrator || zonePaths.contains { ZonePath.isWithin(zonePath, scope: $0) }
    }

    /// Whether this operator may queue a bulletin of `level`.
    public func mayQueue(_ level: BulletinLevel) -> Bool {
        isAdministrator || (level == .emergency ? roles.contains(.emergency) : !roles.isEmpty)
    }

    /// Whether this operator may change the zone tree and the clusters in their zones.
    public var managesInventory: Bool { isAdministrator || roles.contains(.supervisor) }
}
