import Foundation
import TOMLKit

extension ConfigurationLoader {
    /// Typed access to TOML values that records a problem for each wrong type or unknown key.
    struct Reader {
        var problems: [ConfigurationProblem] = []

        mutating func problem(_ key: String, _ value: String?, _ message: String) {
            problems.append(.init(key: key, value: value, message: message))
        }

        /// The keys each section's parser asked for, in the order asked: what the section takes.
        private var asked: [String: [String]] = [:]
        /// Every table read, to check its keys against what its section takes.
        private var tables: [(name: String, table: TOMLTable)] = []

        /// The table `[name]`, if the file has it.
        mutating func section(_ root: TOMLTable, _ name: String) -> TOMLTable? {
            guard let value = root[name] else { return nil }
            guard let table = value.table else {
                problem(name, render(value), "expected a table [\(name)]")
                return nil
            }
            opened(name, table)
            return table
        }

        /// A table to check for unknown keys once everything is read, such as one `[[relay]]`.
        mutating func opened(_ name: String, _ table: TOMLTable) {
            tables.append((name, table))
        }

        /// Names every key of a table its section's parser never asked for.
        mutating func reportUnknownKeys() {
            for (name, table) in tables {
                let family = String(name.prefix { $0 != "[" })
                let known = asked[family] ?? []
                let header = family == name ? "[\(name)]" : "[[\(family)]]"
                for key in table.keys.sorted() where !known.contains(key) {
                    problem("\(name).\(key)", render(table[key]), "unknown key; \(header) takes \(known.joined(separator: ", "))")
                }
            }
        }

        /// The value of `key`, noting that `section` takes it.
        private mutating func value(_ t: TOMLTable, _ section: String, _ key: String) -> (any TOMLValueConvertible)? {
            let family = String(section.prefix { $0 != "[" })
            if !(asked[family]?.contains(key) ?? false) { asked[family, default: []].append(key) }
            return t[key]
        }

        mutating func string(_ t: TOMLTable, _ section: String, _ key: String) -> String? {
            guard let value = value(t, section, key) else { return nil }
            guard let s = value.string else {
                problem("\(section).\(key)", render(value), "expected a string")
                return nil
            }
            return s
        }

        mutating func int(_ t: TOMLTable, _ section: String, _ key: String) -> Int? {
            guard let value = value(t, section, key) else { return nil }
            guard let i = value.int else {
                problem("\(section).\(key)", render(value), "expected an integer")
                return nil
            }
            return i
        }

        mutating func double(_ t: TOMLTable, _ section: String, _ key: String) -> Double? {
            guard let value = value(t, section, key) else { return nil }
            if let d = value.double { return d }
            if let i = value.int { return Double(i) }
            problem("\(section).\(key)", render(value), "expected a number")
            return nil
        }

        mutating func bool(_ t: TOMLTable, _ section: String, _ key: String) -> Bool? {
            guard let value = value(t, section, key) else { return nil }
            guard let b = value.bool else {
                problem("\(section).\(key)", render(value), "expected true or false")
                return nil
            }
            return b
        }

        mutating func stringArray(_ t: TOMLTable, _ section: String, _ key: String) -> [String]? {
            guard let value = value(t, section, key) else { return nil }
            guard let array = value.array else {
                problem("\(section).\(key)", render(value), "expected an array of names")
                return nil
            }
            var out: [String] = []
            for element in array {
                if let s = element.string {
                    out.append(s)
                } else if let i = element.int {
                    out.append(String(i))
                } else {
                    problem("\(section).\(key)", render(element), "expected a name or a number")
                }
            }
            return out
        }

        func render(_ value: (any TOMLValueConvertible)?) -> String {
            guard let value else { return "nothing" }
            if let s = value.string { return "\"\(s)\"" }
            return value.debugDescription
        }
    }
}
