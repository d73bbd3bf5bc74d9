import Foundation

/// The cluster CSV a province loads its clusters from and exports them to:
/// `id,name,zone,latitude,longitude,tags` with a header row, UTF-8, RFC 4180 quoting,
/// tags separated by `;`.
///
/// Parsed here rather than with a CSV library because every error must carry the
/// line number in the file, including rows whose quoted fields span lines.
public enum ClusterCSV {
    /// The header written on export and expected on import (case-insensitive, any column order).
    public static let columns = ["id", "name", "zone", "latitude", "longitude", "tags"]

    /// A parsed row with the line it started on.
    public struct Row: Sendable, Equatable {
        public var line: Int
        public var cluster: Cluster
    }

    /// An import that cannot proceed: every problem, by line.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var problems: [String]
        public var description: String { ClusterCSV.summary(problems) }
    }

    /// How many problems there are, all counted, and the first `shown` of them: a sheet
    /// with 10,000 bad rows is reported in a screenful.
    public static func summary(_ problems: [String], shown: Int = 20) -> String {
        let head =
            problems.count > shown
            ? "nothing imported; \(problems.count) problems, the first \(shown):" : "nothing imported; \(problems.count) problem(s):"
        return ([head] + problems.prefix(shown)).joined(separator: "\n")
    }

    /// The first line of `data` that is not UTF-8, nil when all of it is.
    public static func firstLineNotUTF8(_ data: Data) -> Int? {
        var line = 1
        for piece in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if String(validating: piece, as: UTF8.self) == nil { return line }
            line += 1
        }
        return nil
    }

    /// Parses a whole file. Rows with problems are all reported; none is returned then.
    public static func parse(_ text: String) throws(ParseError) -> [Row] {
        let (records, openQuoteLine) = splitRecords(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        if let openQuoteLine {
            throw ParseError(problems: [
                "line \(openQuoteLine): a quoted field starts here and is never closed; expected a closing \" before the end of the file"
            ])
        }
        guard let header = records.first else {
            throw ParseError(problems: ["line 1: empty file; expected a header row: \(columns.joined(separator: ","))"])
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() { index[n] = i }
        let missing = ["id", "name", "zone"].filter { index[$0] == nil }
        let unknown = names.filter { !columns.contains($0) && !$0.isEmpty }
        var problems: [String] = []
        if !missing.isEmpty {
            problems.append(
                "line \(header.line): header lacks column(s) \(missing.joined(separator: ", ")); expected \(columns.joined(separator: ","))")
        }
        if !unknown.isEmpty {
            problems.append("line \(header.line): unknown column(s) \(unknown.joined(separator: ", ")); expected \(columns.joined(separator: ","))")
        }
        guard problems.isEmpty else { throw ParseError(problems: problems) }

        var rows: [Row] = []
        for record in records.dropFirst() {
            if record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            func field(_ name: String) -> String {
                guard let i = index[name], i < record.fields.count else { return "" }
                return record.fields[i].trimmingCharacters(in: .whitespaces)
            }
            if record.fields.count != names.count {
                problems.append("line \(record.line): \(record.fields.count) fields, expected \(names.count)")
                continue
            }
            var rowProblems: [String] = []
            func number(_ name: String) -> Double? {
                let s = field(name)
                if s.isEmpty { return nil }
                guard let v = Double(s) else {
                    rowProblems.append("line \(record.line): \(name): got \"\(s)\", expected a decimal number such as 11.5375")
                    return nil
                }
                return v
            }
            var zone = field("zone")
            do { zone = try ZonePath.normalize(zone) } catch { rowProblems.append("line \(record.line): \(error)") }
            let tags = field("tags").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let cluster = Cluster(
                id: field("id"), name: field("name"), zonePath: zone, latitude: number("latitude"),
                longitude: number("longitude"), tags: tags)
            rowProblems += cluster.validate().map { "line \(record.line): \($0)" }
            if rowProblems.isEmpty { rows.append(Row(line: record.line, cluster: cluster)) } else { problems += rowProblems }
        }
        guard problems.isEmpty else { throw ParseError(problems: problems) }
        guard !rows.isEmpty else {
            throw ParseError(problems: ["line \(header.line + 1): no clusters after the header; expected one row per cluster"])
        }
        return rows
    }

    /// Writes clusters with the standard header.
    public static func render(_ clusters: [Cluster]) -> String {
        var out = columns.joined(separator: ",") + "\n"
        for c in clusters {
            let fields = [
                c.id, c.name, c.zonePath, c.latitude.map { "\($0)" } ?? "", c.longitude.map { "\($0)" } ?? "",
                c.tags.joined(separator: ";"),
            ]
            out += fields.map(CSVText.field).joined(separator: ",") + "\n"
        }
        return out
    }

    struct Record {
        var line: Int
        var fields: [String]
    }

    /// Splits text into records, honouring quotes; records the line each starts on, and
    /// the line of a quote still open at the end of the text.
    static func splitRecords(_ text: String) -> (records: [Record], openQuoteLine: Int?) {
        var records: [Record] = []
        var quoteLine = 1
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var recordLine = 1
        var chars = Array(text).makeIterator()
        var pending: Character?
        func next() -> Character? {
            if let p = pending {
                pending = nil
                return p
            }
            return chars.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            pending = n
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                quoted = true
                quoteLine = line
            case ",":
                fields.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                fields.append(field)
                field = ""
                records.append(Record(line: recordLine, fields: fields))
                fields = []
                line += 1
                recordLine = line
            default: field.append(c)
            }
        }
        if quoted { return (records, quoteLine) }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields))
        }
        return (records, nil)
    }
}
