// swift-tools-version:6.0
// The fuzzers live in their own package: they build with libFuzzer and AddressSanitizer
// (`swift build --sanitize=fuzzer --sanitize=address`), which the normal build and CI
// never do. Fuzz/run.sh builds and runs them (docs/reliability.md, "Fuzzing").
import PackageDescription

let package = Package(
    name: "commcast-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        // `commcast` is a symlink to the repository root, as in Benchmarks/.
        .package(path: "commcast")
    ],
    targets: [
        .executableTarget(
            name: "commcast-fuzz",
            dependencies: [.product(name: "CommcastFuzzTargets", package: "commcast")]
        )
    ],
    swiftLanguageModes: [.v6]
)
