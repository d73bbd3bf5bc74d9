import CMalloc

/// The process entry point: limits glibc's malloc, then runs `CommcastdCommand`.
@main
enum CommcastdMain {
    static func main() async {
        limitMallocArenas()
        await CommcastdCommand.main()
    }

    /// glibc gives busy threads arenas of their own and keeps what is freed in each;
    /// with 1,661 links spread over event loops and pools that held about 10 MB the
    /// daemon no longer used (docs/benchmarks.md). One arena: the daemon's threads are
    /// mostly idle. The limit only holds for threads that have not allocated yet, so it
    /// is set here, on the main thread, before the first task runs: `run()` already
    /// executes on a pool thread, which by then had an arena of its own (measured:
    /// a second heap of 5–7 MB, 2–2.5 MB more RSS with 1,661 clusters connected).
    static func limitMallocArenas() {
        _ = mallopt(M_ARENA_MAX, 1)
        _ = mallopt(M_TRIM_THRESHOLD, 128 << 10)
    }
}
