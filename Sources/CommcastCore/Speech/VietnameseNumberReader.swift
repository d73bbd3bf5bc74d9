/// Reads numbers aloud in Vietnamese, the way a commune announcer would.
///
/// The southern dialect (the default voice is `vi-vn-x-south`) says "ngàn" and
/// "lẻ"; the northern says "nghìn" and "linh".
public struct VietnameseNumberReader: Sendable {
    /// Regional wording.
    public enum Dialect: String, Sendable, Codable {
        case southern, northern
    }

    public var dialect: Dialect

    public init(dialect: Dialect = .southern) {
        self.dialect = dialect
    }

    static let digits = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]

    var thousand: String { dialect == .southern ? "ngàn" : "nghìn" }
    var zeroTens: String { dialect == .southern ? "lẻ" : "linh" }

    /// Reads a whole number, e.g. 2026 → "hai ngàn không trăm hai mươi sáu".
    public func read(_ n: Int) -> String {
        if n < 0 { return "âm " + read(-n) }
        if n == 0 { return "không" }
        let scales = ["", thousand, "triệu", "tỷ"]
        var groups: [Int] = []
        var rest = n
        while rest > 0 {
            groups.append(rest % 1000)
            rest /= 1000
        }
        // Beyond tỷ, Vietnamese repeats: 10^12 is "ngàn tỷ".
        var words: [String] = []
        for i in stride(from: groups.count - 1, through: 0, by: -1) {
            let g = groups[i]
            if g == 0 { continue }
            let isLeading = i == groups.count - 1
            words.append(readGroup(g, full: !isLeading))
            let scale = i < scales.count ? scales[i] : scales[i % 3 == 0 ? 3 : i % 3] + " tỷ"
            if !scale.isEmpty { words.append(scale) }
        }
        return words.joined(separator: " ")
    }

    /// Reads 0–999; `full` reads leading zeros ("không trăm lẻ năm") as inside a larger number.
    func readGroup(_ g: Int, full: Bool) -> String {
        let h = g / 100
        let t = g % 100 / 10
        let u = g % 10
        var words: [String] = []
        if h > 0 || full { words += [Self.digits[h], "trăm"] }
        if t == 0 {
            if u > 0 {
                if h > 0 || full { words.append(zeroTens) }
                words.append(Self.digits[u])
            }
        } else {
            words += t == 1 ? ["mười"] : [Self.digits[t], "mươi"]
            switch u {
            case 0: break
            case 1: words.append(t == 1 ? "một" : "mốt")
            case 4: words.append(t == 1 ? "bốn" : "tư")
            case 5: words.append("lăm")
            default: words.append(Self.digits[u])
            }
        }
        return words.joined(separator: " ")
    }

    /// Reads digits one by one (phone numbers, codes): "0913" → "không chín một ba".
    public func readDigits(_ s: some StringProtocol) -> String {
        s.compactMap { $0.wholeNumberValue }.map { Self.digits[$0] }.joined(separator: " ")
    }
}
