// Vietnamese and English labels. Elements with data-i18n="key" are relabelled on a switch;
// the choice is kept in localStorage and can be forced with ?lang=en|vi.
const LABELS = {
  vi: {
    title: 'Trung tâm giám sát, điều hành đô thị',
    kpi_aqi: 'AQI cao nhất', kpi_congestion: 'Tuyến ùn tắc', kpi_sla: 'Đạt SLA hàng chờ',
    kpi_online: 'Cảm biến trực tuyến', kpi_alerts: 'Cảnh báo đang mở',
    conn_connecting: 'Đang kết nối', conn_live: 'Trực tiếp', conn_reconnecting: 'Đang kết nối lại',
    conn_stale: 'Mất tín hiệu',
    layer: 'Lớp bản đồ', layer_aqi: 'Chất lượng không khí', layer_congestion: 'Giao thông',
    layer_queue: 'Thời gian chờ',
    st_online: 'Trực tuyến', st_late: 'Trễ', st_offline: 'Mất kết nối', st_never_seen: 'Chưa có dữ liệu',
    details_hint: 'Chọn một phường hoặc cảm biến trên bản đồ',
    trend_hour: 'Giờ qua (trực tiếp)', trend_day: '24 giờ qua',
    alerts: 'Cảnh báo', tab_open: 'Đang mở', tab_history: 'Lịch sử', operator: 'Người trực',
    ack: 'Xác nhận', comment: 'Ghi chú', acked_by: 'Đã xác nhận bởi', no_alerts: 'Không có cảnh báo',
    as_of: 'lúc', stale: 'CŨ', no_data: 'chưa có dữ liệu', ago: 'trước',
    district: 'Phường', sensor: 'Cảm biến', status: 'Trạng thái', aqi: 'VN_AQI',
    congestion: 'Chỉ số ùn tắc', queue_wait: 'Chờ trung bình', sla: 'Đạt SLA', speed: 'Tốc độ TB',
    waiting: 'Đang chờ', health: 'Cảm biến', of: 'trên', roads: 'tuyến', centres: 'điểm',
    critical: 'Nghiêm trọng', major: 'Cao', minor: 'Trung bình', warning: 'Thấp',
    firing: 'Đang báo', acknowledged: 'Đã xác nhận', pending: 'Chờ', resolved: 'Đã hết',
    free: 'Thông thoáng', moderate: 'Đông', heavy: 'Chậm', jammed: 'Tắc',
    ack_failed: 'Xác nhận thất bại', need_operator: 'Nhập tên người trực',
    login_title: 'Đăng nhập', login_hint: 'Dán khoá API hoặc mã truy cập do quản trị viên cấp.',
    login_submit: 'Đăng nhập', logout: 'Đăng xuất',
    token_switch: 'Liên kết này đăng nhập thẻ này bằng một khoá khác. Thay khoá đang dùng? (Huỷ: giữ khoá hiện tại)',
  },
  en: {
    title: 'Intelligent Operations Center',
    kpi_aqi: 'Worst AQI', kpi_congestion: 'Congested roads', kpi_sla: 'Queue SLA met',
    kpi_online: 'Sensors online', kpi_alerts: 'Open alerts',
    conn_connecting: 'Connecting', conn_live: 'Live', conn_reconnecting: 'Reconnecting',
    conn_stale: 'Stale',
    layer: 'Map layer', layer_aqi: 'Air quality', layer_congestion: 'Traffic', layer_queue: 'Queue wait',
    st_online: 'Online', st_late: 'Late', st_offline: 'Offline', st_never_seen: 'Never seen',
    details_hint: 'Pick a district or a sensor on the map',
    trend_hour: 'Last hour (live)', trend_day: 'Last 24 hours',
    alerts: 'Alerts', tab_open: 'Open', tab_history: 'History', operator: 'Operator',
    ack: 'Acknowledge', comment: 'Comment', acked_by: 'Acknowledged by', no_alerts: 'No alerts',
    as_of: 'as of', stale: 'STALE', no_data: 'no data yet', ago: 'ago',
    district: 'District', sensor: 'Sensor', status: 'Status', aqi: 'VN_AQI',
    congestion: 'Congestion index', queue_wait: 'Average wait', sla: 'SLA met', speed: 'Mean speed',
    waiting: 'Waiting', health: 'Sensors', of: 'of', roads: 'roads', centres: 'centres',
    critical: 'Critical', major: 'Major', minor: 'Minor', warning: 'Warning',
    firing: 'Firing', acknowledged: 'Acknowledged', pending: 'Pending', resolved: 'Resolved',
    free: 'Free', moderate: 'Moderate', heavy: 'Heavy', jammed: 'Jammed',
    ack_failed: 'Acknowledgement failed', need_operator: 'Enter the operator name',
    login_title: 'Sign in', login_hint: 'Paste the API key or access token your administrator gave you.',
    login_submit: 'Sign in', logout: 'Sign out',
    token_switch: 'This link signs this tab in with a different key. Replace the key you are signed in with? (Cancel keeps it.)',
  },
};

const forced = new URLSearchParams(location.search).get('lang');
let lang = LABELS[forced] ? forced : (LABELS[localStorage.getItem('ioc.lang')] ? localStorage.getItem('ioc.lang') : 'vi');

export function currentLang() { return lang; }

/** The label for `key` in the current language (the key itself when missing). */
export function t(key) { return LABELS[lang][key] ?? key; }

/** Relabels every `[data-i18n]` element. */
export function applyLabels(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

export function toggleLang() {
  lang = lang === 'vi' ? 'en' : 'vi';
  localStorage.setItem('ioc.lang', lang);
  applyLabels();
  return lang;
}

/** Clock time in the city (the browser's zone), 24-hour. */
export function fmtTime(ms) {
  return new Date(ms).toLocaleTimeString(lang === 'vi' ? 'vi-VN' : 'en-GB', { hour12: false });
}
