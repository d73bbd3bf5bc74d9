import CommcastCore
import Testing

@Suite("Bulletin levels")
struct BulletinLevelTests {
    @Test func precedence() {
        #expect(BulletinLevel.emergency > .priority)
        #expect(BulletinLevel.priority > .normal)
        #expect(BulletinLevel.allCases.sorted() == [.normal, .priority, .emergency])
    }

    @Test(arguments: [("normal", BulletinLevel.normal), ("PRIORITY", .priority), ("khẩn cấp", .emergency), ("ưu tiên", .priority)])
    func parsing(_ text: String, _ level: BulletinLevel) throws {
        #expect(try BulletinLevel(parsing: text) == level)
    }

    @Test func unknownLevelNamesTheChoices() {
        #expect(throws: ValueError(field: "level", value: "urgent", expected: "one of normal, priority, emergency")) {
            try BulletinLevel(parsing: "urgent")
        }
    }
}
