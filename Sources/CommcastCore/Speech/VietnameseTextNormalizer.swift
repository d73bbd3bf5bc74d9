import Foundation
import Synchronization

/// Rewrites text so a synthetic voice reads it as an announcer would: numbers,
/// dates and date ranges, times and time ranges, money, phone numbers, house
/// numbers, fractions, percentages, units, decimals, ordinals, roads, Roman
/// numerals, initials and the administration's abbreviations become words.
///
/// The passes run in a fixed order, most specific first: a phone number or a
/// date is read before the generic number pass could read its digits as one
/// number. Each pass sees what the one before left, and what a pass writes has
/// no digits left in it, so no later pass reads it again. The conventions
/// (`số 12/3` is "mười hai xuyệt ba", `1/5 dân số` is a fraction, `ngày 5/12` is a
/// date) are in `docs/tts-hook.md`, and a corpus of bulletin sentences in both
/// dialects checks them (`VietnameseBulletinCorpusTests`).
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
    public static var defaultAbbreviations: [String: String] { VietnameseAbbreviations.table }

    /// Units after a number, longest first so `km/h` wins over `km`.
    static let units: [(String, String)] = [
        ("km/h", "ki lô mét một giờ"), ("m³/s", "mét khối trên giây"), ("m3/s", "mét khối trên giây"), ("km²", "ki lô mét vuông"),
        ("km2", "ki lô mét vuông"), ("m³", "mét khối"), ("m3", "mét khối"), ("m²", "mét vuông"), ("m2", "mét vuông"),
        ("km", "ki lô mét"), ("kg", "ki lô gam"), ("mm", "mi li mét"), ("cm", "xen ti mét"), ("ha", "héc ta"),
        ("°C", "độ C"), ("oC", "độ C"), ("độ C", "độ C"), ("%", "phần trăm"), ("kW", "ki lô oát"), ("kWh", "ki lô oát giờ"),
        ("VNĐ", "đồng"), ("đồng", "đồng"), ("đ", "đồng"), ("tấn", "tấn"), ("tạ", "tạ"), ("lít", "lít"), ("m", "mét"),
        ("g", "gam"), ("l", "lít"),
    ].sorted { $0.0.count > $1.0.count }

    /// Words after which `d/m` is a date, not a fraction (`ngày 1/5`, `từ 1/5`).
    static let dateContext: Set<String> = [
        "ngày", "hôm", "từ", "đến", "tới", "sáng", "trưa", "chiều", "tối", "đêm", "nay", "mai", "lúc", "và", "hạn", "trước",
        "sau", "vào", "qua", "nhật", "hai", "ba", "tư", "năm", "sáu", "bảy", "đường", "phố",
    ]

    /// Words after which a date is said without "ngày": the word is already there,
    /// or the date names a street ("đường 30/4", "phố 3/2").
    static let noDayWord: Set<String> = ["ngày", "đường", "phố"]

    /// Words before a house number, where `12/3` is an address (`số 12/3`, `hẻm 45/2`).
    static let addressContext: Set<String> = ["số", "nhà", "hẻm", "kiệt", "ngõ", "ngách", "lô", "căn"]

    /// Normalises a whole text.
    public func normalize(_ text: String) -> String {
        // Composed form: a phone keyboard may send "ngày" as n-g-a-y-◌̀.
        var s = text.precomposedStringWithCanonicalMapping
        s = expandAbbreviations(s)
        s = readPhoneNumbers(s)
        s = readOrdinalsAndRomanNumerals(s)
        s = readDates(s)
        s = readTimes(s)
        s = readAddressesAndFractions(s)
        s = readInitials(s)
        s = readNumbers(s)
        s = readSymbols(s)
        return s.replacingOccurrences(of: #"[ \t]{2,}"#, with: " ", options: .regularExpression)
            .replacingOccurrences(of: #" +([,.;:!?)])"#, with: "$1", options: .regularExpression)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Abbreviations and roads

    func expandAbbreviations(_ text: String) -> String {
        var s = text
        // "QL13", "QL.13", "ĐT 741": a road's number is read as a number, after its name.
        let roads = VietnameseAbbreviations.roadPrefixes.joined(separator: "|")
        s = replace(s, #"(?<![\p{L}\p{N}])("# + roads + #")[.\s]?([1-9]\d{0,3})([A-Z]?)(?![\p{L}\p{N}])"#) { m in
            let letter = m[3].first.flatMap { VietnameseAbbreviations.letterNames[$0] }.map { " " + $0 } ?? ""
            return "\(abbreviations[m[1]] ?? m[1]) \(numbers.read(Int(m[2]) ?? 0))\(letter)"
        }
        // "100/2019/NĐ-CP", "1234/QĐ-UBND": a document's number, its year, its issuer.
        s = replace(s, #"(?<![\d/])(\d{1,5})/(?:(\d{4})/)?(NĐ|QĐ|TT|CT|KH|TB|NQ|CV)-([\p{L}]+)(?![\p{L}\d])"#) { m in
            let year = m[2].isEmpty ? "" : " năm \(m[2])"
            let issuer = Self.issuers[m[4]].map { " của \($0)" } ?? ""
            return "\(m[1])\(year)\(issuer)"
        }
        for key in abbreviations.keys.sorted(by: { $0.count > $1.count }) {
            let escaped = NSRegularExpression.escapedPattern(for: key)
            // Whole words only; a key ending in a dot may run into the next word.
            let glued = key.hasSuffix(".") || key.hasSuffix(":")
            let pattern = #"(?<![\p{L}\p{N}])"# + escaped + (glued ? "" : #"(?![\p{L}\p{N}])"#)
            s = replace(s, pattern) { _ in
                let expansion = abbreviations[key]!
                return glued ? expansion + " " : expansion
            }
        }
        return s
    }

    /// Who issued a document, from the end of its number.
    static let issuers = [
        "CP": "Chính phủ", "UBND": "Ủy ban nhân dân", "TTg": "Thủ tướng Chính phủ", "BYT": "Bộ Y tế", "HĐND": "Hội đồng nhân dân",
        "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn", "BCA": "Bộ Công an",
    ]

    // MARK: - Phone numbers

    func readPhoneNumbers(_ text: String) -> String {
        var s = text
        // Mobile and landline numbers: 0913 456 789, 0913.456.789, 0271-3879-123, (0271) 3879 123.
        s = replace(s, #"(?<![\d.,])\(?(0\d{2,3})\)?[ .-]?(\d{3,4})[ .-]?(\d{3,4})(?![\d.,]*\d)"#) { m in
            let digits = m[1] + m[2] + m[3]
            guard (10...11).contains(digits.count) else { return nil }
            return numbers.readDigits(digits)
        }
        // Hotlines: 1900 1234, 1800.599.920.
        s = replace(s, #"(?<![\d.,])(1[89]00)[ .]?(\d{3,4})(?:[ .](?=\d))?(\d{0,4})(?![\d.,]*\d)"#) { m in
            numbers.readDigits(m[1] + m[2] + m[3])
        }
        // Emergency numbers after a word that says so: "gọi 114", "số 113".
        s = replace(s, #"(?i)(gọi(?: ngay)?|số|đường dây nóng|tổng đài|báo)(\s+)(11[1345])(?![\d.,]*\d)"#) { m in
            m[1] + m[2] + numbers.readDigits(m[3])
        }
        return s
    }

    // MARK: - Dates

    func readDates(_ text: String) -> String {
        var s = text
        // "trực 24/7", "24/24": around the clock, not a date.
        s = replace(s, #"(?<![\d/])24/(7|24)(?![\d/])"#) { m in "\(numbers.read(24)) trên \(numbers.read(Int(m[1]) ?? 0))" }
        // Ranges of days in one month: "5-7/12/2026", "5 - 7/12", "5 và 6/12".
        s = replace(s, #"(?<![\d/.,])(\d{1,2})\s*(-|–|đến|và)\s*(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?(?![\d/])"#) { m, before in
            guard let d1 = Int(m[1]), let d2 = Int(m[3]), let mo = Int(m[4]), (1...31).contains(d1), (1...31).contains(d2),
                (1...12).contains(mo)
            else { return nil }
            let joiner = m[2] == "và" ? "và" : "đến"
            let year = Int(m[5]).map { " năm \(numbers.read($0))" } ?? ""
            return "\(dayWord(before))\(day(d1)) \(joiner) \(day(d2)) tháng \(month(mo))\(year)"
        }
        // Full dates: 22/11/2026, 22-11-2026, 22.11.2026.
        s = replace(s, #"(?<![\d/.,])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\d/])"#) { m, before in
            guard let d = Int(m[1]), let mo = Int(m[3]), let y = Int(m[4]), (1...31).contains(d), (1...12).contains(mo) else { return nil }
            return "\(dayWord(before))\(day(d)) tháng \(month(mo)) năm \(numbers.read(y))"
        }
        // Month and year: "tháng 11/2026", "tháng 11-2026".
        s = replace(s, #"(?i)(tháng)\s+(\d{1,2})[/-](\d{4})(?![\d/])"#) { m in
            guard let mo = Int(m[2]), let y = Int(m[3]), (1...12).contains(mo) else { return nil }
            return "\(m[1]) \(month(mo)) năm \(numbers.read(y))"
        }
        // "tháng 4" is "tháng tư", "tháng 1" "tháng một".
        s = replace(s, #"(?i)(tháng)\s+(\d{1,2})(?![\d/]|[.,]\d)"#) { m in
            guard let mo = Int(m[2]), (1...12).contains(mo) else { return nil }
            return "\(m[1]) \(month(mo))"
        }
        // Day and month: a date after a word that says so, or when it cannot be a
        // fraction (5/12 is a date, 1/5 alone is one fifth).
        s = replace(s, #"(?<![\d/.,])(\d{1,2})/(\d{1,2})(?![\d/]|,\d)"#) { m, before in
            guard let d = Int(m[1]), let mo = Int(m[2]), (1...31).contains(d), (1...12).contains(mo) else { return nil }
            let previous = Self.lastWord(before)
            if Self.addressContext.contains(previous) { return nil }
            guard Self.dateContext.contains(previous) || d >= mo else { return nil }
            return "\(dayWord(before))\(day(d)) tháng \(month(mo))"
        }
        // "ngày 5 tháng 12", "ngày 5,": a day of the month, "mùng" below eleven
        // (not "5 ngày 3 đêm", where the number counts days).
        s = replace(s, #"(?i)(ngày)\s+(\d{1,2})(?=\s+(?:tháng|và|đến|tới|hoặc|này)\b|\s*[,.;)]|\s*$)"#) { m in
            guard let d = Int(m[2]), (1...31).contains(d) else { return nil }
            return "\(m[1]) \(day(d))"
        }
        return s
    }

    /// "ngày " unless the text already says it just before.
    func dayWord(_ before: String) -> String {
        Self.noDayWord.contains(Self.lastWord(before)) ? "" : "ngày "
    }

    func day(_ d: Int) -> String { d <= 10 ? "mùng \(numbers.read(d))" : numbers.read(d) }

    func month(_ m: Int) -> String { m == 4 ? "tư" : numbers.read(m) }

    // MARK: - Times

    func readTimes(_ text: String) -> String {
        var s = text
        // "7h30", "7g30" (southern), "7:30", "7 giờ 30", "14h"; a bare "g" is grams.
        let clock = #"(\d{1,2})(?:\s?(?:h|g|giờ|:)\s?(\d{2})(?:'|p|phút)?|\s?h(?![\p{L}\d]))"#
        // Ranges: "7h30-11h", "13h30 - 17h", "7h-11h".
        s = replace(s, #"(?<![\d:.,])"# + clock + #"\s*[-–]\s*"# + clock + #"(?![\d:])"#) { m in
            guard let from = time(m[1], m[2]), let to = time(m[3], m[4]) else { return nil }
            return "\(from) đến \(to)"
        }
        s = replace(s, #"(?<![\d:.,])"# + clock + #"(?![\d:])"#) { m in time(m[1], m[2]) }
        return s
    }

    /// "7", "30" → "bảy giờ ba mươi phút"; "19", "00" → "mười chín giờ".
    func time(_ hour: String, _ minute: String) -> String? {
        guard let h = Int(hour), (0...24).contains(h) else { return nil }
        guard !minute.isEmpty else { return "\(numbers.read(h)) giờ" }
        guard let mi = Int(minute), (0...59).contains(mi) else { return nil }
        return mi == 0 ? "\(numbers.read(h)) giờ" : "\(numbers.read(h)) giờ \(numbers.read(mi)) phút"
    }

    // MARK: - Ordinals and Roman numerals

    func readOrdinalsAndRomanNumerals(_ text: String) -> String {
        var s = text
        // "thứ 2" (a weekday, or second), "lần thứ 4" → "thứ tư", "thứ 1" → "thứ nhất".
        s = replace(s, #"(?i)(thứ)\s?(\d{1,3})(?![\d/.,])"#) { m in
            guard let n = Int(m[2]) else { return nil }
            return "\(m[1]) \(n == 1 ? "nhất" : n == 4 ? "tư" : numbers.read(n))"
        }
        s = replace(s, #"(?i)(thứ)\s+([IVX]{1,5})(?![\p{L}\d])"#) { m in
            guard let n = Self.roman(m[2]) else { return nil }
            return "\(m[1]) \(n == 1 ? "nhất" : n == 4 ? "tư" : numbers.read(n))"
        }
        // "quý IV", "Đại hội XIII", "đợt II", "khóa XV": read as a number.
        s = replace(s, #"(?i)(quý|đợt|khóa|kỳ|đại hội|giai đoạn|phần|chương|mục|cấp|vùng|khu vực|báo động)\s+([IVX]{1,5})(?![\p{L}\d])"#) { m in
            guard let n = Self.roman(m[2]) else { return nil }
            return "\(m[1]) \(numbers.read(n))"
        }
        return s
    }

    /// The value of a Roman numeral up to 39, or nil when it is not one.
    static func roman(_ s: String) -> Int? {
        let values: [Character: Int] = ["I": 1, "V": 5, "X": 10]
        var total = 0
        var previous = 0
        for c in s.reversed() {
            guard let v = values[c] else { return nil }
            total += v < previous ? -v : v
            previous = max(previous, v)
        }
        guard total > 0, total < 40, romanString(total) == s else { return nil }
        return total
    }

    static func romanString(_ n: Int) -> String {
        let tens = String(repeating: "X", count: n / 10)
        let units = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][n % 10]
        return tens + units
    }

    // MARK: - Addresses and fractions

    func readAddressesAndFractions(_ text: String) -> String {
        var s = text
        // House numbers: "số 12/3", "hẻm 45/2A", "số 45A": the slash is "xuyệt".
        s = replace(s, #"(?<![\d/])(\d{1,4})([A-Z]?)/(\d{1,4})([A-Z]?)(?![\d/])"#) { m, before in
            guard Self.addressContext.contains(Self.lastWord(before)) else { return nil }
            return "\(numbers.read(Int(m[1]) ?? 0))\(letter(m[2])) xuyệt \(numbers.read(Int(m[3]) ?? 0))\(letter(m[4]))"
        }
        s = replace(s, #"(?<![\d/.,])(\d{1,4})([A-Z])(?![\p{L}\d])"#) { m, before in
            guard Self.addressContext.contains(Self.lastWord(before)) else { return nil }
            return "\(numbers.read(Int(m[1]) ?? 0))\(letter(m[2]))"
        }
        // Fractions: what is left of a/b is a share: "1/5 dân số", "2/3 diện tích".
        s = replace(s, #"(?<![\d/.,])(\d{1,3})/(\d{1,4})(?![\d/]|,\d)"#) { m in
            guard let a = Int(m[1]), let b = Int(m[2]), b > 0 else { return nil }
            if a == 1 && b == 2 { return "một nửa" }
            return "\(numbers.read(a)) phần \(b == 4 ? "tư" : numbers.read(b))"
        }
        return s
    }

    func letter(_ s: String) -> String {
        s.first.flatMap { VietnameseAbbreviations.letterNames[$0] }.map { " " + $0 } ?? ""
    }

    // MARK: - Initials and place letters

    func readInitials(_ text: String) -> String {
        var s = text
        // "Nguyễn V. Hùng", "Trần T. T. Hà": a capital and a dot after a surname,
        // or after another initial, is an initial (after any other word it may
        // end a sentence: "ông Nguyễn Văn A. Mọi người…").
        let surnames = Self.surnames.joined(separator: "|")
        s = replace(s, #"(?<=(?:"# + surnames + #") )(\p{Lu})\.\s?(?=\p{Lu})"#) { m in
            guard let name = m[1].first.flatMap({ VietnameseAbbreviations.letterNames[$0] }) else { return nil }
            return name + " "
        }
        s = replace(s, #"(?<=(?:bê|xê|dê|đê|giê|hát|ca|e-lờ|em-mờ|en-nờ|pê|quy|e-rờ|ét-xì|tê|vê|ích-xì) )(\p{Lu})\.\s?(?=\p{Lu})"#) { m in
            m[1].first.flatMap { VietnameseAbbreviations.letterNames[$0] }.map { $0 + " " }
        }
        // "P. Tân Phú", "Q. 1": a place letter elsewhere.
        s = replace(s, #"(?<![\p{L}\p{N}])([PQXHT])\.\s?(?=\p{Lu}|\d)"#) { m in
            VietnameseAbbreviations.placeLetters[m[1]].map { $0 + " " }
        }
        return s
    }

    /// The commonest Vietnamese surnames, before which a lone capital is an initial.
    static let surnames = [
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
        "Đinh", "Trương", "Lương", "Mai", "Tô", "Lâm", "Đoàn", "Cao", "Hà", "Tạ", "Châu", "Thái", "Lưu", "Quách",
    ]

    // MARK: - Numbers, units, money

    func readNumbers(_ text: String) -> String {
        var s = text
        // Ranges "5-7" → "5 đến 7" before the numbers are read.
        s = replace(s, #"(?<=\d)\s*[-–]\s*(?=\d)"#) { _ in " đến " }
        // Numbers, with an optional unit. Vietnamese writes 1.000.000 and 3,5.
        let unitPattern = Self.units.map { NSRegularExpression.escapedPattern(for: $0.0) }.joined(separator: "|")
        s = replace(s, #"(?<![\p{L}\d])(-?)(\d{1,3}(?:\.\d{3})+|\d+)(?:([,.])(\d+))?\s?("# + unitPattern + #")?(?![\p{L}\d])"#) { m in
            var words: [String] = []
            let digits = m[2].replacingOccurrences(of: ".", with: "")
            // Beyond Int: a code, read digit by digit.
            guard digits.count <= 15, let whole = Int(digits) else { return numbers.readDigits(m[2]) }
            if m[1] == "-" { words.append("âm") }
            // A leading zero is a code or a number plate ("05"), read as written.
            words.append(digits.count > 1 && digits.hasPrefix("0") ? numbers.readDigits(digits) : numbers.read(whole))
            if !m[4].isEmpty {
                // "2.5" with a dot is a decimal too (1.000 was taken above as thousands).
                words.append("phẩy")
                let fraction = m[4]
                // Short fractions read as a number (3,25 → ba phẩy hai mươi lăm); long ones digit by digit.
                words.append(fraction.count <= 2 && !fraction.hasPrefix("0") ? numbers.read(Int(fraction) ?? 0) : numbers.readDigits(fraction))
            }
            if !m[5].isEmpty, let unit = Self.units.first(where: { $0.0 == m[5] }) { words.append(unit.1) }
            return words.joined(separator: " ")
        }
        // Digits glued to words ("100người", "ngày5"): still a number, never spelt out.
        s = replace(s, #"\d+"#) { m in
            let digits = m[0]
            guard digits.count <= 15, !(digits.count > 1 && digits.hasPrefix("0")), let n = Int(digits) else {
                return " \(numbers.readDigits(digits)) "
            }
            return " \(numbers.read(n)) "
        }
        // "đồng/người", "/tháng", "đồng/kg": per.
        s = replace(
            s,
            #"(?<=[\p{L}\d%])/(?=(?:người|hộ|tháng|năm|ngày|tuần|giờ|kg|ha|lít|tấn|con|suất|lượt|buổi|m²|m2|km|lần|xe|chuyến|ca|sào|công|em|cháu|học sinh)(?![\p{L}\d]))"#
        ) { _ in
            " một "
        }
        // A unit without a number before it (after "per", "km 25"): its name.
        s = replace(s, #"(?<![\p{L}\d])(km|Km|KM|kg|ha|mm|cm|m²|m2|m³|m3)(?![\p{L}\d])"#) { m in
            Self.units.first { $0.0 == m[1].lowercased() }?.1
        }
        return s
    }

    // MARK: - Symbols

    func readSymbols(_ text: String) -> String {
        var s = text
        for (symbol, word) in [("&", " và "), ("≥", " từ "), ("≤", " đến "), (">", " trên "), ("<", " dưới "), ("~", " khoảng "), ("+", " cộng ")] {
            s = s.replacingOccurrences(of: symbol, with: word)
        }
        return s
    }

    // MARK: - Matching

    /// The last word before a match, lower-cased, without punctuation; a
    /// bracket or a comma between is skipped ("Thứ Hai (5/12)").
    static func lastWord(_ before: String) -> String {
        let words = before.split(whereSeparator: { $0.isWhitespace }).map { $0.trimmingCharacters(in: .punctuationCharacters) }
        return (words.last { !$0.isEmpty } ?? "").lowercased()
    }

    /// Compiled patterns: the same few dozen serve every text, and compiling is
    /// most of the cost of a short one. (`NSRegularExpression` matches from any thread.)
    private static let cache = Mutex<[String: NSRegularExpression]>([:])

    static func compiled(_ pattern: String) -> NSRegularExpression? {
        if let regex = cache.withLock({ $0[pattern] }) { return regex }
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        cache.withLock { $0[pattern] = regex }
        return regex
    }

    /// Replaces every match of `pattern`; a transform returning nil keeps the match.
    func replace(_ text: String, _ pattern: String, _ transform: ([String]) -> String?) -> String {
        replace(text, pattern) { groups, _ in transform(groups) }
    }

    /// Replaces every match of `pattern`, giving the transform the text before it
    /// (as it stands after the replacements so far); nil keeps the match.
    func replace(_ text: String, _ pattern: String, _ transform: ([String], String) -> String?) -> String {
        guard let regex = Self.compiled(pattern) else { return text }
        let ns = text as NSString
        var result = ""
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let groups = (0..<match.numberOfRanges).map { i -> String in
                let r = match.range(at: i)
                return r.location == NSNotFound ? "" : ns.substring(with: r)
            }
            result += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            result += transform(groups, result) ?? groups[0]
            last = match.range.location + match.range.length
        }
        result += ns.substring(from: last)
        return result
    }
}
