import CommcastCore

/// A request the store refused, with a message for the operator and a kind the
/// control API maps to an HTTP status.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What sort of refusal.
    public enum Kind: String, Sendable {
        /// Something named does not exist (404).
        case notFound
        /// The request clashes with what is stored (409).
        case conflict
        /// A value is wrong (400).
        case invalid
        /// The caller may not touch this (403), e.g. a cluster's receipt for another cluster's airing.
        case forbidden
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func invalid(_ problems: [ValueError]) -> StoreError {
        StoreError(.invalid, problems.map(\.description).joined(separator: "; "))
    }
}
