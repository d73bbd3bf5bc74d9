import Foundation

/// Rewrites text so a synthetic voice reads it as an announcer would: numbers,
/// dates (`22/11/2026`), times (`17h30`), units (`50 mm`, `30°C`) and common
/// abbreviations (UBND, HĐND, TP., PCCC, BCH, …) become words.
///
/// The abbreviation table can be extended by a province (`tts.abbreviations_file`).
public struct VietnameseTextNormalizer: Sendable {
    public var numbers: VietnameseNumberReader
    /// Abbreviation → expansion, matched as whole words, case-sensitively.
    public var abbreviations: [String: String]

    public init(dialect: VietnameseNumberReader.Dialect = .southern, extraAbbreviations: [String: String] = [:]) {
        self.numbers = VietnameseNumberReader(dialect: dialect)
        self.abbreviations = Self.defaultAbbreviations.merging(extraAbbreviations) { _, province in province }
    }

    /// Abbreviations common in commune bulletins.
    public static let defaultAbbreviations: [String: String] = [
        "UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân", "MTTQ": "Mặt trận Tổ quốc",
        "TP.": "thành phố", "TP": "thành phố", "TX.": "thị xã", "TT.": "thị trấn",
        "PCCC": "phòng cháy chữa cháy", "BCH": "Ban chỉ huy", "PCTT": "phòng chống thiên tai",
        "TKCN": "tìm kiếm cứu nạn", "PCTT&TKCN": "phòng chống thiên tai và tìm kiếm cứu nạn",
        "CSGT": "cảnh sát giao thông", "CAND": "Công an nhân dân", "QĐND": "Quân đội nhân dân",
        "THPT": "trung học phổ thông", "THCS": "trung học cơ sở", "BHYT": "bảo hiểm y tế",
        "BHXH": "bảo hiểm xã hội", "ATTP": "an toàn thực phẩm", "ATGT": "an toàn giao thông",
        "KP": "khu phố", "QL": "quốc lộ", "ĐT": "đường tỉnh", "SĐT": "số điện thoại",
        "NĐ-CP": "nghị định của Chính phủ", "TW": "trung ương", "HTX": "hợp tác xã",
        "v.v.": "vân vân", "VNĐ": "đồng", "BCĐ": "Ban chỉ đạo", "GPMB": "giải phóng mặt bằng",
    ]

    /// Units after a number, longest first so `km/h` wins over `km`.
    static let units: [(String, String)] = [
        ("km/h", "ki lô mét một giờ"), ("m³/s", "mét khối trên giây"), ("m³", "mét khối"), ("m2", "mét vuông"),
        ("m²", "mét vuông"), ("km²", "ki lô mét vuông"), ("km", "ki lô mét"), ("kg", "ki lô gam"),
        ("mm", "mi li mét"), ("cm", "xen ti mét"), ("ha", "héc ta"), ("°C", "độ C"), ("%", "phần trăm"),
        ("m", "mét"), ("g", "gam"), ("tấn", "tấn"), ("đ", "đồng"), ("VNĐ", "đồng"), ("giờ", "giờ"),
        ("kW", "ki lô oát"), ("l", "lít"),
    ]

    /// Normalises a whole text.
    public func normalize(_ text: String) -> String {
        var s = text
        s = expandAbbreviations(s)
        // Dates; a "ngày" already written before the date is not said twice.
        s = replace(s, #"(?<![\d/])(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?![\d/])"#) { m in
            guard let d = Int(m[1]), let mo = Int(m[2]), let y = Int(m[3]), (1...31).contains(d), (1...12).contains(mo) else { return nil }
            return "ngày \(day(d)) tháng \(month(mo)) năm \(numbers.read(y))"
        }
        s = replace(s, #"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])"#) { m in
            guard let d = Int(m[1]), let mo = Int(m[2]), (1...31).contains(d), (1...12).contains(mo) else { return nil }
            return "ngày \(day(d)) tháng \(month(mo))"
        }
        s = s.replacingOccurrences(of: "ngày ngày ", with: "ngày ")
        s = replace(s, #"(?<![\d:])(\d{1,2})(?:h|giờ|:)(\d{2})(?:'|p|phút)?(?![\d:])"#) { m in
            guard let h = Int(m[1]), let mi = Int(m[2]), (0...23).contains(h), (0...59).contains(mi) else { return nil }
            return mi == 0 ? "\(numbers.read(h)) giờ" : "\(numbers.read(h)) giờ \(numbers.read(mi)) phút"
        }
        s = replace(s, #"(?<![\w\d])(\d{1,2})h(?![\w\d])"#) { m in
            guard let h = Int(m[1]), (0...24).contains(h) else { return nil }
            return "\(numbers.read(h)) giờ"
        }
        // Phone numbers: read digit by digit.
        s = replace(s, #"(?<!\d)(0\d{2,3}[ .]?\d{3}[ .]?\d{3,4})(?!\d)"#) { m in
            numbers.readDigits(m[1])
        }
        // Ranges "5-7" → "5 đến 7" before numbers are read.
        s = replace(s, #"(?<=\d)\s*[-–]\s*(?=\d)"#) { _ in " đến " }
        // Numbers, with an optional unit. Vietnamese writes 1.000.000 and 3,5.
        let unitPattern = Self.units.map { NSRegularExpression.escapedPattern(for: $0.0) }.joined(separator: "|")
        s = replace(s, #"(?<![\w\d])(-?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?\s?("# + unitPattern + #")?(?![\w\d])"#) { m in
            var words: [String] = []
            guard let whole = Int(m[2].replacingOccurrences(of: ".", with: "")) else { return nil }
            if m[1] == "-" { words.append("âm") }
            words.append(numbers.read(whole))
            if !m[3].isEmpty {
                words.append("phẩy")
                let fraction = m[3]
                // Short fractions read as a number (3,25 → ba phẩy hai mươi lăm); long ones digit by digit.
                words.append(fraction.count <= 2 && !fraction.hasPrefix("0") ? numbers.read(Int(fraction)!) : numbers.readDigits(fraction))
            }
            if !m[4].isEmpty, let unit = Self.units.first(where: { $0.0 == m[4] }) { words.append(unit.1) }
            return words.joined(separator: " ")
        }
        return s.replacingOccurrences(of: #"\s{2,}"#, with: " ", options: .regularExpression)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func day(_ d: Int) -> String { d <= 10 ? "mùng \(numbers.read(d))" : numbers.read(d) }

    func month(_ m: Int) -> String { m == 4 ? "tư" : numbers.read(m) }

    func expandAbbreviations(_ text: String) -> String {
        var s = text
        for key in abbreviations.keys.sorted(by: { $0.count > $1.count }) {
            let escaped = NSRegularExpression.escapedPattern(for: key)
            // Whole words only; a trailing dot in the key is part of it.
            let pattern = #"(?<![\p{L}\p{N}])"# + escaped + (key.hasSuffix(".") ? "" : #"(?![\p{L}\p{N}])"#)
            s = replace(s, pattern) { _ in abbreviations[key]! }
        }
        // "QL13" → "quốc lộ 13": an abbreviation glued to a number.
        s = replace(s, #"(?<![\p{L}])(QL|ĐT|KP)(\d+)"#) { m in "\(abbreviations[m[1]] ?? m[1]) \(m[2])" }
        return s
    }

    /// Replaces every match of `pattern`; a transform returning nil keeps the match.
    func replace(_ text: String, _ pattern: String, _ transform: ([String]) -> String?) -> String {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        let ns = text as NSString
        var result = ""
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let groups = (0..<match.numberOfRanges).map { i -> String in
                let r = match.range(at: i)
                return r.location == NSNotFound ? "" : ns.substring(with: r)
            }
            result += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            result += transform(groups) ?? groups[0]
            last = match.range.location + match.range.length
        }
        result += ns.substring(from: last)
        return result
    }
}
