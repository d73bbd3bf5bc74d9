import Foundation

/// Locates the package's own executables next to the test bundle.
public enum BuiltProducts {
    /// The build products directory (`.build/debug` or the like).
    public static var directory: URL {
        // On Linux the test bundle is an executable in the products directory.
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The path of an executable product, failing clearly if it was not built.
    public static func path(_ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw ExternalTools.Failure("\(url.path) not found: run 'swift build' before 'swift test'")
        }
        return url.path
    }
}
