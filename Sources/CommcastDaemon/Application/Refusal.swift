/// Why the application layer turned a request down, in words an operator can act
/// on. Every entry point (the control socket, the province's webhook, and the
/// console to come) maps the kind to its own way of answering; the message is the
/// same everywhere.
public struct Refusal: Error, Sendable, CustomStringConvertible {
    /// What sort of refusal, so an entry point can choose its status code.
    public enum Kind: Sendable {
        /// The input is wrong; the message names the field, the value and what was expected.
        case invalid
        /// The operator may not do this (role or zones).
        case forbidden
        /// The thing named does not exist, or lies outside the operator's zones.
        case notFound
        /// The station's state forbids it now (quiet hours, another broadcast on air).
        case conflict
        /// A part of the station this needs is not running.
        case unavailable
    }

    public var kind: Kind
    /// A stable word for scripts, such as `quiet_hours` or `busy`.
    public var code: String
    public var message: String

    public init(_ kind: Kind, code: String, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func invalid(_ message: String) -> Refusal { .init(.invalid, code: "invalid_argument", message) }
    static func forbidden(_ message: String) -> Refusal { .init(.forbidden, code: "forbidden", message) }
    static func notFound(_ message: String) -> Refusal { .init(.notFound, code: "not_found", message) }
}
