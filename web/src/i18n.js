// All UI strings, Vietnamese first. Keys used in index.html through data-i18n / data-i18n-aria.
export const dict = {
  vi: {
    title: 'Phản ánh đã xử lý',
    pageTitle: 'Smart Quảng Ninh – Bản đồ phản ánh',
    skipToPanel: 'Bỏ qua bản đồ, tới bộ lọc',
    panelToggle: 'Bộ lọc & thống kê',
    switchLang: 'English',
    switchLangLabel: 'Switch to English',
    mapLabel: 'Bản đồ phản ánh',
    close: 'Đóng',
    basemapUnavailable: 'Bản đồ nền không tải được',
    filters: 'Bộ lọc',
    category: 'Lĩnh vực',
    agency: 'Cơ quan xử lý',
    commune: 'Xã, phường',
    since: 'Xử lý từ ngày',
    until: 'Đến ngày',
    all: 'Tất cả',
    reset: 'Xoá bộ lọc',
    stats: 'Thống kê',
    from: 'Từ ngày',
    to: 'Đến ngày',
    groupBy: 'Theo',
    byAgency: 'Cơ quan',
    byCommune: 'Xã, phường',
    byCategory: 'Lĩnh vực',
    statsCaption: 'Thống kê phản ánh theo kỳ',
    colName: 'Tên',
    colReceived: 'Tiếp nhận',
    colResolved: 'Đã xử lý',
    colOnTime: 'Đúng hạn',
    colMedian: 'Trung vị (giờ)',
    colRating: 'Đánh giá',
    downloadCsv: 'Tải CSV',
    loading: 'Đang tải…',
    loadFailed: 'Không tải được dữ liệu. Thử lại sau.',
    statsEmpty: 'Không có dữ liệu trong kỳ này.',
    statsInvalid: 'Ngày bắt đầu phải trước ngày kết thúc.',
    mapCount: '{n} phản ánh trong khung nhìn',
    mapCountOne: '1 phản ánh trong khung nhìn',
    mapClusters: '{n} phản ánh trong khung nhìn (đã gộp nhóm)',
    mapEmpty: 'Không có phản ánh nào trong khung nhìn',
    mapTruncated: 'Chỉ hiển thị {n} điểm đầu tiên, hãy phóng to',
    clusterLabel: 'Nhóm {n} phản ánh, bấm để phóng to',
    reportLabel: '{category} – {commune}',
    code: 'Mã',
    received: 'Tiếp nhận',
    resolved: 'Hoàn thành',
    onTime: 'Đúng hạn',
    late: 'Trễ hạn',
    rating: 'Đánh giá của người dân',
    ratingValue: '{n} trên 5 sao',
    noRating: 'Chưa đánh giá',
    description: 'Nội dung phản ánh',
    reply: 'Trả lời của cơ quan',
    noReply: 'Chưa có trả lời công khai.',
    before: 'Trước',
    after: 'Sau',
    photoAlt: 'Ảnh {kind} xử lý',
    photos: 'Hình ảnh',
    zoomIn: 'Phóng to',
    zoomOut: 'Thu nhỏ',
    hours: '{n} giờ',
  },
  en: {
    title: 'Resolved reports',
    pageTitle: 'Smart Quảng Ninh – Report map',
    skipToPanel: 'Skip the map, go to filters',
    panelToggle: 'Filters & statistics',
    switchLang: 'Tiếng Việt',
    switchLangLabel: 'Chuyển sang tiếng Việt',
    mapLabel: 'Report map',
    close: 'Close',
    basemapUnavailable: 'Base map unavailable',
    filters: 'Filters',
    category: 'Category',
    agency: 'Agency',
    commune: 'Commune / ward',
    since: 'Resolved since',
    until: 'Until',
    all: 'All',
    reset: 'Clear filters',
    stats: 'Statistics',
    from: 'From',
    to: 'To',
    groupBy: 'By',
    byAgency: 'Agency',
    byCommune: 'Commune / ward',
    byCategory: 'Category',
    statsCaption: 'Report statistics for the period',
    colName: 'Name',
    colReceived: 'Received',
    colResolved: 'Resolved',
    colOnTime: 'On time',
    colMedian: 'Median (h)',
    colRating: 'Rating',
    downloadCsv: 'Download CSV',
    loading: 'Loading…',
    loadFailed: 'Could not load the data. Please try again later.',
    statsEmpty: 'No data for this period.',
    statsInvalid: 'The start date must be before the end date.',
    mapCount: '{n} reports in view',
    mapCountOne: '1 report in view',
    mapClusters: '{n} reports in view (grouped)',
    mapEmpty: 'No reports in view',
    mapTruncated: 'Showing the first {n} points only; zoom in',
    clusterLabel: 'Group of {n} reports, press to zoom in',
    reportLabel: '{category} – {commune}',
    code: 'Code',
    received: 'Received',
    resolved: 'Resolved',
    onTime: 'On time',
    late: 'Late',
    rating: "Citizen's rating",
    ratingValue: '{n} out of 5 stars',
    noRating: 'Not rated',
    description: 'Report',
    reply: "Agency's reply",
    noReply: 'No public reply yet.',
    before: 'Before',
    after: 'After',
    photoAlt: '{kind} photo',
    photos: 'Photos',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    hours: '{n} h',
  },
};

const STORAGE_KEY = 'qn.lang';
export const LANGS = ['vi', 'en'];

let current = 'vi';

export function initialLang() {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch (_) {
    /* storage blocked: Vietnamese */
  }
  return 'vi';
}

export function setLang(lang) {
  current = LANGS.includes(lang) ? lang : 'vi';
  try {
    window.localStorage.setItem(STORAGE_KEY, current);
  } catch (_) {
    /* ignore */
  }
  return current;
}

export function lang() {
  return current;
}

// t('mapCount', {n: 3}) → "3 phản ánh trong khung nhìn"
export function t(key, params) {
  let s = dict[current][key];
  if (s === undefined) s = dict.vi[key];
  if (s === undefined) return key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

// name({name_vi, name_en}) picks the current language, falling back to the other one.
export function localName(obj, base = 'name') {
  if (!obj) return '';
  const vi = obj[`${base}_vi`];
  const en = obj[`${base}_en`];
  return (current === 'en' ? en || vi : vi || en) || '';
}

export function locale() {
  return current === 'en' ? 'en-GB' : 'vi-VN';
}

// applyStatic translates every element marked in the HTML.
export function applyStatic(root = document) {
  document.documentElement.lang = current;
  document.title = t('pageTitle');
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  root.querySelectorAll('[data-i18n-aria]').forEach((el) => {
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  });
}
