/* errors.c: localised error messages (see errors.h). */
#include "http/errors.h"
#include "core/strbuf.h"

#include <string.h>
#include <strings.h>

typedef struct msg {
    const char *code;
    const char *zh;     /* may contain one %s: the detail (a field name) */
    const char *en;
} msg;

/* Codes whose detail names a request field, also sent as "field" for forms. */
static const char *const FIELD_CODES[] = {"missing_field", "invalid_type", "invalid_value", "too_long", NULL};

static int names_field(const char *code) {
    for (const char *const *c = FIELD_CODES; *c; c++)
        if (!strcmp(*c, code)) return 1;
    return 0;
}

static const msg CATALOGUE[] = {
    {"bad_json", "请求体不是有效的 JSON：%s", "The request body is not valid JSON: %s"},
    {"json_too_deep", "JSON 嵌套层级过深", "The JSON body is nested too deeply"},
    {"expected_object", "请求体必须是 JSON 对象", "The request body must be a JSON object"},
    {"missing_field", "缺少字段：%s", "Missing field: %s"},
    {"invalid_type", "字段类型错误：%s", "Wrong type for field: %s"},
    {"invalid_value", "字段取值无效：%s", "Invalid value for field: %s"},
    {"too_long", "字段过长：%s", "Field too long: %s"},
    {"body_too_large", "请求体过大", "The request body is too large"},
    {"unsupported_media_type", "请求体须为 application/json", "The request body must be application/json"},
    {"not_found", "未找到：%s", "Not found: %s"},
    {"method_not_allowed", "不支持该请求方法", "Method not allowed"},
    {"unauthenticated", "请先登录", "Please sign in"},
    {"session_expired", "登录已超时，请重新登录", "Your session has expired; please sign in again"},
    {"forbidden", "没有权限执行此操作", "You are not allowed to do this"},
    {"out_of_scope", "超出您的管辖范围", "This is outside your area of responsibility"},
    {"csrf_failed", "请求校验失败，请刷新页面后重试", "Request verification failed; reload the page and try again"},
    {"bad_credentials", "账号或密码错误", "Wrong login or password"},
    {"account_locked", "登录失败次数过多，账号已锁定 15 分钟", "Too many failed sign-ins; the account is locked for 15 minutes"},
    {"account_disabled", "账号已停用", "This account is disabled"},
    {"otp_required", "请输入动态验证码", "Enter the one-time code from your authenticator"},
    {"otp_invalid", "动态验证码错误", "Wrong one-time code"},
    {"totp_enrollment_required", "请先设置两步验证", "Set up two-factor sign-in first"},
    {"reauth_failed", "密码验证失败", "Password check failed"},
    {"weak_password", "密码至少 8 位，且包含大写字母、小写字母、数字、符号中的三类", "Passwords need at least 8 characters from 3 of: upper case, lower case, digits, symbols"},
    {"conflict", "与已有记录冲突：%s", "Conflicts with an existing record: %s"},
    {"constraint_failed", "数据不满足约束：%s", "The data violates a constraint: %s"},
    {"invalid_org_code", "区划代码须为 12 位数字", "A division code must have 12 digits"},
    {"invalid_parent", "上级节点无效：%s", "Invalid parent node: %s"},
    {"invalid_phone", "手机号码格式错误", "Invalid mobile phone number"},
    {"invalid_login", "登录名只能包含小写字母、数字、点、下划线和连字符（2 到 64 位）", "A login has 2-64 lower-case letters, digits, dots, underscores or hyphens"},
    {"invalid_id_number", "身份证号码无效（位数、出生日期或校验码错误）", "Invalid national ID number (length, birth date or check digit)"},
    {"duplicate_id_number", "该身份证号码已登记在其他成员名下", "This national ID number is already registered for another member"},
    {"busy", "系统繁忙，请稍后重试", "The server is busy; please try again"},
    {"db_unavailable", "数据库暂时不可用，请稍后重试", "The database is temporarily unavailable; please try again"},
    /* Household import and export (io/import*.c, api/imports.c, api/exports.c). */
    {"photo_unsupported_type", "请上传 JPEG、PNG 或 WebP 格式的照片", "Upload a JPEG, PNG or WebP photo"},
    {"photo_too_large", "照片不能超过 %s", "A photo may be at most %s"},
    {"import_empty_file", "上传的文件是空的", "The uploaded file is empty"},
    {"import_unsupported_type", "请上传 CSV 文件（text/csv）或 Excel 工作簿（.xlsx）", "Upload a CSV file (text/csv) or an Excel workbook (.xlsx)"},
    {"import_not_utf8", "CSV 文件不是 UTF-8 编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，或直接上传 .xlsx", "The CSV file is not UTF-8: save it as \"CSV UTF-8 (Comma delimited)\" in Excel, or upload the .xlsx"},
    {"import_bad_csv", "CSV 格式错误：%s", "Malformed CSV: %s"},
    {"import_not_xlsx", "不是有效的 .xlsx 工作簿：%s", "Not an .xlsx workbook: %s"},
    {"import_xls_unsupported", "不支持旧版 .xls 或加密的工作簿，请另存为 .xlsx 或 CSV UTF-8", "Old .xls and encrypted workbooks are not supported: save as .xlsx or CSV UTF-8"},
    {"import_bad_xlsx", "工作簿已损坏或无法读取：%s", "The workbook is damaged or cannot be read: %s"},
    {"import_too_large", "文件解压后过大：%s", "The file is too large once decompressed: %s"},
    {"import_no_header", "文件中没有表头行", "The file has no header row"},
    {"import_missing_column", "缺少必需的列：%s", "A required column is missing: %s"},
    {"import_duplicate_column", "列重复：%s", "A column appears twice: %s"},
    {"import_no_rows", "文件中没有数据行", "The file has no data rows"},
    {"import_too_many_rows", "行数超过上限 %s", "More rows than the limit of %s"},
    {"import_busy", "导入任务排队已满，请稍后重试", "Too many imports are waiting; please try again later"},
    {"import_running", "导入尚未完成", "The import has not finished yet"},
    {"import_interrupted", "导入因服务重启而中断，未写入任何数据，请重新导入", "The import was interrupted by a server restart and wrote nothing; please import again"},
    {"import_missing_value", "必填项为空", "A required value is missing"},
    {"import_bad_number", "户编号只能包含字母、数字和连字符（1 到 32 位）", "A household number has 1-32 letters, digits or hyphens"},
    {"import_unknown_org", "没有这个村组代码", "No village or group has this code"},
    {"import_not_village", "须填写村或组的代码，不能是县或乡镇", "Give a village's or a group's code, not a county's or a town's"},
    {"import_bad_coordinate", "坐标不是有效的数字", "The coordinate is not a valid number"},
    {"import_half_location", "纬度和经度须同时填写", "Give both latitude and longitude"},
    {"import_outside_county", "坐标不在本县范围内（纬度、经度是否填反？是否为 WGS-84 坐标？）", "The location lies outside the county (latitude and longitude swapped? not WGS-84?)"},
    {"import_bad_value", "不是允许的取值：%s", "Not one of the allowed values: %s"},
    {"import_bad_date", "日期无效（应为 YYYY-MM-DD 格式的真实日期，且不晚于今天）", "Invalid date (a real date as YYYY-MM-DD, not in the future)"},
    {"import_too_long", "内容过长", "Too long"},
    {"import_id_as_number", "身份证号被存成了数字（科学计数法）：请把该列设为文本格式后重新填写", "The ID number was stored as a number (scientific notation): format the column as text and enter it again"},
    {"import_duplicate_in_file", "与第 %s 行的身份证号重复", "The same ID number as line %s"},
    {"import_duplicate_in_db", "该身份证号已登记在其他户", "This ID number is already registered in another household"},
    {"import_conflicting_value", "与同一户第 %s 行填写的不一致", "Differs from line %s of the same household"},
    {"import_household_bad", "同一户第 %s 行有错误，整户未导入", "Line %s of the same household has an error, so the household is not imported"},
    {"import_two_heads", "一户只能有一位户主", "A household has only one head"},
    {"export_too_large", "导出行数超过上限 %s（Excel 的行数上限），请缩小筛选范围", "More rows than the limit of %s (Excel's): narrow the filters"},
    {"export_failed", "导出失败：%s", "Export failed: %s"},
    /* Duty supervision (duty/, api/duty_*.c), one block per file. */
    /* duty: check-ins and OsmAnd */
    {"unknown_device", "设备未登记或已停用，请在“我的设备”中登记设备标识", "Unknown or revoked device: register its identifier under My devices"},
    /* duty: spot checks and events */
    {"too_many_streams", "您打开的实时页面过多，请关闭一些页面后重试", "Too many live pages are open for your account; close some and try again"},
    {"spot_check_open", "该书记已有一个未完成的约请", "This secretary already has an open spot check"},
    {"spot_check_closed", "该约请已结束，无法再更改", "This spot check is over and can no longer be changed"},
    {"spot_no_secretaries", "该范围内没有可约请的第一书记（已停用、已有约请或已请假的除外）", "No secretary there can be asked (disabled ones, those with an open spot check and those on leave are left out)"},
    /* duty: rules */
    {"duty_unknown_field", "未知的设置项：%s", "Unknown setting: %s"},
    {"duty_too_many_windows", "签到时段最多 %s 个", "At most %s check-in windows"},
    {"duty_windows_overlap", "签到时段不能重叠", "Check-in windows must not overlap"},
    {"duty_day_outside_year", "日期 %s 不在该年份内", "The day %s is not in that year"},
    {"duty_duplicate_day", "日期 %s 重复", "The day %s appears twice"},
    {"duty_not_village", "只能为村设置电子围栏", "Only villages have a geofence"},
    {"duty_polygon_points", "围栏多边形须有 3 到 200 个顶点", "A fence polygon has 3 to 200 points"},
    {"duty_polygon_self_intersecting", "围栏多边形的边不能相交", "The edges of a fence polygon must not cross"},
    {"duty_leave_order", "结束日期不能早于开始日期", "The end day cannot be before the start day"},
    {"duty_leave_too_long", "一次请假或出差最多 %s 天", "A leave or trip lasts at most %s days"},
    {"duty_leave_overlap", "与已提交的请假或出差（编号 %s）时间重叠", "Overlaps the leave or trip already filed (number %s)"},
    {"duty_already_decided", "该记录已处理，不能再次处理", "This has already been decided"},
    /* duty: reports */
    {"duty_range_too_long", "日期范围不能超过 %s 天，请缩小范围", "The date range may cover at most %s days: narrow it"},
};

/* Bytes in the well-formed UTF-8 character at u, or 0 when it is not one. */
static size_t utf8_char(const unsigned char *u) {
    unsigned cp;
    size_t n;
    if (u[0] < 0x80) return 1;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) n = 2, cp = u[0] & 0x1Fu;
    else if (u[0] >= 0xE0 && u[0] <= 0xEF) n = 3, cp = u[0] & 0x0Fu;
    else if (u[0] >= 0xF0 && u[0] <= 0xF4) n = 4, cp = u[0] & 0x07u;
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) return 0;   /* also stops at the NUL */
        cp = cp << 6 | (u[i] & 0x3Fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

/* Append s with each byte that is not well-formed UTF-8 replaced by U+FFFD: a
** detail may be a %-decoded request path (any bytes) or cut mid-character by
** xerr's fixed buffer, and jansson refuses invalid UTF-8 (error_body would
** return NULL and the answer would be the body "null"). */
static void add_utf8(strbuf *sb, const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        size_t n = utf8_char(u);
        if (n) strbuf_add(sb, u, n);
        else strbuf_addstr(sb, "\xEF\xBF\xBD");
        u += n ? n : 1;
    }
}

const char *lang_from_header(const char *al) {
    if (!al) return "zh";
    /* The first language listed wins; browsers list the preferred one first. */
    while (*al == ' ') al++;
    return strncasecmp(al, "en", 2) == 0 ? "en" : "zh";
}

json_t *error_body(const xerr *e, const char *lang) {
    const msg *m = NULL;
    for (size_t i = 0; i < sizeof CATALOGUE / sizeof CATALOGUE[0]; i++)
        if (e->code && !strcmp(CATALOGUE[i].code, e->code)) m = &CATALOGUE[i];
    int en = !strcmp(lang, "en");
    strbuf sb = STRBUF_INIT, detail = STRBUF_INIT;
    add_utf8(&detail, e->detail);
    const char *code = e->code ? e->code : "internal";
    if (m) {
        const char *fmt = en ? m->en : m->zh;
        const char *pct = strstr(fmt, "%s");
        if (pct) {
            strbuf_add(&sb, fmt, (size_t)(pct - fmt));
            strbuf_addstr(&sb, strbuf_str(&detail));
            strbuf_addstr(&sb, pct + 2);
        } else {
            strbuf_addstr(&sb, fmt);
        }
    } else if (e->status >= 500) {
        strbuf_addstr(&sb, en ? "Internal server error" : "服务器内部错误");
        code = "internal";
    } else {
        strbuf_addstr(&sb, en ? "Request error" : "请求错误");
    }
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", strbuf_str(&sb));
    if (m && names_field(m->code) && e->detail[0])
        json_object_set_new(err, "field", json_string(strbuf_str(&detail)));
    strbuf_release(&sb);
    strbuf_release(&detail);
    return json_pack("{s:o}", "error", err);
}
