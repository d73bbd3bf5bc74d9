// swift-tools-version:6.0
// Benchmarks live in their own package so the normal build and CI never compile them.
import PackageDescription

let package = Package(
    name: "commcast-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        // `commcast` is a symlink to the repository root, so the package identity does not
        // depend on what the clone directory is called.
        .package(path: "commcast"),
    ],
    targets: [
        .executableTarget(
            name: "IngestBenchmark",
            dependencies: [
                .product(name: "CommcastAudio", package: "commcast"),
                .product(name: "CommcastCore", package: "commcast"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
