//! What kind of public warning an alert makes, from its signal and domain, and what CAP says
//! of each kind: its categories, its event name, what the public should do, in Vietnamese and
//! English. The severity and urgency scales are here too.

use crate::alerts::Severity;

/// The two languages of every warning, Vietnamese first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Vi,
    En,
}

impl Lang {
    pub(super) const BOTH: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The `language` of an `info` block (RFC 3066, as CAP asks).
    pub(super) fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi-VN",
            Lang::En => "en-US",
        }
    }

    /// Picks the text of this language.
    pub(super) fn pick<T>(self, vi: T, en: T) -> T {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// The kind of danger a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hazard {
    /// Water levels and rainfall.
    Flood,
    /// The air-quality index and the pollutants.
    Air,
    /// Any traffic signal.
    Traffic,
    /// Any signal of the public service centres.
    Service,
    Other,
}

impl Hazard {
    pub(super) fn of(signal: &str, domain: &str) -> Hazard {
        match signal {
            "water_level_cm" | "rainfall_mm" => Hazard::Flood,
            "vn_aqi" | "epa_aqi" | "pm25" | "pm10" | "no2" | "o3" | "so2" | "co" => Hazard::Air,
            _ => match domain {
                "traffic" => Hazard::Traffic,
                "public_service" => Hazard::Service,
                _ => Hazard::Other,
            },
        }
    }

    /// CAP `category` values (floods are `Met`: "Meteorological (inc. flood)").
    pub(super) fn categories(self) -> &'static [&'static str] {
        match self {
            Hazard::Flood => &["Met"],
            Hazard::Air => &["Env", "Health"],
            Hazard::Traffic => &["Transport"],
            Hazard::Service => &["Infra"],
            Hazard::Other => &["Other"],
        }
    }

    /// CAP `event`: the type of the event, short.
    pub(super) fn event(self, lang: Lang) -> &'static str {
        match self {
            Hazard::Flood => lang.pick("Ngập lụt", "Flood"),
            Hazard::Air => lang.pick("Ô nhiễm không khí", "Air pollution"),
            Hazard::Traffic => lang.pick("Ùn tắc giao thông", "Traffic congestion"),
            Hazard::Service => lang.pick("Quá tải dịch vụ công", "Public service overload"),
            Hazard::Other => lang.pick("Cảnh báo", "Warning"),
        }
    }

    /// How a headline names the warning.
    pub(super) fn warning(self, lang: Lang) -> &'static str {
        match self {
            Hazard::Flood => lang.pick("Cảnh báo ngập lụt", "Flood warning"),
            Hazard::Air => lang.pick("Cảnh báo ô nhiễm không khí", "Air pollution warning"),
            Hazard::Traffic => lang.pick("Cảnh báo ùn tắc giao thông", "Traffic warning"),
            Hazard::Service => lang.pick("Cảnh báo quá tải dịch vụ công", "Public service warning"),
            Hazard::Other => lang.pick("Cảnh báo", "Warning"),
        }
    }

    /// CAP `responseType`: what the instruction asks for.
    pub(super) fn responses(self) -> &'static [&'static str] {
        match self {
            Hazard::Flood => &["Prepare", "Avoid"],
            Hazard::Air => &["Avoid", "Monitor"],
            Hazard::Traffic => &["Avoid"],
            Hazard::Service | Hazard::Other => &["Monitor"],
        }
    }

    /// CAP `instruction`: what the public should do while the warning lasts.
    pub(super) fn instruction(self, lang: Lang) -> &'static str {
        match self {
            Hazard::Flood => lang.pick(
                "Tránh xa bờ sông, suối và vùng trũng thấp; không đi qua đường ngập nước. \
                 Di chuyển người và tài sản lên nơi cao, theo dõi thông báo của chính quyền \
                 địa phương và sẵn sàng sơ tán khi có yêu cầu.",
                "Keep away from river banks, streams and low-lying areas; do not walk or drive \
                 through flooded roads. Move people and belongings to higher ground, follow \
                 the local authorities' announcements and be ready to evacuate when told to.",
            ),
            Hazard::Air => lang.pick(
                "Hạn chế ra ngoài và hoạt động ngoài trời, nhất là trẻ em, người cao tuổi, phụ \
                 nữ mang thai và người có bệnh tim mạch, hô hấp. Đóng cửa sổ; khi phải ra \
                 ngoài, đeo khẩu trang lọc bụi mịn.",
                "Limit time and activity outdoors, above all children, older people, pregnant \
                 women and people with heart or lung disease. Keep windows closed; wear a \
                 fine-particle mask when you must go out.",
            ),
            Hazard::Traffic => lang.pick(
                "Tránh khu vực này nếu có thể, chọn lộ trình khác và tuân theo hướng dẫn của \
                 lực lượng điều tiết giao thông.",
                "Avoid the area if you can, take another route and follow the directions of \
                 the traffic police.",
            ),
            Hazard::Service => lang.pick(
                "Nếu không cần gấp, hãy đến vào lúc khác hoặc dùng dịch vụ công trực tuyến.",
                "Unless it is urgent, come back later or use the online public services.",
            ),
            Hazard::Other => lang.pick(
                "Theo dõi thông báo của chính quyền địa phương.",
                "Follow the local authorities' announcements.",
            ),
        }
    }
}

/// What the public should do once a warning has ended.
pub(super) fn all_clear(lang: Lang) -> &'static str {
    lang.pick(
        "Cảnh báo đã kết thúc. Tiếp tục theo dõi thông báo của chính quyền địa phương.",
        "The warning has ended. Keep following the local authorities' announcements.",
    )
}

/// CAP `severity` of an ioc severity.
pub(super) fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Extreme",
        Severity::Major => "Severe",
        Severity::Minor => "Moderate",
        Severity::Warning => "Minor",
    }
}

/// CAP `urgency` of an active warning: act now for the two highest severities, soon for the
/// others. (A cancelled warning's is `Past`.)
pub(super) fn urgency(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::Major => "Immediate",
        Severity::Minor | Severity::Warning => "Expected",
    }
}

/// The name of the body that issues the warnings, in `city`.
pub(super) fn sender_name(city: &str, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!("Trung tâm Giám sát, điều hành đô thị thông minh – {city}"),
        Lang::En => format!("Intelligent Operations Centre – {city}"),
    }
}
