/// One thing wrong in a configuration file: the key, the value found, and what was expected.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// Dotted key, e.g. `ingest.bitrate_kbps`; empty for whole-file problems.
    public var key: String
    /// The value as written, when there was one.
    public var value: String?
    /// What is wrong or what would be accepted.
    public var message: String

    public init(key: String, value: String? = nil, message: String) {
        self.key = key
        self.value = value
        self.message = message
    }

    public var description: String {
        switch (key.isEmpty, value) {
        case (true, _): message
        case (false, .some(let value)): "\(key) = \(value): \(message)"
        case (false, .none): "\(key): \(message)"
        }
    }
}

/// Thrown when a configuration cannot be used; carries every problem, not just the first.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file that was read, when there was one.
    public var file: String?
    /// Every problem found.
    public var problems: [ConfigurationProblem]

    public init(file: String?, problems: [ConfigurationProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        let header = "\(file ?? "configuration"): \(problems.count) problem\(problems.count == 1 ? "" : "s")"
        return ([header] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}
extension ConfigurationProblem: Error {}
