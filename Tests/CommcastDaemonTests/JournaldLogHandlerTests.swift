import Logging
import Testing

@testable import CommcastDaemon

@Suite("journald log format")
struct JournaldLogHandlerTests {
    @Test func prioritiesFollowSyslog() {
        #expect(JournaldLogHandler.syslogPriority(.error) == 3)
        #expect(JournaldLogHandler.syslogPriority(.warning) == 4)
        #expect(JournaldLogHandler.syslogPriority(.info) == 6)
        #expect(JournaldLogHandler.syslogPriority(.debug) == 7)
    }

    @Test func valuesWithSpacesAreQuotedAndNewlinesEscaped() {
        #expect(JournaldLogHandler.quote("plain") == "plain")
        #expect(JournaldLogHandler.quote("two words") == "\"two words\"")
        #expect(JournaldLogHandler.quote("a\nb") == "a\\nb")
        #expect(JournaldLogHandler.quote("") == "\"\"")
    }

    @Test func styleFollowsJournalStream() {
        #expect(JournaldLogHandler.Style.detect(environment: ["JOURNAL_STREAM": "8:1234"]) == .journald)
        #expect(JournaldLogHandler.Style.detect(environment: [:]) == .terminal)
    }
}
