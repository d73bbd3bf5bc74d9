/// A rejected input value, described the way an operator needs to fix it:
/// which field, what was given, and what was expected.
public struct ValueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field or key that was wrong, e.g. `ingest.bitrate_kbps`.
    public var field: String
    /// The value as given, rendered for a person.
    public var value: String
    /// What would have been accepted.
    public var expected: String

    public init(field: String, value: String, expected: String) {
        self.field = field
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(field): got \(value), expected \(expected)" }
}
