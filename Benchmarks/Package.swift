// swift-tools-version: 6.2
// Kernel benchmarks, kept out of the root package so `swift test` and CI never build them.
// Run: `cd Benchmarks && swift run -c release kernel-bench`.
import PackageDescription

let package = Package(
    name: "kernel-benchmarks",
    dependencies: [
        // The root package, whatever its folder is called.
        .package(name: "cortex", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "kernel-bench",
            dependencies: [.product(name: "CVectorKernels", package: "cortex")],
            path: "KernelBenchmarks",
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("ExistentialAny"),
                .treatAllWarnings(as: .error),
            ]
        ),
    ]
)
