import Foundation

/// One row of the audit log.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var target: String?
    public var details: [String: String]
    public var origin: String

    public init(id: Int64, at: Date, actor: String, action: String, target: String?, details: [String: String], origin: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
        self.origin = origin
    }
}
