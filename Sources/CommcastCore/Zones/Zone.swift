import Foundation

/// A node of the zone tree.
public struct Zone: Sendable, Hashable, Codable {
    public var id: Int64
    public var parentID: Int64?
    public var name: String
    /// Full path from the root, e.g. `binh-phuoc/dong-xoai/tan-phu`.
    public var path: String
    /// Quiet hours set on this zone; nil inherits from the nearest ancestor, then the station default.
    public var quietHours: QuietHours?
    /// Clusters directly in this zone.
    public var clusterCount: Int

    public init(id: Int64, parentID: Int64?, name: String, path: String, quietHours: QuietHours?, clusterCount: Int = 0) {
        self.id = id
        self.parentID = parentID
        self.name = name
        self.path = path
        self.quietHours = quietHours
        self.clusterCount = clusterCount
    }
}

/// A loudspeaker cluster: a receiver with an amplifier and horns on a pole.
public struct Cluster: Sendable, Hashable, Codable {
    /// Station-unique id, e.g. `tp-001`.
    public var id: String
    public var name: String
    public var zonePath: String
    public var latitude: Double?
    public var longitude: Double?
    public var tags: [String]

    public init(id: String, name: String, zonePath: String, latitude: Double? = nil, longitude: Double? = nil, tags: [String] = []) {
        self.id = id
        self.name = name
        self.zonePath = zonePath
        self.latitude = latitude
        self.longitude = longitude
        self.tags = tags
    }

    /// Checks the fields an operator types, naming each wrong one.
    public func validate() -> [ValueError] {
        var problems: [ValueError] = []
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        if id.isEmpty || id.count > 64 || !id.allSatisfy(allowed.contains) {
            problems.append(.init(field: "id", value: "\"\(id)\"", expected: "1 to 64 letters, digits, '-', '_' or '.'"))
        }
        do { _ = try PrintableText.check(name, field: "name", maxLength: 200) } catch { problems.append(error) }
        if let lat = latitude, !(-90...90).contains(lat) {
            problems.append(.init(field: "latitude", value: "\(lat)", expected: "-90 to 90"))
        }
        if let lon = longitude, !(-180...180).contains(lon) {
            problems.append(.init(field: "longitude", value: "\(lon)", expected: "-180 to 180"))
        }
        for tag in tags where tag.isEmpty || tag.count > 64 || tag.contains(",") || tag.unicodeScalars.contains(where: PrintableText.isForbidden) {
            problems.append(.init(field: "tags", value: "\"\(tag)\"", expected: "tags of 1 to 64 characters without commas"))
        }
        return problems
    }
}
