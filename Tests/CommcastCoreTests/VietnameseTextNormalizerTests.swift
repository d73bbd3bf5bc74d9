import CommcastCore
import Testing

@Suite("Vietnamese text normaliser")
struct VietnameseTextNormalizerTests {
    let normalizer = VietnameseTextNormalizer()
    let reader = VietnameseNumberReader()

    @Test(arguments: [
        (0, "không"), (5, "năm"), (10, "mười"), (11, "mười một"), (15, "mười lăm"), (21, "hai mươi mốt"),
        (24, "hai mươi tư"), (25, "hai mươi lăm"), (105, "một trăm lẻ năm"), (110, "một trăm mười"),
        (1_005, "một ngàn không trăm lẻ năm"), (2_026, "hai ngàn không trăm hai mươi sáu"),
        (36_896, "ba mươi sáu ngàn tám trăm chín mươi sáu"), (1_661, "một ngàn sáu trăm sáu mươi mốt"),
        (1_000_000, "một triệu"), (2_500_000_000, "hai tỷ năm trăm triệu"),
    ])
    func numbers(_ n: Int, _ words: String) {
        #expect(reader.read(n) == words)
    }

    @Test func northernDialect() {
        #expect(VietnameseNumberReader(dialect: .northern).read(1_005) == "một nghìn không trăm linh năm")
    }

    @Test func realBulletinSentences() {
        #expect(
            normalizer.normalize("UBND xã thông báo: từ 7h30 ngày 22/11/2026, BCH PCTT xã tổ chức diễn tập.")
                == "Ủy ban nhân dân xã thông báo: từ bảy giờ ba mươi phút ngày hai mươi hai tháng mười một năm hai ngàn không trăm hai mươi sáu, Ban chỉ huy phòng chống thiên tai xã tổ chức diễn tập."
        )
        #expect(
            normalizer.normalize("Lượng mưa phổ biến 50-100 mm, có nơi trên 150 mm.")
                == "Lượng mưa phổ biến năm mươi đến một trăm mi li mét, có nơi trên một trăm năm mươi mi li mét.")
        #expect(
            normalizer.normalize("Nhiệt độ thấp nhất 18°C, độ ẩm 85%.")
                == "Nhiệt độ thấp nhất mười tám độ C, độ ẩm tám mươi lăm phần trăm.")
        #expect(
            normalizer.normalize("Mức hỗ trợ 1.500.000 đ mỗi hộ, diện tích 2,5 ha.")
                == "Mức hỗ trợ một triệu năm trăm ngàn đồng mỗi hộ, diện tích hai phẩy năm héc ta.")
        #expect(
            normalizer.normalize("Mọi thông tin liên hệ SĐT 0913 456 789 hoặc đội PCCC TP. Đồng Xoài.")
                == "Mọi thông tin liên hệ số điện thoại không chín một ba bốn năm sáu bảy tám chín hoặc đội phòng cháy chữa cháy thành phố Đồng Xoài."
        )
        #expect(
            normalizer.normalize("Họp HĐND lúc 14h ngày 5/12 tại hội trường.")
                == "Họp Hội đồng nhân dân lúc mười bốn giờ ngày mùng năm tháng mười hai tại hội trường.")
        #expect(
            normalizer.normalize("Cấm đường QL13 đoạn km 25, tốc độ tối đa 40 km/h.")
                == "Cấm đường quốc lộ mười ba đoạn ki lô mét hai mươi lăm, tốc độ tối đa bốn mươi ki lô mét một giờ.")
    }

    /// The defects found by trying the product (issue 14), one line each.
    @Test(arguments: [
        ("TP.HCM", "Thành phố Hồ Chí Minh"),
        ("1/5 dân số", "một phần năm dân số"),
        ("Ngày 5/12", "Ngày mùng năm tháng mười hai"),
        ("tháng 11/2026", "tháng mười một năm hai ngàn không trăm hai mươi sáu"),
        ("Đ/c Hùng", "đồng chí Hùng"),
        ("Tp. Đồng Xoài", "thành phố Đồng Xoài"),
    ])
    func reportedDefects(_ written: String, _ read: String) {
        #expect(normalizer.normalize(written) == read)
    }

    @Test func provinceCanExtendTheTable() {
        let n = VietnameseTextNormalizer(extraAbbreviations: ["BP": "Bình Phước", "UBND": "Ủy ban Nhân dân"])
        #expect(n.normalize("UBND tỉnh BP") == "Ủy ban Nhân dân tỉnh Bình Phước")
    }

    @Test func wordsContainingAbbreviationsAreLeftAlone() {
        #expect(normalizer.normalize("TPBank và KPI, UBNDX") == "TPBank và KPI, UBNDX")
    }
}
