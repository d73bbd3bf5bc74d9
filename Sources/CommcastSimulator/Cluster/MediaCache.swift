import CommcastLink

/// The media files a cluster holds, verified, and those it is fetching.
struct MediaCache {
    private var held: Set<String> = []
    private var downloading: Set<String> = []

    /// sha256 of every file held, sorted, as a heartbeat reports them.
    var inventory: [String] { held.sorted() }

    func holds(_ sha256: String) -> Bool { held.contains(sha256) }

    /// The files of `airings` neither held nor already being fetched, soonest airing
    /// first; they are marked as being fetched.
    mutating func claim(for airings: [LinkAiring]) -> [LinkAiring.Media] {
        var wanted: [LinkAiring.Media] = []
        for a in airings.sorted(by: { $0.start < $1.start }) where !held.contains(a.media.sha256) && !downloading.contains(a.media.sha256) {
            downloading.insert(a.media.sha256)
            wanted.append(a.media)
        }
        return wanted
    }

    /// A fetch ended; `verified` files are held from now on.
    mutating func finished(_ sha256: String, verified: Bool) {
        downloading.remove(sha256)
        if verified { held.insert(sha256) }
    }
}
