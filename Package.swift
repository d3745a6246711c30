// swift-tools-version: 6.2
// Cortex: the engine and server behind a multi-tenant AI chatbot platform.
// Module map and dependency direction: docs/architecture.md. Benchmarks live in
// their own package (Benchmarks/Package.swift) so `swift test` never builds them.
import PackageDescription

/// Settings every Cortex target shares (STYLE.md §1).
let commonSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

/// Engine targets additionally make every unsafe operation visible.
let engineSettings: [SwiftSetting] = commonSettings + [.strictMemorySafety()]

let package = Package(
    name: "cortex",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cortex-server", targets: ["cortex-server"]),
        .executable(name: "cortex", targets: ["cortex"]),
        .library(name: "CortexStorage", targets: ["CortexStorage"]),
        .library(name: "CortexClient", targets: ["CortexClient"]),
        // For the separate Fuzz package (libFuzzer entry points).
        .library(name: "CortexFuzzTargets", targets: ["CortexFuzzTargets"]),
        // For the separate Benchmarks package.
        .library(name: "CVectorKernels", targets: ["CVectorKernels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Auth (CortexApp/Auth): JWT access tokens and bcrypt password hashes.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages); shims only where Swift cannot call the C API.
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(name: "CortexCore", dependencies: ["CColumnKernels"], swiftSettings: engineSettings),
        .target(
            name: "CortexStorage",
            dependencies: [
                "CortexCore", "CLMDB",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: engineSettings
        ),
        // The wire protocol's codec: pure functions on bytes, shared by the server and the client.
        .target(name: "CortexWire", dependencies: ["CortexCore"], swiftSettings: engineSettings),
        // Fuzz bodies (FUZZING.md): entry points live in Fuzz/, the corpus replays in `swift test`.
        .target(name: "CortexFuzzTargets", dependencies: ["CortexWire"], swiftSettings: commonSettings + [.strictMemorySafety()]),
        // Distance kernels in C: per-function ISA attributes with run-time dispatch (NOTES.md §3).
        .target(name: "CVectorKernels", path: "Sources/CVectorKernels"),
        .target(
            name: "CortexVector",
            dependencies: ["CortexCore", "CortexStorage", "CVectorKernels", "COpenBLAS"],
            swiftSettings: engineSettings
        ),
        // Segment-format kernels in C: CRC32C (SSE4.2 with a portable twin), bit (un)packing.
        .target(name: "CColumnKernels", path: "Sources/CColumnKernels"),
        // Columnar conversation analytics: schemas, encodings, segments, append log, SQL, execution.
        .target(name: "CortexAnalytics", dependencies: ["CortexCore", "CZstd", "CColumnKernels"], swiftSettings: engineSettings),
        // Element-wise kernels of the BERT encoder (GELU, layer norm, softmax): AVX-512 with a scalar twin.
        .target(name: "CEmbedKernels", dependencies: ["CVectorKernels"], path: "Sources/CEmbedKernels"),
        // Text embeddings on the CPU: safetensors, WordPiece tokenizer, BERT encoder on OpenBLAS, providers
        // (local, hashing, OpenAI-compatible HTTP over libcurl).
        .target(name: "CortexEmbed", dependencies: ["CortexCore", "COpenBLAS", "CEmbedKernels", "CCurl"], swiftSettings: engineSettings),
        // Snapshots of data folders: compacted LMDB copies, zstd, manifests, targets, restore.
        .target(name: "CortexSnapshot", dependencies: ["CortexCore", "CortexStorage", "CortexAnalytics", "CZstd", "CCurl"], swiftSettings: commonSettings),
        // Domain services; today Auth/: accounts, passwords, tokens, API keys, rate limits.
        .target(
            name: "CortexApp",
            dependencies: [
                "CortexCore", "CortexStorage",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: commonSettings
        ),
        .target(
            name: "CortexServer",
            dependencies: [
                "CortexCore", "CortexStorage", "CortexApp", "CortexVector", "CortexWire", "CortexEmbed", "CortexAnalytics", "CortexSnapshot",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: commonSettings
        ),
        // Swift client for the wire protocol.
        .target(
            name: "CortexClient",
            dependencies: [
                "CortexWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: commonSettings
        ),
        .executableTarget(
            name: "cortex-server",
            dependencies: [
                "CortexServer", "CortexCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: commonSettings
        ),
        .executableTarget(
            name: "cortex",
            dependencies: [
                "CortexServer", "CortexStorage", "CortexCore", "CortexVector", "CortexAnalytics", "CortexApp", "CortexClient", "CortexWire",
                "CortexSnapshot", "CortexEmbed",
                "COpenBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: commonSettings
        ),

        // Tests. CortexTesting holds shared fixtures; crash-writer is the child process of crash tests.
        .target(
            name: "CortexTesting",
            dependencies: ["CortexCore", "CortexStorage"],
            path: "Tests/CortexTesting",
            swiftSettings: commonSettings
        ),
        .executableTarget(
            name: "crash-writer",
            dependencies: ["CortexStorage", "CortexCore", "CortexTesting"],
            path: "Tests/Tools/crash-writer",
            swiftSettings: commonSettings
        ),
        .executableTarget(
            name: "analytics-crash-writer", dependencies: ["CortexAnalytics", "CortexCore"], path: "Tests/Tools/analytics-crash-writer",
            swiftSettings: commonSettings),
        .testTarget(name: "CortexCoreTests", dependencies: ["CortexCore", "CortexTesting"], swiftSettings: commonSettings),
        .testTarget(
            name: "CortexStorageTests",
            dependencies: ["CortexStorage", "CortexCore", "CortexTesting", "crash-writer"],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "CortexSnapshotTests",
            dependencies: ["CortexSnapshot", "CortexStorage", "CortexCore", "CortexVector", "CortexAnalytics", "CortexTesting", "analytics-crash-writer"],
            swiftSettings: commonSettings),
        .testTarget(name: "CortexAppTests", dependencies: ["CortexApp", "CortexStorage", "CortexCore", "CortexTesting"], swiftSettings: commonSettings),
        .testTarget(
            name: "CortexServerTests", dependencies: ["CortexServer", "CortexVector", "CortexStorage", "CortexCore"], swiftSettings: commonSettings),
        .testTarget(name: "CortexWireTests", dependencies: ["CortexWire", "CortexCore", "CortexTesting"], swiftSettings: commonSettings),
        .testTarget(
            name: "CortexFuzzTargetsTests", dependencies: ["CortexFuzzTargets"], exclude: ["Corpus"], swiftSettings: commonSettings),
        .testTarget(
            name: "CortexAnalyticsTests", dependencies: ["CortexAnalytics", "CortexCore", "CColumnKernels", "CortexTesting", "analytics-crash-writer"],
            swiftSettings: commonSettings),
        .testTarget(
            name: "CortexEmbedTests", dependencies: ["CortexEmbed", "CortexCore", "CEmbedKernels", "CortexTesting"], exclude: ["Fixtures"],
            swiftSettings: commonSettings),
        .testTarget(name: "VectorKernelTests", dependencies: ["CVectorKernels"], swiftSettings: commonSettings),
        .testTarget(
            name: "CortexVectorTests",
            dependencies: ["CortexVector", "CortexStorage", "CortexCore", "CortexTesting"],
            swiftSettings: commonSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "CortexServer", "CortexStorage", "CortexCore", "CortexVector", "CortexTesting", "CortexClient", "CortexWire",
                "cortex-server", "cortex",
            ],
            // Python scenarios the tests run with the real clients (chromadb-client, openai).
            exclude: ["Chroma/scenario.py", "Embed/embed_scenario.py"],
            swiftSettings: commonSettings
        ),
    ]
)
