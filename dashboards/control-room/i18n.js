// Vietnamese and English labels. Elements with data-i18n="key" (data-i18n-ph="key": their
// placeholder) are relabelled on a switch; the choice is kept in localStorage and can be
// forced with ?lang=en|vi.
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
    incidents: 'Sự cố', inc_new: 'Tạo sự cố', no_incidents: 'Không có sự cố đang mở',
    inc_st_new: 'Mới', inc_st_assigned: 'Đã giao', inc_st_in_progress: 'Đang xử lý',
    inc_st_resolved: 'Đã xử lý', inc_st_closed: 'Đã đóng', inc_st_cancelled: 'Đã huỷ',
    to_in_progress: 'Bắt đầu xử lý', to_resolved: 'Đã xử lý xong',
    to_closed: 'Đóng sự cố', to_cancelled: 'Huỷ sự cố', to_in_progress_again: 'Mở lại',
    unassigned: 'Chưa giao', assignee: 'Đơn vị', assign: 'Giao', pick_department: '— chọn đơn vị —',
    need_assignee: 'Chọn đơn vị trước', send: 'Gửi', cancel: 'Huỷ',
    inc_title: 'Tiêu đề', category: 'Loại', severity: 'Mức độ', description: 'Mô tả', create: 'Tạo',
    checklist: 'Quy trình xử lý', timeline: 'Diễn biến', opened: 'Mở lúc', by: 'bởi',
    sla_left: 'còn', sla_over: 'quá hạn', sla_assign: 'hạn giao', sla_resolve: 'hạn xử lý',
    linked_alerts: 'Cảnh báo', linked_events: 'Sự kiện',
    tl_opened: 'Mở', tl_assigned: 'Giao việc', tl_status: 'Trạng thái', tl_comment: 'Ghi chú',
    tl_checklist: 'Quy trình', tl_linked: 'Liên kết', tl_sla_breached: 'Quá hạn SLA',
    open_incident: 'Mở sự cố', view_incident: 'Sự cố', action_failed: 'Không thực hiện được',
    n_delivered: 'đã gửi', n_retrying: 'đang thử lại', n_pending: 'đang chờ gửi',
    ev_citizen_report: 'Phản ánh', ev_camera: 'Camera', confidence: 'độ tin cậy',
    photo: 'Ảnh', contact: 'Liên hệ', received: 'nhận lúc', optional: 'tuỳ chọn',
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
    incidents: 'Incidents', inc_new: 'New incident', no_incidents: 'No open incidents',
    inc_st_new: 'New', inc_st_assigned: 'Assigned', inc_st_in_progress: 'In progress',
    inc_st_resolved: 'Resolved', inc_st_closed: 'Closed', inc_st_cancelled: 'Cancelled',
    to_in_progress: 'Start work', to_resolved: 'Resolve',
    to_closed: 'Close incident', to_cancelled: 'Cancel incident', to_in_progress_again: 'Reopen',
    unassigned: 'Unassigned', assignee: 'Department', assign: 'Assign', pick_department: '— pick a department —',
    need_assignee: 'Pick a department first', send: 'Send', cancel: 'Cancel',
    inc_title: 'Title', category: 'Category', severity: 'Severity', description: 'Description', create: 'Create',
    checklist: 'Procedure', timeline: 'Timeline', opened: 'Opened', by: 'by',
    sla_left: 'left', sla_over: 'overdue', sla_assign: 'assign by', sla_resolve: 'resolve by',
    linked_alerts: 'Alerts', linked_events: 'Events',
    tl_opened: 'Opened', tl_assigned: 'Assigned', tl_status: 'Status', tl_comment: 'Comment',
    tl_checklist: 'Checklist', tl_linked: 'Linked', tl_sla_breached: 'SLA breached',
    open_incident: 'Open incident', view_incident: 'Incident', action_failed: 'Action failed',
    n_delivered: 'delivered', n_retrying: 'retrying', n_pending: 'waiting',
    ev_citizen_report: 'Citizen report', ev_camera: 'Camera', confidence: 'confidence',
    photo: 'Photo', contact: 'Contact', received: 'received', optional: 'optional',
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
  for (const el of root.querySelectorAll('[data-i18n-ph]')) el.placeholder = t(el.dataset.i18nPh);
}

/** A server object's bilingual field: `obj[base_vi]` or `obj[base_en]`, the other as fallback. */
export function local(obj, base) {
  const other = lang === 'vi' ? 'en' : 'vi';
  return obj?.[`${base}_${lang}`] ?? obj?.[`${base}_${other}`] ?? '';
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
