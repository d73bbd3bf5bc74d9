/// The process entry point. glibc's arena limit only holds for threads that have not
/// allocated yet, so it is set here, on the main thread, before the first task runs:
/// by the time `CommcastdCommand.run()` starts, it is on a pool thread that already
/// has an arena of its own (measured: 2–3 MB that a single arena does not keep).
@main
enum CommcastdMain {
    static func main() async {
        CommcastdCommand.limitMallocArenas()
        await CommcastdCommand.main()
    }
}
