"""A citizen rates a delivered dossier; files a complaint, the department answers and the person reads the
published answer; books a desk slot on a phone, takes a queue number at the kiosk, and the desk calls it while
the public display shows the call."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dossiers.models import Appointment, Dossier, Feedback, SatisfactionSurvey

from .conftest import login

pytestmark = pytest.mark.e2e

CITIZEN = "056090001234"


@pytest.fixture
def voice_site(clock, demo_site):
    """The demo province with its catalogue and demo dossiers (one delivered to the demo citizen), desk slots
    and answered feedback, as `make run` shows them; background work runs in process."""
    import dossiers.demo
    import procedures.demo
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    procedures.demo.load()
    dossiers.demo.load()
    yield demo_site
    app.conf.task_always_eager = previous


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_a_citizen_rates_a_delivered_dossier(voice_site, page):
    base = voice_site.url
    dossier = Dossier.objects.filter(applicant__username=CITIZEN, state="delivered").first()
    assert dossier is not None, "the demo delivers one dossier to the demo citizen"
    login(page, base, CITIZEN)
    page.goto(f"{base}/ho-so/{dossier.pk}/")
    page.get_by_test_id("survey-invite").get_by_role("link", name="Đánh giá").click()
    fieldsets = page.locator("fieldset")
    expect(fieldsets).to_have_count(5)
    for index, answer in enumerate(["Rất hài lòng", "Hài lòng", "Rất hài lòng", "Bình thường", "Hài lòng"]):
        fieldsets.nth(index).get_by_label(answer, exact=True).check()
    page.get_by_label("Góp ý thêm (không bắt buộc)").fill("Trả kết quả nhanh, cán bộ nhiệt tình.")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_test_id("survey-done")).to_be_visible()
    survey = SatisfactionSurvey.objects.get(dossier=dossier)
    assert (survey.ease_of_access, survey.timeliness, survey.channel) == (5, 3, "online")
    page.goto(f"{base}/ho-so/danh-gia/{dossier.pk}/")
    expect(page.get_by_test_id("survey-done")).to_be_visible()  # once per dossier


def test_a_complaint_is_answered_and_published(voice_site, browser):
    base = voice_site.url
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    person = phone.new_page()
    person.goto(f"{base}/phan-anh-kien-nghi/gui/")
    person.get_by_label("Loại phản ánh, kiến nghị").select_option(label="Thủ tục hành chính")
    person.get_by_label("Tiêu đề").fill("Thời gian cấp phép xây dựng quá dài")
    person.get_by_role("textbox", name="Nội dung", exact=True).fill(
        "Đề nghị rút ngắn thời gian thẩm định hồ sơ cấp phép xây dựng."
    )
    person.get_by_label("Cơ quan liên quan (nếu có)").select_option(label="Sở Xây dựng")
    person.get_by_label("Họ và tên").fill("Lê Văn Phản")
    person.get_by_label("Số điện thoại di động").fill("0905123456")
    _no_horizontal_scroll(person)
    person.get_by_role("button", name="Gửi phản ánh").click()
    expect(person.get_by_test_id("feedback-status")).to_be_visible()
    feedback = Feedback.objects.get(title="Thời gian cấp phép xây dựng quá dài")
    expect(person.get_by_test_id("feedback-code")).to_have_text(feedback.code)
    follow_url = person.url

    officer = browser.new_page()
    login(officer, base, "lanhdaophong.sxd")
    officer.goto(f"{base}/phan-anh-kien-nghi/xu-ly/")
    officer.get_by_role("link", name=feedback.code).click()
    officer.get_by_label("Nội dung trả lời").fill(
        "Sở đã rà soát quy trình và rút ngắn thời gian thẩm định còn 12 ngày."
    )
    officer.get_by_role("button", name="Gửi trả lời").click()
    expect(officer.get_by_text("Đã gửi trả lời.")).to_be_visible()

    person.goto(follow_url)
    expect(person.get_by_test_id("feedback-answer")).to_contain_text("rút ngắn thời gian thẩm định")
    person.get_by_role("link", name="Xem trên trang công khai").click()
    expect(person.get_by_test_id("published-answer")).to_contain_text("12 ngày")
    person.goto(f"{base}/phan-anh-kien-nghi/")
    expect(person.get_by_role("link", name="Thời gian cấp phép xây dựng quá dài")).to_be_visible()
    _no_horizontal_scroll(person)
    phone.close()


def test_book_on_a_phone_take_a_number_and_the_desk_calls_it(voice_site, browser):
    base = voice_site.url
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    person = phone.new_page()
    person.goto(f"{base}/lich-hen/")
    person.get_by_label("Nơi tiếp nhận").select_option(
        label="Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa"
    )
    person.get_by_role("button", name="Tiếp tục").click()
    person.get_by_label("Lĩnh vực").select_option(index=1)
    person.get_by_role("button", name="Xem giờ còn chỗ").click()
    person.locator(".slot-grid label").first.click()  # the earliest time left today
    person.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    person.get_by_label("Số điện thoại di động").fill("0905111222")
    _no_horizontal_scroll(person)
    person.get_by_role("button", name="Đặt lịch").click()
    expect(person.get_by_role("heading", name="Đặt lịch thành công")).to_be_visible()
    expect(person.get_by_role("img", name="Mã QR của lịch hẹn")).to_be_visible()
    _no_horizontal_scroll(person)
    booking = Appointment.objects.get(phone="0905111222")
    expect(person.get_by_test_id("booking-code")).to_have_text(booking.code)

    screen = browser.new_page()  # the public display in the waiting hall
    screen.goto(f"{base}/lich-hen/man-hinh/000.00.15.H32/")
    expect(screen.get_by_text("Chưa gọi số nào hôm nay.")).to_be_visible()

    desk = browser.new_page()
    login(desk, base, "motcua")
    desk.goto(f"{base}/lich-hen/cap-so/")
    desk.get_by_label("Mã lịch hẹn (quét mã QR hoặc nhập)").fill(booking.code)
    desk.get_by_role("button", name="Lấy số theo lịch hẹn").click()
    expect(desk.get_by_test_id("ticket-number")).to_have_text("001")
    desk.get_by_role("button", name="Lấy số (không có lịch hẹn)").click()
    expect(desk.get_by_test_id("ticket-number")).to_have_text("002")

    desk.goto(f"{base}/lich-hen/goi-so/")
    desk.get_by_label("Quầy số").fill("3")
    desk.get_by_role("button", name="Gọi số tiếp theo").click()
    expect(desk.get_by_test_id("called")).to_contain_text("Mời số 001 đến quầy 3")
    expect(desk.get_by_test_id("called")).to_contain_text("Nguyễn Văn An")
    # the display polls and shows the call without a reload
    expect(screen.get_by_test_id("display-current")).to_have_text("001", timeout=15000)
    phone.close()
