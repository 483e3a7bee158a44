package httpapi

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// This file is the catalogue of what problem documents say, in English (as the code writes it) and in
// Vietnamese. A message is found by its English text; "{}" in a key stands for what is filled in at run
// time, and "{1}", "{2}" ... in the Vietnamese text for the first, second ... of those. The test in
// messages_scan_test.go fails when the code gives a caller a message that has no Vietnamese here.

// kindTitles are the problems' titles by type slug.
var kindTitles = map[string][2]string{
	"validation":             {"Invalid request", "Yêu cầu không hợp lệ"},
	"not-found":              {"Not found", "Không tìm thấy"},
	"conflict":               {"Conflict", "Xung đột trạng thái"},
	"stale":                  {"Precondition failed", "Dữ liệu đã thay đổi"},
	"unprocessable":          {"Unprocessable request", "Không thể xử lý yêu cầu"},
	"unauthenticated":        {"Authentication required", "Cần đăng nhập"},
	"forbidden":              {"Forbidden", "Không có quyền"},
	"rate-limited":           {"Too many requests", "Quá nhiều yêu cầu"},
	"unsupported-media-type": {"Unsupported media type", "Định dạng không được hỗ trợ"},
	"too-large":              {"Too large", "Quá lớn"},
	"unavailable":            {"Service temporarily unavailable", "Dịch vụ tạm thời gián đoạn"},
	"internal":               {"Internal server error", "Lỗi máy chủ"},
	"method-not-allowed":     {"Method not allowed", "Phương thức không được phép"},
}

// messagesVi maps the English texts of details and field errors to Vietnamese.
var messagesVi = map[string]string{
	// Titles written where a problem is made.
	"Invalid request":        "Yêu cầu không hợp lệ",
	"Internal server error":  "Lỗi máy chủ",
	"Not found":              "Không tìm thấy",
	"Method not allowed":     "Phương thức không được phép",
	"Unsupported media type": "Định dạng không được hỗ trợ",
	"Request body too large": "Nội dung yêu cầu quá lớn",

	// The HTTP layer.
	"Some fields are invalid; see errors.":                                             "Một số trường không hợp lệ; xem errors.",
	"Something went wrong on our side. Quote the request ID when you report it.":       "Đã có lỗi phía máy chủ. Vui lòng ghi lại mã yêu cầu (request_id) khi báo lỗi.",
	"A storage server does not answer right now. Nothing was changed; please retry.":   "Máy chủ lưu trữ hiện không phản hồi. Chưa có gì thay đổi; vui lòng thử lại.",
	"Sign in first: send Authorization: Bearer <access token>.":                        "Vui lòng đăng nhập trước: gửi Authorization: Bearer <access token>.",
	"The access token is invalid or expired; refresh it or sign in again.":             "Access token không hợp lệ hoặc đã hết hạn; hãy làm mới hoặc đăng nhập lại.",
	"Your role ({}) may not do this.":                                                  "Vai trò của bạn ({1}) không được thực hiện thao tác này.",
	"The console's session routes answer only pages of this server.":                   "Các đường dẫn phiên của trang quản trị chỉ phục vụ các trang của máy chủ này.",
	"No console session: sign in.":                                                     "Chưa có phiên làm việc trên trang quản trị: hãy đăng nhập.",
	"the SMS sink exists only in the dev stack (SMS_PROVIDER=sink)":                    "hộp thư SMS thử nghiệm chỉ có trong môi trường phát triển (SMS_PROVIDER=sink)",
	"pushes are recorded only with the in-process FCM stand-in (FCM_ENDPOINT=standin)": "thông báo đẩy chỉ được ghi lại khi dùng FCM giả lập trong tiến trình (FCM_ENDPOINT=standin)",
	"Unknown jurisdiction_id: this endpoint serves quangninh.gov.vn only.":             "jurisdiction_id không xác định: điểm truy cập này chỉ phục vụ quangninh.gov.vn.",
	"must not be before since":                                                         "không được trước since",
	"the first part must be `report` (JSON), before the photos":                        "phần đầu tiên phải là `report` (JSON), trước các ảnh",
	"the report part must not exceed 64 KiB":                                           "phần report không được vượt quá 64 KiB",
	"unexpected part; send `report` then one to six `photo` parts":                     "phần không mong đợi; hãy gửi `report` rồi từ một đến sáu phần `photo`",
	"is not valid JSON: {}":                                                            "không phải JSON hợp lệ: {1}",
	"list upload IDs only in JSON submissions; here send the photos as `photo` parts":  "chỉ liệt kê mã tải lên trong yêu cầu JSON; ở đây hãy gửi ảnh dưới dạng các phần `photo`",
	"the multipart body cannot be read: {}":                                            "không đọc được nội dung multipart: {1}",
	"the request body is too large":                                                    "nội dung yêu cầu quá lớn",
	"photo {} did not arrive in time":                                                  "ảnh {1} không đến kịp thời gian",
	"the upload was cut off; retry with the same Idempotency-Key":                      "việc tải lên bị ngắt giữa chừng; hãy thử lại với cùng Idempotency-Key",
	"There is no route {}; see /docs.":                                                 "Không có đường dẫn {1}; xem /docs.",
	"{} is not allowed on {}; see the Allow header.":                                   "Không cho phép {1} trên {2}; xem header Allow.",
	"must be the ETag of the report as you last read it, e.g. \"v3\"":                  "phải là ETag của phản ánh khi bạn đọc lần cuối, ví dụ \"v3\"",
	"Content-Type {} is not accepted here; send {}.":                                   "Content-Type {1} không được chấp nhận ở đây; hãy gửi {2}.",
	"cannot be parsed: {}{}":                                                           "không phân tích được: {1}{2}",
	"The body must not exceed {} bytes.":                                               "Nội dung không được vượt quá {1} byte.",
	"is required":                                                                      "là bắt buộc",

	// Accounts and sign-in.
	"this sign-in has ended (signed out everywhere, or the account changed); sign in again": "phiên đăng nhập này đã kết thúc (đã đăng xuất khỏi mọi thiết bị, hoặc tài khoản đã thay đổi); hãy đăng nhập lại",
	"the resident account of this number is disabled":                                       "tài khoản người dân của số điện thoại này đã bị khóa",
	"unknown or expired code; ask for a new one":                                            "mã không đúng hoặc đã hết hạn; hãy yêu cầu mã mới",
	"wrong code, {} tries left":                                                             "mã không đúng, còn {1} lần thử",
	"wrong code, no tries left; ask for a new code":                                         "mã không đúng, đã hết lượt thử; hãy yêu cầu mã mới",
	"too many wrong codes; ask for a new code":                                              "nhập sai mã quá nhiều lần; hãy yêu cầu mã mới",
	"the code has expired; ask for a new one":                                               "mã đã hết hạn; hãy yêu cầu mã mới",
	"this code was already used; ask for a new one":                                         "mã này đã được sử dụng; hãy yêu cầu mã mới",
	"too many codes were requested from this network; try again later":                      "đã yêu cầu quá nhiều mã từ mạng này; hãy thử lại sau",
	"a code was just sent to this number; wait before asking for another":                   "một mã vừa được gửi đến số này; hãy đợi trước khi yêu cầu mã khác",
	"too many codes were sent to this number; try again later":                              "đã gửi quá nhiều mã đến số này; hãy thử lại sau",
	"the SMS could not be sent; try again in a moment":                                      "không gửi được SMS; hãy thử lại sau giây lát",
	"must be a Vietnamese mobile number":                                                    "phải là số di động Việt Nam",
	"staff accounts are disabled by an admin, not deleted":                                  "tài khoản cán bộ do quản trị viên khóa, không tự xóa",
	"not valid UTF-8":                     "không phải UTF-8 hợp lệ",
	"must not be empty":                   "không được để trống",
	"at most 80 characters":               "tối đa 80 ký tự",
	"must not contain control characters": "không được chứa ký tự điều khiển",
	"must be vi or en":                    "phải là vi hoặc en",
	"this account no longer exists":       "tài khoản này không còn tồn tại",
	"this account is disabled":            "tài khoản này đã bị khóa",
	"this refresh token was already used; the session was signed out for safety, sign in again": "refresh token này đã được dùng; phiên đã bị đăng xuất để bảo đảm an toàn, hãy đăng nhập lại",
	"not a refresh token": "không phải refresh token",
	"the session has expired or was signed out; sign in again": "phiên đã hết hạn hoặc đã đăng xuất; hãy đăng nhập lại",
	"invalid refresh token": "refresh token không hợp lệ",
	"too many sign-in attempts on this account; wait before trying again":                  "đăng nhập vào tài khoản này quá nhiều lần; hãy đợi trước khi thử lại",
	"an agency admin may create officers only":                                             "quản trị viên cơ quan chỉ được tạo tài khoản cán bộ xử lý",
	"an agency admin may create officers of their own agency only":                         "quản trị viên cơ quan chỉ được tạo cán bộ của cơ quan mình",
	"wrong username or password":                                                           "sai tên đăng nhập hoặc mật khẩu",
	"only admins and agency admins create staff accounts":                                  "chỉ quản trị viên và quản trị viên cơ quan được tạo tài khoản cán bộ",
	"3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit": "từ 3 đến 64 ký tự gồm chữ thường, chữ số, '.', '_' hoặc '-', bắt đầu bằng chữ hoặc số",
	"must be officer, agency_admin, dispatcher, admin or call_taker":                       "phải là officer, agency_admin, dispatcher, admin hoặc call_taker",
	"required for {}":      "bắt buộc với {1}",
	"username {} is taken": "tên đăng nhập {1} đã được dùng",
	"only admins, agency admins and officers list staff accounts": "chỉ quản trị viên, quản trị viên cơ quan và cán bộ được xem danh sách tài khoản cán bộ",
	"only admins and agency admins manage staff accounts":         "chỉ quản trị viên và quản trị viên cơ quan được quản lý tài khoản cán bộ",
	"no such staff account":                                       "không có tài khoản cán bộ này",
	"an agency admin may change officers only":                    "quản trị viên cơ quan chỉ được sửa tài khoản cán bộ xử lý",
	"you cannot disable your own account":                         "bạn không thể tự khóa tài khoản của mình",
	"residents sign in with a code and have no password":          "người dân đăng nhập bằng mã và không có mật khẩu",
	"wrong password": "sai mật khẩu",
	"too many failed sign-ins from this network; try again later": "đăng nhập sai quá nhiều lần từ mạng này; hãy thử lại sau",
	"too many failed sign-ins; the account is locked for a while": "đăng nhập sai quá nhiều lần; tài khoản bị tạm khóa một thời gian",
	"too many failed sign-ins; wait before trying again":          "đăng nhập sai quá nhiều lần; hãy đợi trước khi thử lại",
	// Texts of internal/auth that reach a field error.
	"phone number is empty: {} has no digits":                                                                                         "số điện thoại trống: {1} không có chữ số",
	"phone number contains an invalid character: {} in {}":                                                                            "số điện thoại chứa ký tự không hợp lệ: {1} trong {2}",
	"phone number is not a Vietnamese number: {} has a foreign country code":                                                          "không phải số điện thoại Việt Nam: {1} có mã quốc gia nước ngoài",
	"phone number must start with 0, 84 or +84: {}":                                                                                   "số điện thoại phải bắt đầu bằng 0, 84 hoặc +84: {1}",
	"phone number is a landline, which cannot receive SMS: {}":                                                                        "số điện thoại là số cố định, không nhận được SMS: {1}",
	"phone number has the wrong number of digits: {} has {} digits after the leading 0, want 9":                                       "số điện thoại sai số chữ số: {1} có {2} chữ số sau số 0 đầu, cần 9",
	"phone number does not start with a Vietnamese mobile prefix: {} starts with 0{}; mobile numbers start with 03, 05, 07, 08 or 09": "số điện thoại không có đầu số di động Việt Nam: {1} bắt đầu bằng 0{2}; số di động bắt đầu bằng 03, 05, 07, 08 hoặc 09",
	"password is too short: {} characters, need at least {}":                                                                          "mật khẩu quá ngắn: {1} ký tự, cần ít nhất {2}",
	"password is too long: {} characters, at most {}":                                                                                 "mật khẩu quá dài: {1} ký tự, tối đa {2}",
	"password is not valid UTF-8":                                                                                                     "mật khẩu không phải UTF-8 hợp lệ",
	"password contains the username: choose a password that does not include your username":                                           "mật khẩu chứa tên đăng nhập: hãy chọn mật khẩu không có tên đăng nhập",
	"password is too common: it is on the list of passwords attackers try first":                                                      "mật khẩu quá phổ biến: nó nằm trong danh sách mật khẩu kẻ tấn công thử đầu tiên",
	"code must be 6 digits: got {} characters":                                                                                        "mã phải gồm 6 chữ số: nhận được {1} ký tự",
	"code must be 6 digits: got {}":                                                                                                   "mã phải gồm 6 chữ số: nhận được {1}",
	"invalid point: latitude {} outside [-90, 90]":                                                                                    "vị trí không hợp lệ: vĩ độ {1} nằm ngoài [-90, 90]",
	"invalid point: longitude {} outside [-180, 180]":                                                                                 "vị trí không hợp lệ: kinh độ {1} nằm ngoài [-180, 180]",

	// Audit trail, holidays, hotline.
	"agency admins read their own agency's trail only": "quản trị viên cơ quan chỉ được xem nhật ký của cơ quan mình",
	"only admins read the audit trail":                 "chỉ quản trị viên được xem nhật ký thao tác",
	"must be the next_cursor of a previous page":       "phải là next_cursor của trang trước",
	"must be after from":                               "phải sau from",
	"must be a date YYYY-MM-DD in {}":                  "phải là ngày YYYY-MM-DD trong năm {1}",
	"{} is not listed in {}":                           "{1} không có trong danh sách năm {2}",
	"the holidays of {} changed since you read them (they are now at \"v{}\"); reload and try again": "ngày nghỉ năm {1} đã thay đổi kể từ khi bạn đọc (hiện ở \"v{2}\"); hãy tải lại và thử lại",
	"at most {} days a year":           "tối đa {1} ngày mỗi năm",
	"must be a date YYYY-MM-DD":        "phải là ngày dạng YYYY-MM-DD",
	"{} is not in {}":                  "{1} không thuộc năm {2}",
	"{} is listed twice (also day {})": "{1} bị liệt kê hai lần (cũng là ngày thứ {2})",
	"must be one of holiday, compensatory, swapped_day_off, make_up_workday": "phải là một trong holiday, compensatory, swapped_day_off, make_up_workday",
	"a make-up working day must fall on a rest day; {} is a {}":              "ngày làm bù phải rơi vào ngày nghỉ; {1} là {2}",
	"must be valid UTF-8 text":              "phải là văn bản UTF-8 hợp lệ",
	"must be at most {} characters":         "tối đa {1} ký tự",
	"only call-takers file hotline reports": "chỉ tổng đài viên được tạo phản ánh qua đường dây nóng",

	// Storage and outside services.
	"the cooldown keeps changing; try again":             "thời gian chờ liên tục thay đổi; hãy thử lại",
	"your report count keeps changing; try again":        "số phản ánh của bạn liên tục thay đổi; hãy thử lại",
	"challenge not found":                                "không tìm thấy yêu cầu xác thực",
	"user not found":                                     "không tìm thấy người dùng",
	"the refresh token was exchanged by another request": "refresh token đã được đổi bởi một yêu cầu khác",
	"the refresh token is no longer current":             "refresh token không còn hiệu lực",
	"session not found":                                  "không tìm thấy phiên",
	"no override for {} in {}":                           "không có quy tắc điều chỉnh cho {1} tại {2}",
	"no failed notification with this ID":                "không có thông báo lỗi nào với mã này",
	"no partner {}":                                      "không có đối tác {1}",
	"no photo job due":                                   "không có việc xử lý ảnh nào đến hạn",
	"no such {}":                                         "không tìm thấy {1}",
	"{} already exists":                                  "{1} đã tồn tại",
	"the database does not answer":                       "cơ sở dữ liệu không phản hồi",
	"the queue is too busy; retry":                       "hàng đợi đang quá tải; hãy thử lại",
	"the photo bucket is missing":                        "không có kho lưu ảnh",
	"object not found":                                   "không tìm thấy đối tượng",
	"photo storage does not answer":                      "kho lưu ảnh không phản hồi",
	"the SMS gateway does not answer":                    "cổng SMS không phản hồi",
	"the SMS gateway is busy":                            "cổng SMS đang bận",

	// Devices.
	"must be an FCM registration token (8 to 4096 characters)": "phải là mã đăng ký FCM (từ 8 đến 4096 ký tự)",
	"must be android, ios or web":                              "phải là android, ios hoặc web",
	"must be at most 64 characters":                            "tối đa 64 ký tự",

	// Open311 (its error format stays; the descriptions follow Accept-Language too).
	"There is no service {}; see GET services.": "Không có dịch vụ {1}; xem GET services.",
	"at most {} IDs": "tối đa {1} mã",
	"must be a W3C date-time with its offset, e.g. 2025-12-01T00:00:00+07:00": "phải là thời điểm W3C có múi giờ, ví dụ 2025-12-01T00:00:00+07:00",
	"must not be before start_date":                                           "không được trước start_date",
	"the range may not span more than 90 days":                                "khoảng thời gian không được quá 90 ngày",
	"must be open, closed or both (comma separated)":                          "phải là open, closed hoặc cả hai (phân cách bằng dấu phẩy)",
	"There is no request {} you may see.":                                     "Không có yêu cầu {1} mà bạn được xem.",
	"not accepted here: photos come only through the app, places by lat and long, and the reporter by phone or email": "không được chấp nhận ở đây: ảnh chỉ gửi qua ứng dụng, địa điểm bằng lat và long, người phản ánh bằng phone hoặc email",
	"names are kept only with a way to reach the person: send phone or email too":                                     "họ tên chỉ được lưu kèm một cách liên hệ: hãy gửi cả phone hoặc email",
	"must be plain text of at most {} characters":                                                                     "phải là văn bản thuần, tối đa {1} ký tự",
	"must be one email address, such as lan.nguyen@example.vn":                                                        "phải là một địa chỉ email, ví dụ lan.nguyen@example.vn",
	"service_code: there is no service {}; see GET services.":                                                         "service_code: không có dịch vụ {1}; xem GET services.",
	"lat and long are required (WGS84 decimal degrees)":                                                               "bắt buộc có lat và long (độ thập phân WGS84)",
	"this service has no such attribute":                                                                              "dịch vụ này không có thuộc tính đó",
	"is required by this service; see its definition":                                                                 "là bắt buộc với dịch vụ này; xem định nghĩa của dịch vụ",
	"must be a number":            "phải là một số",
	"must be a W3C date-time":     "phải là thời điểm theo chuẩn W3C",
	"takes one value":             "chỉ nhận một giá trị",
	"{} is not one of its values": "{1} không thuộc các giá trị cho phép",
	"Invalid api_key: ask the province for one, or check it was not revoked.": "api_key không hợp lệ: hãy xin tỉnh cấp, hoặc kiểm tra khóa chưa bị thu hồi.",
	"Over this api_key's rate limit; try again after Retry-After seconds.":    "Vượt giới hạn tần suất của api_key này; hãy thử lại sau số giây trong Retry-After.",
	"must be 1 to 200 characters":                                             "phải từ 1 đến 200 ký tự",
	"must be 1 to 300 characters":                                             "phải từ 1 đến 300 ký tự",
	"must be 1 to 6000":                                                       "phải từ 1 đến 6000",

	// Public map and statistics.
	"must be four numbers: minLng,minLat,maxLng,maxLat": "phải gồm bốn số: minLng,minLat,maxLng,maxLat",
	"{} is not a number":                                  "{1} không phải là số",
	"longitudes must be between -180 and 180":             "kinh độ phải nằm trong khoảng -180 đến 180",
	"latitudes must be between -90 and 90":                "vĩ độ phải nằm trong khoảng -90 đến 90",
	"min must be below max (minLng,minLat,maxLng,maxLat)": "giá trị min phải nhỏ hơn max (minLng,minLat,maxLng,maxLat)",
	"No public report has this code.":                     "Không có phản ánh công khai nào mang mã này.",
	"must not be before from":                             "không được trước from",
	"the range must be at most {} days (it is {})":        "khoảng thời gian tối đa {1} ngày (hiện là {2})",

	// Reply templates.
	"a template stays with its agency ({})":                                   "mẫu trả lời thuộc về cơ quan của nó ({1})",
	"someone changed the template since you read it; reload it and try again": "người khác đã sửa mẫu này kể từ khi bạn đọc; hãy tải lại và thử lại",
	"no such template": "không có mẫu trả lời này",
	"agency admins manage their own agency's templates only": "quản trị viên cơ quan chỉ quản lý mẫu trả lời của cơ quan mình",
	"name the agency the template belongs to":                "hãy nêu cơ quan sở hữu mẫu trả lời",
	"no such agency": "không có cơ quan này",
	"only agency admins and admins manage reply templates":                                           "chỉ quản trị viên cơ quan và quản trị viên được quản lý mẫu trả lời",
	"unknown category; see GET /v1/categories":                                                       "lĩnh vực không xác định; xem GET /v1/categories",
	"must be at most {} characters (it has {})":                                                      "tối đa {1} ký tự (hiện có {2})",
	"someone changed the template since you read it (it is now at \"v{}\"); reload it and try again": "người khác đã sửa mẫu này kể từ khi bạn đọc (hiện ở \"v{1}\"); hãy tải lại và thử lại",
	"name the agency whose templates to list":                                                        "hãy nêu cơ quan cần liệt kê mẫu trả lời",

	// Reports and tickets.
	"must be one of accept, assign, transfer": "phải là một trong accept, assign, transfer",
	"name at least one ticket":                "hãy nêu ít nhất một phiếu",
	"at most {} tickets at once":              "tối đa {1} phiếu mỗi lần",
	"names a ticket already in the selection": "phiếu này đã có trong danh sách chọn",
	"someone acted on the report since you read it (it is now at {}); reload it and try again":                                   "người khác đã thao tác trên phản ánh kể từ khi bạn đọc (hiện ở {1}); hãy tải lại và thử lại",
	"only a resolution carries after photos":                                                                                     "chỉ khi hoàn thành xử lý mới kèm ảnh kết quả",
	"the report is being changed by others right now; reload it and try again":                                                   "phản ánh đang được người khác thay đổi; hãy tải lại và thử lại",
	"no report has the code {}":                                                                                                  "không có phản ánh nào mang mã {1}",
	"{} was rejected; mark the report as a duplicate of a report still handled":                                                  "{1} đã bị từ chối; hãy đánh dấu trùng với một phản ánh còn đang xử lý",
	"{} is itself a duplicate of {}; use that code":                                                                              "{1} là bản trùng của {2}; hãy dùng mã đó",
	"only call-takers file reports for residents, with uploaded photos":                                                          "chỉ tổng đài viên được gửi phản ánh thay người dân, kèm ảnh đã tải lên",
	"is required: pick the place on the map":                                                                                     "là bắt buộc: hãy chọn vị trí trên bản đồ",
	"send {} to {} photos":                                                                                                       "hãy gửi từ {1} đến {2} ảnh",
	"list {} to {} upload IDs from POST /v1/uploads (or send a multipart request)":                                               "hãy liệt kê từ {1} đến {2} mã tải lên từ POST /v1/uploads (hoặc gửi yêu cầu multipart)",
	"This Idempotency-Key was already used for a different report; use a new key for a new report.":                              "Idempotency-Key này đã được dùng cho một phản ánh khác; hãy dùng khóa mới cho phản ánh mới.",
	"is required: the first photo carries no GPS position":                                                                       "là bắt buộc: ảnh đầu tiên không có vị trí GPS",
	"The location is outside Quảng Ninh province and its coastal waters; reports can only be sent for places in the province.":   "Vị trí nằm ngoài tỉnh Quảng Ninh và vùng biển của tỉnh; chỉ gửi được phản ánh cho các địa điểm trong tỉnh.",
	"The location is outside Quảng Ninh province (and its coastal waters); reports can only be sent for places in the province.": "Vị trí nằm ngoài tỉnh Quảng Ninh (và vùng biển của tỉnh); chỉ gửi được phản ánh cho các địa điểm trong tỉnh.",
	"The first photo was taken outside Quảng Ninh province (by its GPS position); send the location of the problem.":             "Ảnh đầu tiên được chụp ngoài tỉnh Quảng Ninh (theo vị trí GPS); hãy gửi vị trí của sự việc.",
	"is listed twice": "bị liệt kê hai lần",
	"this upload belongs to another report already; ask for a new one for each photo": "lượt tải lên này đã thuộc về một phản ánh khác; hãy xin lượt mới cho mỗi ảnh",
	"{} is not a JPEG, PNG, WebP or HEIC image (judged from its bytes)":               "{1} không phải ảnh JPEG, PNG, WebP hoặc HEIC (xét theo nội dung tệp)",
	"{} is larger than {} MB":        "{1} lớn hơn {2} MB",
	"{} has more than 50 megapixels": "{1} có hơn 50 megapixel",
	"{} has too many pixels for its format to be processed (decoded, it would take more than {} MB); send it as a JPEG, or smaller": "{1} có quá nhiều điểm ảnh để xử lý với định dạng này (khi giải mã sẽ chiếm hơn {2} MB); hãy gửi dạng JPEG hoặc ảnh nhỏ hơn",
	"{} cannot be read: the image is damaged or truncated":                                                                          "không đọc được {1}: ảnh bị hỏng hoặc không đầy đủ",
	"a photo may have at most {} bytes":                                                                                             "mỗi ảnh tối đa {1} byte",
	"unknown service":                                                                                                               "dịch vụ không xác định",
	"lat and long are required":                                                                                                     "bắt buộc có lat và long",
	"the report is {}; only open reports can be followed":                                                                           "phản ánh đang ở trạng thái {1}; chỉ theo dõi được phản ánh đang mở",
	"you do not follow this report":                                                                                                 "bạn không theo dõi phản ánh này",
	"is not a cursor this API gave out":                                                                                             "không phải con trỏ trang do API này cấp",
	"must be {} to {} characters (it has {})":                                                                                       "phải từ {1} đến {2} ký tự (hiện có {3})",
	"must be plain text: HTML is not accepted":                                                                                      "phải là văn bản thuần: không chấp nhận HTML",
	"must be between -90 and 90":                                                                                                    "phải nằm trong khoảng -90 đến 90",
	"must be between -180 and 180":                                                                                                  "phải nằm trong khoảng -180 đến 180",
	"must not be negative":                                                                                                          "không được âm",
	"no such upload (it may have expired); ask for a new one":                                                                       "không có lượt tải lên này (có thể đã hết hạn); hãy xin lượt mới",
	"nothing was uploaded to this slot yet; PUT the photo to its URL first":                                                         "chưa có gì được tải lên lượt này; hãy PUT ảnh lên URL của nó trước",
	"the uploaded object is not a photo that can be read (JPEG, PNG, WebP or HEIC)":                                                 "tệp đã tải lên không phải ảnh đọc được (JPEG, PNG, WebP hoặc HEIC)",
	"photo storage failed while reading {}":                                                                                         "kho lưu ảnh gặp lỗi khi đọc {1}",
	"unknown action {}":                                                                                                             "thao tác không xác định {1}",
	"the {} role may not {} a report":                                                                                               "vai trò {1} không được {2} phản ánh",
	"no such report":                                                                                                                "không có phản ánh này",
	"only the reporter may act on a report; followers may not":                                                                      "chỉ người gửi phản ánh được thao tác; người theo dõi thì không",
	"administrators may read reports but not act on them":                                                                           "quản trị viên được xem nhưng không được thao tác trên phản ánh",
	"role {} may not act on reports":                                                                                                "vai trò {1} không được thao tác trên phản ánh",
	"cannot {} a report that is {}; allowed from {}: {}":                                                                            "không thể {1} phản ánh đang ở trạng thái {2}; được phép từ {3}: {4}",
	"{} is required":                                                                                                                "{1} là bắt buộc",
	"the reporter may answer the resolution until {}":                                                                               "người phản ánh được phản hồi kết quả xử lý đến {1}",
	"at least one photo of the result is required for this category":                                                                "lĩnh vực này cần ít nhất một ảnh kết quả",
	"at most {} photos":                                                                                                             "tối đa {1} ảnh",
	"photo IDs must not be empty":                                                                                                   "mã ảnh không được để trống",
	"must be one of duplicate, not_a_problem, insufficient_info, abusive":                                                           "phải là một trong duplicate, not_a_problem, insufficient_info, abusive",
	"the code of the original report is required":                                                                                   "bắt buộc có mã của phản ánh gốc",
	"a report cannot duplicate itself":                                                                                              "phản ánh không thể trùng với chính nó",
	"the agency to transfer to is required":                                                                                         "bắt buộc có cơ quan nhận chuyển",
	"the report is already with this agency":                                                                                        "phản ánh đã ở cơ quan này",
	"whom to assign the ticket to is required (your own ID to take it)":                                                             "bắt buộc có người được giao phiếu (mã của bạn để tự nhận)",
	"must be an enabled officer or agency admin of the agency handling the ticket ({})":                                             "phải là cán bộ hoặc quản trị viên đang hoạt động của cơ quan xử lý phiếu ({1})",
	"the ticket is already assigned to {}":                                                                                          "phiếu đã được giao cho {1}",
	"must be from 1 to 5":                                                                                                           "phải từ 1 đến 5",
	"this resolution is already rated":                                                                                              "kết quả xử lý này đã được đánh giá",
	"the report was already escalated":                                                                                              "phản ánh đã được báo cáo cấp trên",
	"the report is not overdue":                                                                                                     "phản ánh chưa quá hạn",
	"the report has no deadline running":                                                                                            "phản ánh không có hạn xử lý đang chạy",
	"the deadline {} was already warned of":                                                                                         "đã cảnh báo hạn {1}",
	"the deadline {} has passed":                                                                                                    "hạn {1} đã qua",
	"the deadline {} is not near yet":                                                                                               "hạn {1} chưa đến gần",
	"the 7-day window closed on {}":                                                                                                 "thời hạn 7 ngày đã kết thúc lúc {1}",
	"the report is already marked complex":                                                                                          "phản ánh đã được đánh dấu phức tạp",
	"the report is already hidden":                                                                                                  "phản ánh đã bị ẩn",
	"the report is not hidden":                                                                                                      "phản ánh không bị ẩn",
	"you hold as many upload slots as a resident may; use them in a report, or wait for them to expire": "bạn đã giữ số lượt tải lên tối đa của một người dân; hãy dùng chúng trong một phản ánh, hoặc đợi chúng hết hạn",
	"you sent as many reports this hour as a resident may; try again later":                             "bạn đã gửi số phản ánh tối đa trong giờ này; hãy thử lại sau",
	"you sent as many reports today as a resident may; try again tomorrow":                              "bạn đã gửi số phản ánh tối đa trong hôm nay; hãy thử lại vào ngày mai",

	// Routing.
	"unknown category {}; see GET /v1/categories": "lĩnh vực không xác định {1}; xem GET /v1/categories",
	"unknown category":                            "lĩnh vực không xác định",
	"unknown commune code":                        "mã xã/phường không xác định",
	"unknown agency":                              "cơ quan không xác định",
	"the catalogue would become inconsistent: {}": "danh mục sẽ trở nên không nhất quán: {1}",

	// Request validation against the spec (kin-openapi's texts).
	"property {} is missing":                         "thiếu thuộc tính {1}",
	"property {} is unsupported":                     "thuộc tính {1} không được hỗ trợ",
	"value must be a string":                         "giá trị phải là chuỗi",
	"value must be an object":                        "giá trị phải là đối tượng",
	"value must be an array":                         "giá trị phải là mảng",
	"value must be a number":                         "giá trị phải là số",
	"value must be an integer":                       "giá trị phải là số nguyên",
	"value must be a boolean":                        "giá trị phải là true hoặc false",
	"value is not one of the allowed values {}":      "giá trị không thuộc các giá trị cho phép {1}",
	"minimum string length is {}":                    "độ dài chuỗi tối thiểu là {1}",
	"maximum string length is {}":                    "độ dài chuỗi tối đa là {1}",
	"minimum number of items is {}":                  "số phần tử tối thiểu là {1}",
	"maximum number of items is {}":                  "số phần tử tối đa là {1}",
	"number must be at least {}":                     "số phải ít nhất là {1}",
	"number must be at most {}":                      "số phải nhiều nhất là {1}",
	"there must be at least {} properties":           "phải có ít nhất {1} thuộc tính",
	"there must be at most {} properties":            "phải có nhiều nhất {1} thuộc tính",
	"string doesn't match the regular expression {}": "chuỗi không khớp biểu thức {1}",
	"string doesn't match the format {}":             "chuỗi không đúng định dạng {1}",
	"value is required but missing":                  "giá trị là bắt buộc nhưng bị thiếu",
	"header Content-Type has unexpected value {}":    "header Content-Type có giá trị không mong đợi {1}",
	"Value is not nullable":                          "giá trị không được là null",
	"duplicate items found":                          "có phần tử bị lặp",
}

// viPattern is a catalogue entry with parts filled in at run time.
type viPattern struct {
	re *regexp.Regexp
	vi string
}

var (
	patternsOnce sync.Once
	viPatterns   []viPattern
)

func patterns() []viPattern {
	patternsOnce.Do(func() {
		for en, vi := range messagesVi {
			if !strings.Contains(en, "{}") {
				continue
			}
			parts := strings.Split(en, "{}")
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			viPatterns = append(viPatterns, viPattern{regexp.MustCompile("^" + strings.Join(parts, "(.*?)") + "$"), vi})
		}
		// Longer templates first: the most specific one wins ("{} is required" after "is required: …").
		slices.SortFunc(viPatterns, func(a, b viPattern) int { return len(b.re.String()) - len(a.re.String()) })
	})
	return viPatterns
}

// vietnamese returns the Vietnamese text of an English message, and false when the catalogue has none
// (a library's text the catalogue does not know: it stays English).
func vietnamese(en string) (string, bool) {
	if en == "" {
		return "", true
	}
	if vi, ok := messagesVi[en]; ok && !strings.Contains(en, "{}") {
		return vi, true
	}
	for _, p := range patterns() {
		m := p.re.FindStringSubmatch(en)
		if m == nil {
			continue
		}
		out := p.vi
		for i := len(m) - 1; i >= 1; i-- { // {10} before {1}
			out = strings.ReplaceAll(out, "{"+strconv.Itoa(i)+"}", m[i])
		}
		return out, true
	}
	return en, false
}
