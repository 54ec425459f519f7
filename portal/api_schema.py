"""What every API operation really answers besides success, added to the OpenAPI schema drf-spectacular builds.

Errors are RFC 7807 problem+json (portal.errors.problem_exception_handler), so each error answer refers to one
`Problem` component. Added by a postprocessing hook from what the operation declares, so a new view is covered
without listing its errors by hand: a view may still declare a response itself (its description is kept).
"""

from __future__ import annotations

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Lỗi theo RFC 7807 (application/problem+json).",
    "properties": {
        "type": {
            "type": "string",
            "description": "Mã lỗi, dạng urn:problem:<mã>",
            "example": "urn:problem:not_found",
        },
        "title": {"type": "string", "description": "Thông báo cho người dùng, bằng tiếng Việt"},
        "status": {"type": "integer", "description": "Mã trạng thái HTTP"},
        "errors": {
            "type": "object",
            "additionalProperties": {},
            "description": "Lỗi theo từng trường khi dữ liệu gửi lên không hợp lệ",
        },
    },
    "required": ["type", "title", "status"],
    "additionalProperties": {},
}

DESCRIPTIONS = {
    "400": "Tham số hoặc dữ liệu gửi lên không hợp lệ",
    "403": "Chưa đăng nhập hoặc không có quyền",
    "404": "Không tìm thấy (hoặc không được xem)",
    "415": "Kiểu nội dung gửi lên không được hỗ trợ",
    "429": "Gửi quá nhiều yêu cầu, thử lại sau",
}


def _requires_login(operation: dict) -> bool:
    """Session authentication answers 403 (not 401) when the operation has no anonymous alternative."""
    security = operation.get("security")
    return bool(security) and {} not in security


def _expected_errors(path: str, operation: dict) -> set[str]:
    parameters = operation.get("parameters", [])
    errors = set()
    # Any parameter may be malformed (portal.middleware refuses a NUL byte anywhere with a 400).
    if operation.get("requestBody") or parameters:
        errors.add("400")
    if operation.get("requestBody"):
        errors.add("415")
    if _requires_login(operation):
        errors.add("403")
    # A path parameter names an object that may not exist (or is hidden); a page number may be past the end.
    if "{" in path or any(p["name"] == "page" for p in parameters):
        errors.add("404")
    return errors


def add_problem_responses(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOK: the Problem component and the error answers of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, methods in result.get("paths", {}).items():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for status in _expected_errors(path, operation):
                responses.setdefault(status, {"description": DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status.startswith("4"):
                    response["content"] = problem
                    if not response.get("description"):
                        response["description"] = DESCRIPTIONS.get(status, "")
            operation["responses"] = dict(sorted(responses.items()))
    return result
