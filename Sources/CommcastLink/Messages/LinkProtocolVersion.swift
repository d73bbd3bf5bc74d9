/// A version of the cluster link protocol, `major.minor` (docs/protocol.md,
/// "Versions"). Minor versions only add: a cluster that speaks 1.1 understands
/// everything a 1.0 station sends, and the other way round.
public struct LinkProtocolVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public static let v1_0 = LinkProtocolVersion(major: 1, minor: 0)
    public static let v1_1 = LinkProtocolVersion(major: 1, minor: 1)
    /// What the station speaks, oldest first.
    public static let supported: [LinkProtocolVersion] = [.v1_0, .v1_1]

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Reads `"1.1"`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCII) }),
            let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0
        else { return nil }
        self.init(major: major, minor: minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    /// The version a link runs at when the cluster's hello names `offered` (nil: the
    /// field was absent, a 1.0 cluster). A newer minor of the same major is served at
    /// the station's newest; another major is refused with the reason.
    public static func negotiate(_ offered: String?) -> Result<LinkProtocolVersion, ErrorMessage> {
        guard let offered else { return .success(.v1_0) }
        let expected = supported.map(\.description).joined(separator: " or ")
        guard let version = LinkProtocolVersion(offered), version.major == 1 else {
            return .failure(
                ErrorMessage(
                    code: "unsupported_protocol",
                    message: "hello: protocol: got \(String(offered.prefix(20)).debugDescription), expected \(expected)"))
        }
        return .success(min(version, supported.last!))
    }
}
