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
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    ],
    targets: [
        .target(name: "BenchmarkSupport"),
        .executableTarget(
            name: "IngestBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "CommcastAudio", package: "commcast"),
                .product(name: "CommcastCore", package: "commcast"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "PlannerBenchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "CommcastCore", package: "commcast"),
                .product(name: "CommcastStore", package: "commcast"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "OggListeners",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
