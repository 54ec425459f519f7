"""The indicator definitions of QĐ 766/QĐ-TTg (23/6/2022) as the national portal computes them (KPI766.md)."""

import datetime as dt

from django.db import migrations

SET_CODE = "qd766-2022"
TR, PR, ON, DG, PAY, SAT = (
    "transparency",
    "dvc-progress",
    "provide-online",
    "dossier-digitized",
    "online-payment",
    "handling-satisfaction",
)
# code, label, group, portal group, name, numerator, denominator, points, threshold, source, unit, full_when_empty, note
INDICATORS = [
    ("PUBLISH_ON_TIME", "1a", 1, TR, "Tỷ lệ TTHC công bố đúng hạn",
     "Số TTHC công bố đúng hạn (QĐ công bố ≤ ngày hiệu lực văn bản − 5 ngày làm việc)",
     "Tổng số TTHC đã công bố trong kỳ", 6, None, "publication_dates", "%", False,
     "Cần ngày hiệu lực của văn bản quy phạm pháp luật — chưa có trong hệ thống."),
    ("PUBLIC_UPDATE_ON_TIME", "1b", 1, TR, "Tỷ lệ TTHC được cập nhật, công khai đúng hạn",
     "Số TTHC công khai trên CSDLQG đúng hạn", "Số TTHC phải cập nhật, công khai trong kỳ",
     4, None, "publication_dates", "%", False, "Cần nhật ký công khai trên CSDL quốc gia."),
    ("PUBLIC_CONTENT_FULL", "1c", 1, TR, "Tỷ lệ TTHC công khai đầy đủ các bộ phận tạo thành",
     "Số TTHC đang áp dụng có đủ trình tự, cách thức, thành phần hồ sơ, thời hạn, cơ quan thực hiện",
     "Số TTHC đang áp dụng", 2, None, "public_content", "%", False, "k.2 Đ.8 NĐ 63/2010/NĐ-CP."),
    ("DOSSIER_SYNC", "1d", 1, TR, "Tỷ lệ hồ sơ đồng bộ lên Cổng DVC quốc gia",
     "Số hồ sơ có ngày tiếp nhận trong kỳ đã đồng bộ", "Số hồ sơ tiếp nhận trong kỳ",
     6, None, "national_sync", "%", False, "Cần nhật ký đồng bộ với Cổng DVC quốc gia."),
    ("ON_TIME", "2a", 2, PR, "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn",
     "Hồ sơ đã xử lý đúng, trước hạn + hồ sơ đang xử lý còn trong hạn (trừ thời gian bổ sung; "
     "yêu cầu bổ sung từ 2 lần trở lên tính quá hạn)",
     "Tổng số hồ sơ đã và đang xử lý trong kỳ", 20, None, "on_time", "%", False,
     "Phiếu xin lỗi không làm hồ sơ trễ hạn thành đúng hạn."),
    ("AVERAGE_TIME", "2b", 2, PR, "Thời gian giải quyết trung bình",
     "Tổng thời gian giải quyết các hồ sơ hoàn thành (trừ thời gian chờ bổ sung)",
     "Số hồ sơ hoàn thành trong kỳ", 0, None, "average_days", "ngày", False, "Chỉ số theo dõi, không tính điểm."),
    ("ONLINE_PROCEDURES", "3a", 3, ON, "Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến",
     "Số TTHC cung cấp DVCTT một phần hoặc toàn trình", "Số TTHC thuộc thẩm quyền",
     2, 80, "online_procedures", "%", False, "Đạt điểm tối đa từ 80%."),
    ("ONLINE_SERVICES_USED", "3b", 3, ON, "Tỷ lệ DVCTT có phát sinh hồ sơ",
     "Số DVCTT có hồ sơ nộp trực tuyến trong kỳ", "Số DVCTT đang cung cấp", 4, None,
     "online_services_used", "%", False, ""),
    ("ONLINE_SHARE", "3c", 3, ON, "Tỷ lệ hồ sơ nộp trực tuyến",
     "Số hồ sơ tiếp nhận trực tuyến trong kỳ", "Tổng số hồ sơ tiếp nhận trong kỳ", 6, 50,
     "online_share", "%", False, "Đạt điểm tối đa từ 50%."),
    ("FULL_ONLINE_SHARE", "3*", 3, ON, "Tỷ lệ hồ sơ trực tuyến toàn trình",
     "Số hồ sơ nộp trực tuyến của DVC toàn trình", "Tổng số hồ sơ tiếp nhận trong kỳ", 0, None,
     "full_online_share", "%", False, "Chỉ số theo dõi (chỉ tiêu của tỉnh), không tính điểm."),
    ("FEE_INTEGRATED", "3đ", 3, PAY, "Tỷ lệ TTHC có phí được tích hợp thanh toán trực tuyến",
     "Số TTHC có hồ sơ đồng bộ phí, lệ phí ≠ 0", "Số TTHC có phí, lệ phí ≠ 0", 2, 80,
     "payment_integration", "%", False, "Cần dữ liệu tích hợp thanh toán với Cổng DVC quốc gia."),
    ("FEE_TRANSACTIONS", "3đ'", 3, PAY, "Tỷ lệ TTHC có giao dịch thanh toán trực tuyến",
     "Số TTHC có phí có hồ sơ thanh toán trực tuyến trong kỳ", "Số TTHC có phí, lệ phí ≠ 0", 2, 80,
     "fee_transactions", "%", False, "Đạt điểm tối đa từ 80%."),
    ("PAID_ONLINE", "3e", 3, PAY, "Tỷ lệ hồ sơ thanh toán trực tuyến",
     "Số hồ sơ đã thanh toán trực tuyến (DuocThanhToanTrucTuyen)", "Số hồ sơ của TTHC có phí, lệ phí",
     6, None, "paid_online", "%", False, ""),
    ("ELECTRONIC_RESULTS", "4a", 4, DG, "Tỷ lệ hồ sơ có cấp kết quả giải quyết điện tử",
     "Số hồ sơ có kết quả điện tử (ký số)", "Số hồ sơ giải quyết có kết quả trong kỳ", 6, None,
     "electronic_results", "%", False, ""),
    ("DIGITISED", "4b", 4, DG, "Tỷ lệ hồ sơ thực hiện số hóa",
     "Số hồ sơ có thành phần hồ sơ điện tử (nộp trực tuyến hoặc được số hóa tại một cửa)",
     "Số hồ sơ tiếp nhận trong kỳ", 4, 80, "digitised", "%", False, "Đạt điểm tối đa từ 80%."),
    ("CERTIFIED_COPY", "4c", 4, DG, "Tỷ lệ cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính",
     "—", "—", 2, None, "certified_copies", "%", False, "Chưa có dịch vụ chứng thực điện tử."),
    ("REUSED", "4d", 4, DG, "Tỷ lệ hồ sơ khai thác, sử dụng lại dữ liệu số hóa",
     "Số hồ sơ có thành phần lấy từ Kho dữ liệu", "Số hồ sơ tiếp nhận trong kỳ", 2, 80, "reused", "%",
     False, "Đạt điểm tối đa từ 80%."),
    ("STORE_LINKED", "4đ", 4, DG, "Tỷ lệ hồ sơ số hóa có kết nối, chia sẻ dữ liệu phục vụ tái sử dụng",
     "Số hồ sơ lấy giấy tờ từ Kho dữ liệu hoặc có kết quả đưa vào Kho dữ liệu",
     "Số hồ sơ tiếp nhận trong kỳ", 4, None, "store_linked", "%", False, ""),
    ("CITIZEN_DATA_PROCEDURES", "4e", 4, DG, "Tỷ lệ TTHC triển khai kết nối, chia sẻ dữ liệu dân cư",
     "Số TTHC có hồ sơ dùng dữ liệu dân cư", "Số TTHC có đối tượng là công dân", 2, None,
     "population_procedures", "%", False, "Cần nhật ký khai thác CSDL quốc gia về dân cư."),
    ("CITIZEN_DATA_DOSSIERS", "4f", 4, DG, "Tỷ lệ hồ sơ sử dụng tài khoản định danh điện tử (VNeID)",
     "Số hồ sơ của tài khoản xác thực qua VNeID", "Số hồ sơ tiếp nhận trong kỳ", 2, None,
     "population_data", "%", False, ""),
    ("PETITION_ON_TIME", "5a", 5, SAT, "Tỷ lệ phản ánh, kiến nghị xử lý đúng hạn",
     "Số PAKN xử lý đúng hạn", "Số PAKN thuộc thẩm quyền", 6, None, "complaints", "%", True,
     "Cần dữ liệu phản ánh, kiến nghị."),
    ("PETITION_SATISFACTION", "5b", 5, SAT, "Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị",
     "Số PAKN không bị đánh giá không hài lòng", "Tổng số PAKN", 6, None, "complaints", "%", True,
     "Cần dữ liệu phản ánh, kiến nghị."),
    ("DOSSIER_SATISFACTION", "5c", 5, SAT, "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC",
     "100% − (tỷ lệ hồ sơ quá hạn + tỷ lệ hồ sơ có PAKN hoặc đánh giá không hài lòng)", "—", 6, 90,
     "surveys", "%", False, "Cần dữ liệu đánh giá mức độ hài lòng."),
]


def seed(apps, schema_editor):
    IndicatorSet = apps.get_model("reporting", "IndicatorSet")
    Indicator = apps.get_model("reporting", "Indicator")
    indicator_set, _ = IndicatorSet.objects.get_or_create(
        code=SET_CODE,
        defaults={
            "name": "Bộ chỉ số 766 (QĐ 766/QĐ-TTg ngày 23/6/2022, cách tính của Cổng DVC quốc gia)",
            "valid_from": dt.date(2022, 8, 1),
            "source_text": "Quyết định 766/QĐ-TTg; Mô tả công thức tính chỉ số 766 của Cổng DVC quốc gia.",
        },
    )
    for order, row in enumerate(INDICATORS, start=1):
        code, label, group, portal_group, name, num, den, points, threshold, source, unit, full, note = row
        Indicator.objects.update_or_create(
            indicator_set=indicator_set,
            code=code,
            defaults={
                "label": label,
                "group": group,
                "portal_group": portal_group,
                "order": order,
                "name": name,
                "numerator": num,
                "denominator": den,
                "points": points,
                "threshold": threshold,
                "source": source,
                "unit": unit,
                "full_when_empty": full,
                "source_text": note,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("reporting", "IndicatorSet").objects.filter(code=SET_CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_kpi_index")]

    operations = [migrations.RunPython(seed, unseed)]
