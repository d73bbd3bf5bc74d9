import CommcastFuzzTargets
import Foundation
import Testing

/// Every committed fuzzing input — the seeds in `Fuzz/Corpus/TARGET` and every crash
/// once found in `Fuzz/Crashes/TARGET` — through its parser, on every test run: a
/// crash fixed stays fixed without libFuzzer (docs/reliability.md, "Fuzzing").
@Suite("Fuzzing corpora")
struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized

    static func inputs(_ target: FuzzTarget) throws -> [URL] {
        try ["Corpus", "Crashes"].flatMap { folder -> [URL] in
            let dir = fuzz.appendingPathComponent("\(folder)/\(target.rawValue)")
            guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
            return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
        }
    }

    @Test("each target's committed inputs run to an answer", arguments: FuzzTarget.allCases)
    func corpus(_ target: FuzzTarget) throws {
        let inputs = try Self.inputs(target)
        #expect(inputs.count >= 3, "seeds for \(target.rawValue) in Fuzz/Corpus/\(target.rawValue)")
        for input in inputs { target.run(try Data(contentsOf: input)) }
    }
}
