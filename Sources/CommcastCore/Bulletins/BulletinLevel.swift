/// The three bulletin levels of the regulation, lowest first.
///
/// `Comparable` follows precedence: `emergency > priority > normal`, which is the
/// order the planner and the live path use to decide who interrupts whom.
public enum BulletinLevel: String, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// "thông thường": the commune operator decides whether and when to air it.
    case normal
    /// "ưu tiên": aired ahead of ordinary content.
    case priority
    /// "khẩn cấp": aired at once, interrupting everything.
    case emergency

    /// Precedence rank; higher wins.
    public var rank: Int {
        switch self {
        case .normal: 0
        case .priority: 1
        case .emergency: 2
        }
    }

    public static func < (lhs: BulletinLevel, rhs: BulletinLevel) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }

    /// Parses a level, accepting the Vietnamese names too, and names the accepted values on failure.
    public init(parsing text: String) throws(ValueError) {
        switch text.lowercased() {
        case "normal", "thông thường", "thong thuong": self = .normal
        case "priority", "ưu tiên", "uu tien": self = .priority
        case "emergency", "khẩn cấp", "khan cap": self = .emergency
        default:
            throw ValueError(field: "level", value: text, expected: "one of normal, priority, emergency")
        }
    }
}
