//! What citizens write: a Vietnamese description per category, placed on one of the district's
//! streets, and a sender's name and phone. Fixed tables, so the stream stays reproducible.

use super::place::Area;
use crate::generate::rng::Rng;

/// `{place}` becomes "trên đường Hùng Vương" or "ở khu vực Hải Châu".
const TEMPLATES: &[(&str, &[&str])] = &[
    (
        "flooding",
        &[
            "Nước ngập nửa bánh xe {place}, xe máy chết máy nhiều",
            "Ngập sâu khoảng 30–40 cm {place}, người dân phải dắt bộ",
            "Mưa lớn, cống thoát nước bị tắc, nước tràn vào nhà dân {place}",
        ],
    ),
    (
        "pothole",
        &[
            "Ổ gà lớn giữa đường {place}, rất nguy hiểm cho xe máy",
            "Mặt đường bị sụt lún {place}, đề nghị sửa chữa sớm",
        ],
    ),
    (
        "garbage",
        &[
            "Rác thải tập kết bừa bãi {place}, bốc mùi hôi",
            "Bãi rác tự phát {place} mấy ngày chưa được thu gom",
        ],
    ),
    (
        "fallen_tree",
        &[
            "Cây xanh gãy đổ chắn ngang đường {place}",
            "Cành cây lớn có nguy cơ gãy rơi {place}",
        ],
    ),
    (
        "smoke",
        &[
            "Khói đen bốc lên nghi cháy {place}, mùi khét khắp khu dân cư",
            "Có người đốt rác gây khói mù mịt {place}",
        ],
    ),
    (
        "noise",
        &[
            "Công trình thi công gây tiếng ồn lớn vào ban đêm {place}",
            "Karaoke mở quá to, ồn ào kéo dài {place}",
        ],
    ),
    (
        "jam",
        &[
            "Kẹt xe kéo dài {place}, xe nhích từng chút",
            "Ùn tắc nghiêm trọng {place}, đề nghị cử người phân luồng",
        ],
    ),
    (
        "accident",
        &[
            "Va chạm giữa xe máy và ô tô {place}, cần hỗ trợ",
            "Tai nạn giao thông {place}, có người bị thương",
        ],
    ),
    (
        "illegal_parking",
        &["Ô tô đỗ sai quy định chiếm hết lòng đường {place}"],
    ),
    ("crowd", &["Tụ tập đông người gây mất trật tự {place}"]),
];

const OTHER: &[&str] = &["Phản ánh hiện trường {place}, đề nghị kiểm tra"];

const NAMES: &[&str] = &[
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Minh Châu",
    "Phạm Thu Hà",
    "Hoàng Đức Long",
    "Võ Thị Mai",
    "Đặng Quốc Huy",
    "Bùi Ngọc Lan",
    "Huỳnh Văn Tâm",
    "Phan Thị Hồng",
];

/// A description of `category` at a street of `area`.
pub fn describe(category: &str, area: &Area, rng: &mut Rng) -> String {
    let templates = TEMPLATES
        .iter()
        .find(|(c, _)| *c == category)
        .map_or(OTHER, |(_, t)| *t);
    let template = templates[rng.below(templates.len())];
    let place = if area.roads.is_empty() {
        format!("ở khu vực {}", area.name)
    } else {
        format!("trên đường {}", area.roads[rng.below(area.roads.len())])
    };
    template.replace("{place}", &place)
}

/// A sender: a name and a phone number in a range no subscriber has (0900 000 xxx).
pub fn contact(rng: &mut Rng) -> (String, String) {
    let name = NAMES[rng.below(NAMES.len())].to_owned();
    (name, format!("0900000{:03}", rng.below(1000)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_reads_as_vietnamese_on_a_street_of_the_district() {
        let area = Area {
            id: "hai-chau".into(),
            name: "Hải Châu".into(),
            polygon: Vec::new(),
            roads: vec!["Hùng Vương".into()],
            cameras: Vec::new(),
        };
        let mut rng = Rng::new(3);
        for (category, _) in TEMPLATES {
            let d = describe(category, &area, &mut rng);
            assert!(d.contains("trên đường Hùng Vương"), "{d}");
            assert!(!d.contains('{') && !d.chars().any(char::is_control), "{d}");
        }
        let bare = Area {
            roads: Vec::new(),
            ..area
        };
        assert!(describe("pothole", &bare, &mut rng).contains("ở khu vực Hải Châu"));
        assert!(describe("unheard-of", &bare, &mut rng).starts_with("Phản ánh"));
    }
}
