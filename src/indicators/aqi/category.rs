//! The six bands of both scales, with their labels and colours. VN_AQI and the EPA AQI cut
//! at the same index values (50, 100, 150, 200, 300) and use the same colours; only the
//! names differ.

use serde::{Serialize, Serializer};

/// A colour, serialised as a lower-case `#rrggbb` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    /// `#rrggbb`, lower case.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.hex())
    }
}

/// Colours of the six bands, lowest first (Decision 1459 Table 1; the same on the EPA scale).
const COLORS: [Rgb; 6] = [
    Rgb { r: 0, g: 228, b: 0 },
    Rgb {
        r: 255,
        g: 255,
        b: 0,
    },
    Rgb {
        r: 255,
        g: 126,
        b: 0,
    },
    Rgb { r: 255, g: 0, b: 0 },
    Rgb {
        r: 143,
        g: 63,
        b: 151,
    },
    Rgb {
        r: 126,
        g: 0,
        b: 35,
    },
];

/// The band of an index: 0–50, 51–100, 101–150, 151–200, 201–300, 301 and above.
fn band(aqi: u16) -> usize {
    match aqi {
        0..=50 => 0,
        51..=100 => 1,
        101..=150 => 2,
        151..=200 => 3,
        201..=300 => 4,
        _ => 5,
    }
}

/// A VN_AQI band. Serialised in snake_case (`good` … `very_bad`, `hazardous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VnCategory {
    Good,
    Moderate,
    Poor,
    Bad,
    VeryBad,
    Hazardous,
}

impl VnCategory {
    const ALL: [VnCategory; 6] = [
        VnCategory::Good,
        VnCategory::Moderate,
        VnCategory::Poor,
        VnCategory::Bad,
        VnCategory::VeryBad,
        VnCategory::Hazardous,
    ];

    /// The band an integer index falls in; anything above 300 is `Hazardous`.
    pub fn from_aqi(aqi: u16) -> Self {
        Self::ALL[band(aqi)]
    }

    /// The Vietnamese label of Decision 1459 Table 1.
    pub fn label_vi(self) -> &'static str {
        match self {
            VnCategory::Good => "Tốt",
            VnCategory::Moderate => "Trung bình",
            VnCategory::Poor => "Kém",
            VnCategory::Bad => "Xấu",
            VnCategory::VeryBad => "Rất xấu",
            VnCategory::Hazardous => "Nguy hại",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            VnCategory::Good => "Good",
            VnCategory::Moderate => "Moderate",
            VnCategory::Poor => "Poor",
            VnCategory::Bad => "Bad",
            VnCategory::VeryBad => "Very bad",
            VnCategory::Hazardous => "Hazardous",
        }
    }

    /// The band's colour.
    pub fn color(self) -> Rgb {
        COLORS[self as usize]
    }
}

/// A US EPA AQI band. Serialised in snake_case (`unhealthy_for_sensitive_groups`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EpaCategory {
    Good,
    Moderate,
    UnhealthyForSensitiveGroups,
    Unhealthy,
    VeryUnhealthy,
    Hazardous,
}

impl EpaCategory {
    const ALL: [EpaCategory; 6] = [
        EpaCategory::Good,
        EpaCategory::Moderate,
        EpaCategory::UnhealthyForSensitiveGroups,
        EpaCategory::Unhealthy,
        EpaCategory::VeryUnhealthy,
        EpaCategory::Hazardous,
    ];

    /// The band an integer index falls in; anything above 300 is `Hazardous`.
    pub fn from_aqi(aqi: u16) -> Self {
        Self::ALL[band(aqi)]
    }

    /// The EPA's name for the band.
    pub fn label_en(self) -> &'static str {
        match self {
            EpaCategory::Good => "Good",
            EpaCategory::Moderate => "Moderate",
            EpaCategory::UnhealthyForSensitiveGroups => "Unhealthy for Sensitive Groups",
            EpaCategory::Unhealthy => "Unhealthy",
            EpaCategory::VeryUnhealthy => "Very Unhealthy",
            EpaCategory::Hazardous => "Hazardous",
        }
    }

    /// The band's colour.
    pub fn color(self) -> Rgb {
        COLORS[self as usize]
    }
}
