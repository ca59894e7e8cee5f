"""The demo government. Names are fictional; offices follow the Government's real structure."""

ORGANISATIONS = [
    # (name, code used in document symbols, identifier: mã định danh, QCVN 102:2016). Only the
    # Government Office's 000.00.00.G22 and the Ministry of Finance's 000.00.00.G12 are published
    # identifiers (../shared/DOMAIN.md); the official list was not at hand for the others, which
    # are placeholders of the same shape. The Government's and the Prime Minister's documents
    # leave through the Government Office: their identifiers are placeholders under it.
    ("Chính phủ", "CP", "000.00.01.G22"),
    ("Thủ tướng Chính phủ", "TTg", "000.00.02.G22"),
    ("Văn phòng Chính phủ", "VPCP", "000.00.00.G22"),
    ("Bộ Tư pháp", "BTP", "000.00.00.G13"),
    ("Bộ Tài chính", "BTC", "000.00.00.G12"),
    ("Bộ Kế hoạch và Đầu tư", "BKHĐT", "000.00.00.G10"),
    ("Bộ Nội vụ", "BNV", "000.00.00.G09"),
    ("Ủy ban nhân dân thành phố Hà Nội", "UBND-HN", "000.00.00.H26"),
]

USERS = [
    # (e-mail, name, title, roles, organisation code)
    ("admin@ecabinet.gov.vn", "Quản trị hệ thống", "Quản trị hệ thống", ["admin"], "VPCP"),
    ("thutuong@ecabinet.gov.vn", "Trần Minh Quang", "Thủ tướng Chính phủ",
     ["member", "signer"], "TTg"),
    ("phothutuong@ecabinet.gov.vn", "Lê Thị Hồng Vân", "Phó Thủ tướng Chính phủ",
     ["member", "signer"], "TTg"),
    ("bt.tuphap@ecabinet.gov.vn", "Phạm Quốc Bảo", "Bộ trưởng Bộ Tư pháp", ["member"], "BTP"),
    ("bt.taichinh@ecabinet.gov.vn", "Nguyễn Thu Hà", "Bộ trưởng Bộ Tài chính", ["member"], "BTC"),
    ("bt.khdt@ecabinet.gov.vn", "Đỗ Văn Khánh", "Bộ trưởng Bộ Kế hoạch và Đầu tư",
     ["member"], "BKHĐT"),
    ("bt.noivu@ecabinet.gov.vn", "Hoàng Anh Tuấn", "Bộ trưởng Bộ Nội vụ", ["member"], "BNV"),
    ("thuky@ecabinet.gov.vn", "Vũ Thị Lan", "Chuyên viên Văn phòng Chính phủ, thư ký phiên họp",
     ["secretariat"], "VPCP"),
    ("vanthu@ecabinet.gov.vn", "Bùi Đức Long", "Văn thư Văn phòng Chính phủ", ["clerk"], "VPCP"),
    # Each ministry's liaison (đầu mối) reports on the tasks the Government assigns it.
    ("daumoi.taichinh@ecabinet.gov.vn", "Lê Văn Tài", "Chuyên viên Văn phòng Bộ Tài chính",
     ["liaison"], "BTC"),
    ("daumoi.tuphap@ecabinet.gov.vn", "Trần Thị Mai", "Chuyên viên Văn phòng Bộ Tư pháp",
     ["liaison"], "BTP"),
    ("daumoi.khdt@ecabinet.gov.vn", "Ngô Minh Đức",
     "Chuyên viên Văn phòng Bộ Kế hoạch và Đầu tư", ["liaison"], "BKHĐT"),
    ("khach@ecabinet.gov.vn", "Đinh Công Sơn", "Chủ tịch Ủy ban nhân dân thành phố Hà Nội",
     ["guest"], "UBND-HN"),
]

MEETING = {
    "title": "Phiên họp Chính phủ thường kỳ tháng 12 năm 2026",
    "location": "Phòng họp Chính phủ, Trụ sở Chính phủ, số 1 Hoàng Hoa Thám, Hà Nội",
    "days_ahead": 7,
    "hour": 8,
    "chair": "thutuong@ecabinet.gov.vn",
    "members": ["phothutuong@ecabinet.gov.vn", "bt.tuphap@ecabinet.gov.vn",
                "bt.taichinh@ecabinet.gov.vn", "bt.khdt@ecabinet.gov.vn",
                "bt.noivu@ecabinet.gov.vn"],
    "secretary": "thuky@ecabinet.gov.vn",
    "guest": "khach@ecabinet.gov.vn",
    "items": [
        # (title, presenting agency, minutes, guest invited, confidential)
        ("Báo cáo tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2026",
         "Bộ Kế hoạch và Đầu tư", 60, False, False),
        ("Dự án Luật Tổ chức chính quyền địa phương (sửa đổi)", "Bộ Nội vụ", 45, True, False),
        ("Dự thảo Nghị định quy định chi tiết một số điều của Luật Đầu tư công",
         "Bộ Kế hoạch và Đầu tư", 30, False, False),
        ("Phương án kiện toàn nhân sự một số cơ quan thuộc Chính phủ", "Bộ Nội vụ", 20, False,
         True),
    ],
}

POLL = {
    "question": "Xin ý kiến thành viên Chính phủ về dự thảo Nghị quyết của Chính phủ về các "
                "nhiệm vụ, giải pháp thúc đẩy giải ngân vốn đầu tư công năm 2026",
    "summary": "Bộ Kế hoạch và Đầu tư trình dự thảo Nghị quyết kèm Tờ trình và báo cáo thẩm định "
               "của Bộ Tư pháp. Đề nghị các thành viên Chính phủ cho ý kiến bằng phiếu.",
    "days_ahead": 5,
}

#: The liaisons of the demo's follow-up (ecabinet/tasks/demo.py): organisation → e-mail.
LIAISONS = {"Bộ Tài chính": "daumoi.taichinh@ecabinet.gov.vn",
            "Bộ Tư pháp": "daumoi.tuphap@ecabinet.gov.vn",
            "Bộ Kế hoạch và Đầu tư": "daumoi.khdt@ecabinet.gov.vn"}
