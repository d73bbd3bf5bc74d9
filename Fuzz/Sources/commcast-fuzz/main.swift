import CommcastFuzzTargets
import Foundation

// libFuzzer's entry point; libFuzzer brings `main`, so no top-level code here ever
// runs (a global would never be set): what to fuzz is a lazily made static.
// `COMMCAST_FUZZ_TARGET` names the parser (`FuzzTarget`'s raw values: wav, sniff,
// link-codec, range, cluster-csv, configuration, control-request, province-bulletin).
enum Selected {
    static let target: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["COMMCAST_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("COMMCAST_FUZZ_TARGET: got \"\(name)\", expected one of \(names)\n".utf8))
            exit(64)
        }
        return target
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Selected.target.run(Data(bytes: start, count: count))
    return 0
}
