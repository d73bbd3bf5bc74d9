// swift-tools-version:6.0
import PackageDescription

/// How the two executables a station host runs, `commcastd` and `commcast`, are
/// linked. A release build carries the Swift runtime and Foundation inside the binary
/// (static Foundation needs its ICU and C parts named), so a station host needs no
/// Swift installed, and the daemon maps only the code it uses: 7 MB less RSS than with
/// the shared libraries, which is what keeps it under 64 MB with 1,661 clusters
/// connected (docs/benchmarks.md). lld resolves the static archives in any order and
/// packs the relative relocations (RELR, applied by glibc ≥ 2.36), so the loader reads
/// about 0.4 MB of relocations at start instead of 1.7 MB.
let shippedExecutableLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"]),
    .unsafeFlags(
        ["-static-stdlib", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections", "-lCoreFoundation"],
        .when(configuration: .release)),
]

let package = Package(
    name: "commcast",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "commcastd", targets: ["commcastd"]),
        .executable(name: "commcast", targets: ["commcast"]),
        .executable(name: "commcast-sim", targets: ["commcast-sim"]),
        .library(name: "CommcastCore", targets: ["CommcastCore"]),
        .library(name: "CommcastAudio", targets: ["CommcastAudio"]),
        .library(name: "CommcastStore", targets: ["CommcastStore"]),
        .library(name: "CommcastDaemon", targets: ["CommcastDaemon"]),
        .library(name: "CommcastLink", targets: ["CommcastLink"]),
        .library(name: "CommcastLinkServer", targets: ["CommcastLinkServer"]),
        .library(name: "CommcastSimulator", targets: ["CommcastSimulator"]),
        // For the fuzzers in Fuzz/, which build against this package.
        .library(name: "CommcastFuzzTargets", targets: ["CommcastFuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // MARK: C libraries from Debian
        .systemLibrary(
            name: "COpus", path: "Sources/CShims/COpus", pkgConfig: "opus",
            providers: [.apt(["libopus-dev"])]),
        .systemLibrary(
            name: "COpusEnc", path: "Sources/CShims/COpusEnc", pkgConfig: "libopusenc",
            providers: [.apt(["libopusenc-dev"])]),
        .systemLibrary(
            name: "COpusFile", path: "Sources/CShims/COpusFile", pkgConfig: "opusfile",
            providers: [.apt(["libopusfile-dev"])]),
        .systemLibrary(
            name: "COgg", path: "Sources/CShims/COgg", pkgConfig: "ogg",
            providers: [.apt(["libogg-dev"])]),
        .systemLibrary(
            name: "CALSA", path: "Sources/CShims/CALSA", pkgConfig: "alsa",
            providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(
            name: "CSoxr", path: "Sources/CShims/CSoxr", pkgConfig: "soxr",
            providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(
            name: "CEbur128", path: "Sources/CShims/CEbur128", pkgConfig: "libebur128",
            providers: [.apt(["libebur128-dev"])]),
        .systemLibrary(
            name: "CSystemd", path: "Sources/CShims/CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CShims/CMalloc"),
        .systemLibrary(
            name: "CSodium", path: "Sources/CShims/CSodium", pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]),

        // MARK: Libraries
        .target(name: "CommcastCore"),
        .target(name: "CommcastControlAPI", dependencies: ["CommcastCore"]),
        .target(
            name: "CommcastLink",
            dependencies: ["CommcastCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "CommcastAudio",
            dependencies: [
                "CommcastCore", "COpus", "COpusEnc", "COpusFile", "COgg", "CSoxr", "CEbur128",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The station's side of the cluster link on SwiftNIO channel handlers: the
        // WebSocket handler, the registry of connected clusters, live fan-out and
        // media serving, over narrow protocols for keys, receipts and files, so it
        // builds and is tested without the store or the daemon.
        .target(
            name: "CommcastLinkServer",
            dependencies: [
                "CommcastCore", "CommcastLink", "CommcastAudio", "CommcastControlAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // The web console: its assets, operator passwords (Argon2id, libsodium), sessions
        // and login throttling. No HTTP here: the daemon serves it beside the control API.
        .target(
            name: "CommcastConsole",
            dependencies: ["CommcastCore", "CSodium", .product(name: "Crypto", package: "swift-crypto")],
            // The assets are compiled in from Generated/ (Assets/README.md says how).
            exclude: ["Assets"]
        ),
        // The microphone, apart so that only the CLI links libasound.
        .target(name: "CommcastCapture", dependencies: ["CALSA"]),
        .target(
            name: "CommcastStore",
            dependencies: [
                "CommcastCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CommcastDaemon",
            dependencies: [
                "CommcastCore", "CommcastControlAPI", "CommcastAudio", "CommcastStore", "CommcastLink", "CommcastLinkServer",
                "CommcastConsole", "CSystemd", "CMalloc",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        .target(
            name: "CommcastSimulator",
            dependencies: [
                "CommcastLink", "CommcastAudio",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Each parser that takes input from outside, as one function of bytes: run by
        // libFuzzer (Fuzz/) and, over the committed corpora, by the normal tests.
        .target(
            name: "CommcastFuzzTargets",
            dependencies: ["CommcastAudio", "CommcastControlAPI", "CommcastCore", "CommcastDaemon", "CommcastLink"]
        ),

        // MARK: Executables
        .executableTarget(
            name: "commcastd",
            dependencies: [
                "CommcastDaemon", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: shippedExecutableLinkerSettings
        ),
        .executableTarget(
            name: "commcast",
            dependencies: [
                "CommcastCore", "CommcastControlAPI", "CommcastAudio", "CommcastCapture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: shippedExecutableLinkerSettings
        ),

        .executableTarget(
            name: "commcast-sim",
            dependencies: [
                "CommcastSimulator", "CommcastLink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Tests
        .testTarget(
            name: "CommcastCoreTests",
            dependencies: [
                "CommcastCore", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Corpus")]),
        .testTarget(
            name: "CommcastAudioTests",
            dependencies: [
                "CommcastAudio", "TestSupport", .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .testTarget(name: "CommcastLinkTests", dependencies: ["CommcastLink"]),
        .testTarget(name: "CommcastConsoleTests", dependencies: ["CommcastConsole"]),
        .testTarget(
            name: "CommcastLinkServerTests",
            dependencies: [
                "CommcastLinkServer", "CommcastLink", "CommcastCore", "CommcastAudio",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
            ]),
        .testTarget(name: "CommcastSimulatorTests", dependencies: ["CommcastSimulator", "CommcastLink", "CommcastCore"]),
        .testTarget(name: "CommcastStoreTests", dependencies: ["CommcastStore", "TestSupport"]),
        .testTarget(
            name: "CommcastDaemonTests",
            dependencies: [
                "CommcastDaemon", "CommcastAudio", "CommcastControlAPI", "CommcastCore", "CommcastLink", "CommcastLinkServer", "CommcastStore",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "CommcastCore", "CommcastControlAPI", "CommcastStore", "CommcastLink", "CommcastConsole", "TestSupport",
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]),
        .testTarget(name: "CommcastFuzzTargetsTests", dependencies: ["CommcastFuzzTargets"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)
