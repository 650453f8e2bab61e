// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Essaim",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Essaim", targets: ["Essaim"]),
        .executable(name: "essaim", targets: ["essaim"]),
        .executable(name: "essaim-bench", targets: ["essaim-bench"]),
        .executable(name: "essaim-crashtest", targets: ["essaim-crashtest"]),
    ],
    dependencies: [
        // Command line parsing for the `essaim` executable (the contract's CLI).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The library logs through a caller-supplied Logger and never prints.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // SHA-256 for the integrity chain (BoringSSL on Linux).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `swift package generate-documentation` (tools/docs): a build-time plugin only,
        // nothing of it is linked into Essaim.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "EssaimCLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // libpq, PostgreSQL's reference client, for the several-sites mode (the log
        // in PostgreSQL): `~/.pgpass`, the `PG*` variables, TLS and every
        // authentication method work as with psql.
        .systemLibrary(
            name: "EssaimCLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // The processor's prefetch hint, which Swift does not spell.
        .target(name: "EssaimCSupport"),
        .target(
            name: "Essaim",
            dependencies: [
                "EssaimCLMDB",
                "EssaimCSupport",
                "EssaimCLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "essaim",
            dependencies: [
                "Essaim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `tools/bench`: the Performance figures (raw LMDB reference, import, replay,
        // appends, queries) from one run.
        .executableTarget(
            name: "essaim-bench",
            dependencies: ["Essaim", "EssaimCLMDB", "EssaimToolSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `tools/crashtest`: SIGKILL a writer at random moments, check the ledger each time.
        .executableTarget(
            name: "essaim-crashtest",
            dependencies: ["Essaim", "EssaimToolSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Helpers shared by the two tool executables.
        .target(name: "EssaimToolSupport"),
        .testTarget(
            name: "EssaimTests",
            dependencies: ["Essaim", "essaim", "essaim-bench", "essaim-crashtest"],
            resources: []
        ),
    ],
    swiftLanguageModes: [.v6]
)
