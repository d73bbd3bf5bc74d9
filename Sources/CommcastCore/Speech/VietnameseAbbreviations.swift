/// The written short forms of commune bulletins and how an announcer says them.
public enum VietnameseAbbreviations {
    /// Abbreviation → expansion, matched as whole words and case-sensitively
    /// (`TP` is a city, `Tp.` too, `tp` is nothing). A key ending in a dot may
    /// be glued to the next word (`TP.HCM`, `Tp.Đồng Xoài`).
    public static let table: [String: String] = [
        // Administration and the Party, the Front and the mass organisations.
        "UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân", "MTTQ": "Mặt trận Tổ quốc",
        "UBMTTQ": "Ủy ban Mặt trận Tổ quốc", "BCH": "Ban chỉ huy", "BCĐ": "Ban chỉ đạo", "BQL": "Ban quản lý",
        "BTV": "Ban thường vụ", "HCM": "Hồ Chí Minh", "TP.HCM": "Thành phố Hồ Chí Minh",
        "Tp.HCM": "Thành phố Hồ Chí Minh", "TPHCM": "Thành phố Hồ Chí Minh", "TP.": "thành phố", "TP": "thành phố",
        "Tp.": "thành phố", "Tp": "thành phố", "TX.": "thị xã", "TX": "thị xã", "TT.": "thị trấn",
        "Đ/c": "đồng chí", "đ/c": "đồng chí", "Đ/C": "đồng chí", "CCB": "Cựu chiến binh", "HND": "Hội Nông dân",
        "HLHPN": "Hội Liên hiệp Phụ nữ", "LHPN": "Liên hiệp Phụ nữ", "ĐTN": "Đoàn Thanh niên",
        "TNCS": "Thanh niên Cộng sản", "CAND": "Công an nhân dân", "QĐND": "Quân đội nhân dân",
        "CSGT": "cảnh sát giao thông", "KP": "khu phố", "TW": "trung ương", "HTX": "hợp tác xã",
        "NĐ-CP": "nghị định của Chính phủ", "QĐ-UBND": "quyết định của Ủy ban nhân dân",
        "NN&PTNT": "nông nghiệp và phát triển nông thôn", "TN&MT": "tài nguyên và môi trường",
        "GD&ĐT": "giáo dục và đào tạo", "LĐTB&XH": "lao động thương binh và xã hội", "VH-TT": "văn hóa thông tin",
        "KT-XH": "kinh tế xã hội", "ANTT": "an ninh trật tự", "TTHC": "thủ tục hành chính",
        // Safety, disaster, health.
        "PCCC": "phòng cháy chữa cháy", "PCTT": "phòng chống thiên tai", "TKCN": "tìm kiếm cứu nạn",
        "PCTT&TKCN": "phòng chống thiên tai và tìm kiếm cứu nạn", "ATTP": "an toàn thực phẩm",
        "ATGT": "an toàn giao thông", "TTATGT": "trật tự an toàn giao thông", "BHYT": "bảo hiểm y tế",
        "BHXH": "bảo hiểm xã hội", "COVID-19": "Cô-vít mười chín", "SXH": "sốt xuất huyết",
        // Schools, papers, land.
        "THPT": "trung học phổ thông", "THCS": "trung học cơ sở", "CMND": "chứng minh nhân dân",
        "CCCD": "căn cước công dân", "GCN": "giấy chứng nhận", "QSDĐ": "quyền sử dụng đất",
        "GPMB": "giải phóng mặt bằng", "SĐT": "số điện thoại", "ĐT:": "điện thoại:",
        // Roads (also glued to their number: QL13, ĐT.741).
        "QL": "quốc lộ", "ĐT": "đường tỉnh", "TL": "tỉnh lộ", "ĐH": "đường huyện", "HL": "hương lộ",
        // Money and the rest.
        "VNĐ": "đồng", "v.v.": "vân vân", "v.v": "vân vân",
    ]

    /// Road prefixes that are read before a number glued to them.
    static let roadPrefixes = ["QL", "ĐT", "TL", "ĐH", "HL"]

    /// How a capital letter is named when it stands alone (an initial, a house
    /// number's suffix): the names taught in Vietnamese schools.
    public static let letterNames: [Character: String] = [
        "A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "G": "giê", "H": "hát", "I": "i", "K": "ca",
        "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o", "P": "pê", "Q": "quy", "R": "e-rờ", "S": "ét-xì", "T": "tê",
        "U": "u", "V": "vê", "X": "ích-xì", "Y": "i dài",
    ]

    /// Single-letter place abbreviations before a place name (`P. Tân Phú`).
    static let placeLetters: [String: String] = ["P": "phường", "Q": "quận", "X": "xã", "H": "huyện", "T": "tỉnh"]
}
