// swift-tools-version: 6.2
// libFuzzer entry points for Cortex's fuzz targets. Not part of `swift test`:
// built and run by tools/fuzz.sh (recipe in FUZZING.md). The bodies live in the
// root package's CortexFuzzTargets so `swift test` replays the saved corpus.
import PackageDescription

let package = Package(
    name: "cortex-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "cortex", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzWireFrame",
            dependencies: [.product(name: "CortexFuzzTargets", package: "cortex")]),
    ]
)
