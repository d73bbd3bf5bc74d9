import Crypto
import Foundation

/// The console's files (HTML, CSS, JavaScript), carried inside the binary
/// (`Generated/EmbeddedAssets.swift`, made from `Assets/` by
/// `scripts/embed-console-assets.py`): no CDN, no internet, nothing to install beside
/// the daemon.
public enum ConsoleAssets {
    /// One file as it is served.
    public struct Asset: Sendable {
        public let bytes: [UInt8]
        public let contentType: String
        /// A strong validator: the first 16 hex digits of the sha256 of the bytes.
        public let etag: String
    }

    /// Decoded once, on first use.
    private static let assets: [String: Asset] = embedded.reduce(into: [:]) { all, entry in
        let bytes = [UInt8](Data(base64Encoded: entry.value.base64) ?? Data())
        let digest = SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
        all[entry.key] = Asset(bytes: bytes, contentType: entry.value.contentType, etag: "\"\(digest)\"")
    }

    /// The asset served at `path` (`/` is the console's page); nil when there is none.
    public static func asset(at path: String) -> Asset? {
        assets[path == "/" ? "/index.html" : path]
    }

    /// Every served path.
    public static var paths: [String] { assets.keys.sorted() }
}
