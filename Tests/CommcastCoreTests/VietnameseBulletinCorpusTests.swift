import CommcastCore
import Foundation
import Testing

/// The normaliser on sentences shaped like real commune bulletins, in both
/// dialects: `Corpus/vi-bulletins.tsv`, one sentence a line (the input, the
/// southern reading, the northern reading), each reading written by hand.
@Suite("Vietnamese bulletin corpus")
struct VietnameseBulletinCorpusTests {
    struct Sentence: Sendable, CustomTestStringConvertible {
        var line: Int
        var input: String
        var southern: String
        var northern: String
        var testDescription: String { "line \(line): \(input)" }
    }

    static let sentences: [Sentence] = {
        guard let url = Bundle.module.url(forResource: "vi-bulletins", withExtension: "tsv", subdirectory: "Corpus"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            guard !line.hasPrefix("#"), !line.isEmpty else { return nil }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { return Sentence(line: index + 1, input: String(line), southern: "?", northern: "?") }
            return Sentence(line: index + 1, input: fields[0], southern: fields[1], northern: fields[2])
        }
    }()

    @Test("the corpus is there and large enough to mean something")
    func corpusSize() {
        #expect(Self.sentences.count >= 300, "found \(Self.sentences.count) sentences")
        #expect(Set(Self.sentences.map(\.input)).count == Self.sentences.count, "a sentence is listed twice")
    }

    @Test("read as written by hand, southern dialect", arguments: sentences)
    func southern(_ sentence: Sentence) {
        #expect(VietnameseTextNormalizer(dialect: .southern).normalize(sentence.input) == sentence.southern)
    }

    @Test("read as written by hand, northern dialect", arguments: sentences)
    func northern(_ sentence: Sentence) {
        #expect(VietnameseTextNormalizer(dialect: .northern).normalize(sentence.input) == sentence.northern)
    }

    @Test("what an operator types in decomposed Unicode (some phone keyboards) reads the same")
    func decomposedInput() {
        let n = VietnameseTextNormalizer()
        for sentence in Self.sentences.prefix(40) {
            #expect(n.normalize(sentence.input.decomposedStringWithCanonicalMapping) == sentence.southern)
        }
    }
}

/// Whatever an operator pastes, the normaliser returns, and leaves no digit for
/// the voice to spell out.
@Suite("Vietnamese normaliser on arbitrary input")
struct VietnameseNormalizerRobustnessTests {
    @Test("2,000 random strings of digits, separators, units and words")
    func randomInput() {
        var generator = SeededGenerator(seed: 14)
        let pieces = [
            "0", "1", "2", "4", "5", "7", "9", "12", "24", "99", "100", "2026", "99999999999999999999", "/", "-", "–", ".", ",", ":",
            "h", "g", "'", " ", " ", "%", "°C", "km", "đ", "ngày", "tháng", "thứ", "số", "QL", "ĐT", "TP.", "Đ/c", "IV", "XIII",
            "Nguyễn", "V.", "(", ")", "&", "+", "đồng/", "người",
        ]
        let normalizer = VietnameseTextNormalizer()
        for _ in 0..<2_000 {
            let length = Int.random(in: 1...14, using: &generator)
            let text = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let spoken = normalizer.normalize(text)
            let digitLeft = spoken.unicodeScalars.contains { ("0"..."9").contains($0) }
            #expect(!digitLeft, "\(text) → \(spoken)")
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
