// Every string the console shows, in Vietnamese and English. The English table has the Vietnamese one's
// type, so a key missing from either fails tsc. Statuses, actions and roles come from the API's enums.
import type { components } from './gen/schema';

type Status = components['schemas']['ReportStatus'];
type Role = components['schemas']['Role'];

const vi = {
  appName: 'Bảng điều khiển cán bộ — Smart Quảng Ninh',
  language: 'Ngôn ngữ',
  signIn: 'Đăng nhập',
  signingIn: 'Đang đăng nhập…',
  username: 'Tên đăng nhập',
  password: 'Mật khẩu',
  signOut: 'Đăng xuất',
  signedOutTitle: 'Phiên làm việc đã kết thúc',
  signedOutText: 'Bạn đã bị đăng xuất. Nếu tài khoản bị vô hiệu hoá, hãy liên hệ quản trị viên.',
  signInAgain: 'Đăng nhập lại',
  loading: 'Đang tải…',
  error: 'Lỗi',
  retry: 'Thử lại',
  nav: 'Điều hướng chính',
  queue: 'Hàng đợi',
  dashboard: 'Tổng quan',
  admin: 'Quản trị',
  filters: 'Bộ lọc',
  status: 'Trạng thái',
  category: 'Lĩnh vực',
  commune: 'Xã/phường',
  agency: 'Cơ quan',
  all: 'Tất cả',
  overdueOnly: 'Chỉ quá hạn',
  countsPerStatus: 'Số phiếu theo trạng thái',
  tickets: 'Phiếu',
  noTickets: 'Không có phiếu nào.',
  code: 'Mã',
  deadline: 'Hạn',
  created: 'Nhận lúc',
  overdue: 'Quá hạn',
  urgent: 'Khẩn',
  escalations: 'Quá hạn, đã chuyển cấp trên',
  otherTickets: 'Các phiếu khác',
  refreshedAt: 'Cập nhật lúc {time}',
  more: 'Xem thêm',
  back: 'Quay lại hàng đợi',
  ticket: 'Phiếu {code}',
  description: 'Mô tả',
  location: 'Vị trí',
  address: 'Địa chỉ',
  routing: 'Phân công',
  photosBefore: 'Ảnh người dân gửi',
  photosAfter: 'Ảnh sau khi xử lý',
  noPhotos: 'Không có ảnh.',
  photoProcessing: 'Ảnh đang được xử lý',
  timeline: 'Diễn biến',
  residentAnswers: 'Trả lời của người dân',
  noAnswers: 'Chưa có trả lời.',
  publicComments: 'Bình luận công khai',
  internalComments: 'Bình luận nội bộ',
  noComments: 'Chưa có bình luận.',
  acceptBy: 'Hạn tiếp nhận',
  resolveBy: 'Hạn giải quyết',
  timeLeft: 'còn {time}',
  timeOver: 'quá {time}',
  hoursMinutes: '{h} giờ {m} phút',
  daysHours: '{d} ngày {h} giờ',
  actions: 'Thao tác',
  noActions: 'Không có thao tác nào ở trạng thái này.',
  note: 'Nội dung',
  replyToResident: 'Trả lời người dân',
  commentPublic: 'Người dân xem được',
  rejectReason: 'Lý do từ chối',
  duplicateOf: 'Trùng với mã',
  toAgency: 'Chuyển đến cơ quan',
  afterPhoto: 'Ảnh sau khi xử lý',
  uploadProgress: 'Đang tải ảnh lên: {pct}%',
  uploadDone: 'Đã tải ảnh lên',
  uploadFailed: 'Không tải được ảnh lên: {detail}',
  send: 'Thực hiện',
  done: 'Đã thực hiện: {action}',
  staleTitle: 'Phiếu vừa được người khác thay đổi; đã tải lại.',
  staleStatus: 'Trạng thái: {from} → {to}',
  staleEntries: 'Mới trong diễn biến: {list}',
  staleNothing: 'Phiên bản đã thay đổi.',
  notAllowed: 'Không được phép: {detail}',
  mapOf: 'Bản đồ vị trí phiếu',
  openPerAgency: 'Phiếu đang mở và quá hạn theo cơ quan',
  open: 'Đang mở',
  onTime30: 'Đúng hạn (30 ngày)',
  mapOpenTickets: 'Bản đồ phiếu đang mở theo xã/phường',
  total: 'Tổng',
  staff: 'Tài khoản cán bộ',
  role: 'Vai trò',
  displayName: 'Tên hiển thị',
  disabled: 'Đã vô hiệu hoá',
  active: 'Đang hoạt động',
  disable: 'Vô hiệu hoá',
  enable: 'Kích hoạt',
  createStaff: 'Tạo tài khoản',
  create: 'Tạo',
  agencies: 'Cơ quan',
  kind: 'Loại',
  categories: 'Lĩnh vực',
  deadlineClass: 'Loại hạn',
  sensitive: 'Nhạy cảm',
  routingOverrides: 'Phân công ngoại lệ',
  add: 'Thêm',
  remove: 'Xoá',
  holidays: 'Ngày nghỉ lễ',
  year: 'Năm',
  date: 'Ngày',
  name: 'Tên',
  failedNotifications: 'Thông báo gửi lỗi',
  attempts: 'Số lần thử',
  lastError: 'Lỗi gần nhất',
  resend: 'Gửi lại',
  queued: 'Đã xếp lịch gửi lại',
  none: 'Không có.',
  yes: 'Có',
  no: 'Không',
  saved: 'Đã lưu',
} as const;

type Strings = { [K in keyof typeof vi]: string };

const en: Strings = {
  appName: 'Staff console — Smart Quảng Ninh',
  language: 'Language',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  username: 'Username',
  password: 'Password',
  signOut: 'Sign out',
  signedOutTitle: 'Your session has ended',
  signedOutText: 'You have been signed out. If your account was disabled, ask an administrator.',
  signInAgain: 'Sign in again',
  loading: 'Loading…',
  error: 'Error',
  retry: 'Retry',
  nav: 'Main navigation',
  queue: 'Queue',
  dashboard: 'Dashboard',
  admin: 'Administration',
  filters: 'Filters',
  status: 'Status',
  category: 'Category',
  commune: 'Commune',
  agency: 'Agency',
  all: 'All',
  overdueOnly: 'Overdue only',
  countsPerStatus: 'Tickets per status',
  tickets: 'Tickets',
  noTickets: 'No tickets.',
  code: 'Code',
  deadline: 'Deadline',
  created: 'Received',
  overdue: 'Overdue',
  urgent: 'Urgent',
  escalations: 'Overdue, escalated',
  otherTickets: 'Other tickets',
  refreshedAt: 'Updated at {time}',
  more: 'Show more',
  back: 'Back to the queue',
  ticket: 'Ticket {code}',
  description: 'Description',
  location: 'Location',
  address: 'Address',
  routing: 'Routing',
  photosBefore: "Resident's photos",
  photosAfter: 'Photos after the work',
  noPhotos: 'No photos.',
  photoProcessing: 'Photo being processed',
  timeline: 'Timeline',
  residentAnswers: "The resident's answers",
  noAnswers: 'No answers yet.',
  publicComments: 'Public comments',
  internalComments: 'Internal comments',
  noComments: 'No comments yet.',
  acceptBy: 'Accept by',
  resolveBy: 'Resolve by',
  timeLeft: '{time} left',
  timeOver: '{time} over',
  hoursMinutes: '{h} h {m} min',
  daysHours: '{d} d {h} h',
  actions: 'Actions',
  noActions: 'No action is allowed in this state.',
  note: 'Text',
  replyToResident: 'Reply to the resident',
  commentPublic: 'Visible to the resident',
  rejectReason: 'Reason for rejecting',
  duplicateOf: 'Duplicate of code',
  toAgency: 'Transfer to agency',
  afterPhoto: 'Photo after the work',
  uploadProgress: 'Uploading the photo: {pct}%',
  uploadDone: 'Photo uploaded',
  uploadFailed: 'The photo could not be uploaded: {detail}',
  send: 'Do it',
  done: 'Done: {action}',
  staleTitle: 'Someone else changed this ticket meanwhile; it was reloaded.',
  staleStatus: 'Status: {from} → {to}',
  staleEntries: 'New in the timeline: {list}',
  staleNothing: 'Its version changed.',
  notAllowed: 'Not allowed: {detail}',
  mapOf: "Map of the ticket's location",
  openPerAgency: 'Open and overdue tickets per agency',
  open: 'Open',
  onTime30: 'On time (30 days)',
  mapOpenTickets: 'Map of open tickets per commune',
  total: 'Total',
  staff: 'Staff accounts',
  role: 'Role',
  displayName: 'Display name',
  disabled: 'Disabled',
  active: 'Active',
  disable: 'Disable',
  enable: 'Enable',
  createStaff: 'Create an account',
  create: 'Create',
  agencies: 'Agencies',
  kind: 'Kind',
  categories: 'Categories',
  deadlineClass: 'Deadline class',
  sensitive: 'Sensitive',
  routingOverrides: 'Routing overrides',
  add: 'Add',
  remove: 'Remove',
  holidays: 'Public holidays',
  year: 'Year',
  date: 'Date',
  name: 'Name',
  failedNotifications: 'Failed notifications',
  attempts: 'Attempts',
  lastError: 'Last error',
  resend: 'Send again',
  queued: 'Queued to be sent again',
  none: 'None.',
  yes: 'Yes',
  no: 'No',
  saved: 'Saved',
};

const statuses: Record<'vi' | 'en', Record<Status, string>> = {
  vi: { received: 'Mới nhận', accepted: 'Đã tiếp nhận', in_progress: 'Đang xử lý', info_requested: 'Chờ bổ sung',
    resolved: 'Đã giải quyết', closed: 'Đã đóng', rejected: 'Từ chối', reopened: 'Mở lại' },
  en: { received: 'Received', accepted: 'Accepted', in_progress: 'In progress', info_requested: 'Info requested',
    resolved: 'Resolved', closed: 'Closed', rejected: 'Rejected', reopened: 'Reopened' },
};

// The ticket actions (TicketAction.action) and the timeline's event names.
const actionNames: Record<'vi' | 'en', Record<string, string>> = {
  vi: { accept: 'Tiếp nhận', assign: 'Nhận xử lý (giao cho tôi)', start: 'Bắt đầu xử lý', request_info: 'Yêu cầu bổ sung', resolve: 'Giải quyết xong',
    reject: 'Từ chối', transfer: 'Chuyển cơ quan', mark_complex: 'Đánh dấu phức tạp', mark_duplicate: 'Đánh dấu trùng',
    comment: 'Bình luận', hide: 'Ẩn khỏi bản đồ', unhide: 'Hiện lại trên bản đồ', received: 'Đã nhận', routed: 'Đã phân công',
    provide_info: 'Người dân bổ sung', confirm: 'Người dân xác nhận', dispute: 'Người dân không đồng ý', rate: 'Người dân đánh giá',
    auto_close: 'Tự động đóng', escalate: 'Chuyển cấp trên', warn_deadline: 'Sắp đến hạn',
    comment_public: 'Bình luận công khai', comment_internal: 'Bình luận nội bộ' },
  en: { accept: 'Accept', assign: 'Take it (assign to me)', start: 'Start work', request_info: 'Request information', resolve: 'Resolve',
    reject: 'Reject', transfer: 'Transfer', mark_complex: 'Mark complex', mark_duplicate: 'Mark duplicate',
    comment: 'Comment', hide: 'Hide from the map', unhide: 'Show on the map again', received: 'Received', routed: 'Routed',
    provide_info: 'Resident answered', confirm: 'Resident confirmed', dispute: 'Resident disputed', rate: 'Resident rated',
    auto_close: 'Closed automatically', escalate: 'Escalated', warn_deadline: 'Deadline near',
    comment_public: 'Public comment', comment_internal: 'Internal comment' },
};

const roles: Record<'vi' | 'en', Record<Role, string>> = {
  vi: { resident: 'Người dân', officer: 'Cán bộ', agency_admin: 'Quản trị cơ quan', dispatcher: 'Điều phối', admin: 'Quản trị hệ thống', call_taker: 'Tổng đài viên' },
  en: { resident: 'Resident', officer: 'Officer', agency_admin: 'Agency admin', dispatcher: 'Dispatcher', admin: 'Administrator', call_taker: 'Call-taker' },
};

export type Lang = 'vi' | 'en';
export type Key = keyof typeof vi;

let current: Lang = localStorage.getItem('qn.console.lang') === 'en' ? 'en' : 'vi';
document.documentElement.lang = current;

export const lang = (): Lang => current;

export function setLang(l: Lang) {
  current = l;
  localStorage.setItem('qn.console.lang', l);
  document.documentElement.lang = l;
}

// t returns the string for key with {name} placeholders filled from params.
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const s: string = (current === 'en' ? en : vi)[key];
  return s.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
}

export const statusName = (s: Status): string => statuses[current][s];
export const actionName = (a: string): string => actionNames[current][a] ?? a;
export const roleName = (r: Role): string => roles[current][r];

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(current === 'en' ? 'en-GB' : 'vi-VN', { timeZone: 'Asia/Ho_Chi_Minh',
    day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
}

// left says how long until (or since) a deadline, as "3 h 20 min left" or "1 d 2 h over".
export function left(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const ms = Date.parse(iso) - now;
  const mins = Math.floor(Math.abs(ms) / 60000);
  const d = Math.floor(mins / 1440), h = Math.floor((mins % 1440) / 60), m = mins % 60;
  const span = d > 0 ? t('daysHours', { d, h }) : t('hoursMinutes', { h, m });
  return t(ms >= 0 ? 'timeLeft' : 'timeOver', { time: span });
}
