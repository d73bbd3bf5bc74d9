import CommcastCore
import Testing

/// The zone path grammar (docs/scheduling.md, "Zone paths"), wherever a zone enters.
@Suite("Zone paths")
struct ZonePathTests {
    @Test(
        "names as stations write them are accepted and trimmed",
        arguments: ["tinh", "binh-phuoc/dong-xoai/tan-phu", " tinh / xa-a ", "tỉnh/xã-tân-phú", "tinh/ap_3", "tinh/ql13.km5"])
    func accepted(_ path: String) throws {
        let normalized = try ZonePath.normalize(path)
        #expect(!normalized.contains(" "))
        #expect(normalized.split(separator: "/").count == path.split(separator: "/").count)
    }

    @Test(
        "paths that could harm or confuse are refused with the grammar",
        arguments: [
            "", "..", "a/../b", "./a", "a//b", "/a", "a/", "Tinh/xa-a", "tinh/XA-A", "tinh/xa\ta", "tinh/xa\na", "tinh/xa a",
            "tinh/\u{1B}[2J", "tinh/-xa", String(repeating: "a", count: 65),
            (0..<11).map { "l\($0)" }.joined(separator: "/"),
        ])
    func refused(_ path: String) {
        let error = #expect(throws: ValueError.self) { try ZonePath.normalize(path, field: "path") }
        #expect(error?.field == "path")
        #expect(error?.expected.contains("lowercase letters, digits") == true)
        #expect(error?.value.contains("\u{1B}") == false, "no terminal escape is echoed back")
    }

    @Test("a 300-level path is refused, not stored to make a 2,000-column listing")
    func deepPath() {
        #expect(throws: ValueError.self) { try ZonePath.normalize((0..<300).map { "z\($0)" }.joined(separator: "/")) }
    }
}

/// Titles, names and reasons: printable, one line, nothing a terminal would obey.
@Suite("Printable text")
struct PrintableTextTests {
    @Test(
        "control characters and bidirectional overrides are refused, and the error shows them escaped",
        arguments: ["\u{1B}[2J\u{1B}[31mBão", "Họp\ndân", "Tab\there", "\u{202E}nóhc", "bell\u{07}", "del\u{7F}"])
    func refused(_ title: String) {
        let error = #expect(throws: ValueError.self) { try PrintableText.check(title, field: "title", maxLength: 200) }
        #expect(error?.field == "title")
        #expect(error?.value.unicodeScalars.contains(where: PrintableText.isForbidden) == false)
        #expect(error?.expected.contains("control character") == true)
    }

    @Test("Vietnamese titles pass, trimmed; empty and overlong ones are refused by length")
    func accepted() throws {
        #expect(
            try PrintableText.check("  Thông báo cắt điện 28/11 — UBND xã  ", field: "title", maxLength: 200) == "Thông báo cắt điện 28/11 — UBND xã")
        #expect(throws: ValueError.self) { try PrintableText.check("   ", field: "title", maxLength: 200) }
        #expect(throws: ValueError.self) { try PrintableText.check(String(repeating: "á", count: 201), field: "title", maxLength: 200) }
        #expect(PrintableText.displayed("a\u{1B}b") == "a\\u{1b}b")
    }
}
