/// The JSON body of every non-2xx control API response.
public struct APIErrorBody: Sendable, Codable, Equatable, Error {
    /// Machine-readable code, e.g. `forbidden`, `invalid_argument`, `not_found`.
    public var code: String
    /// A sentence for the operator that names what was wrong.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
