//! What every list endpoint shares: `limit` (1..=5,000, default 500) and an opaque `cursor`,
//! the `next_cursor` of the previous page. A cursor names the last item that page returned,
//! so the next page resumes after it in the list's stable order (keyset pagination): it
//! neither skips nor repeats an item that exists throughout the walk, whatever else changes.
//!
//! A cursor is the hex of `1:<list>:<key>`: hex, so it travels in a query string untouched,
//! and opaque to clients, who pass it back unchanged. The `1` versions the layout; the list
//! tag makes one list refuse another list's cursor instead of resuming at a wrong place.

use crate::aggregate::SensorKey;

use super::error::ApiError;

/// A page's size when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 500;
/// The largest page: a 100k-sensor list is walked, never sent as one 30 MB body.
pub const MAX_LIMIT: usize = 5_000;

/// The layout version every cursor starts with.
const VERSION: &str = "1";

/// Why `limit` or `cursor` was refused; answered as `invalid_query`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("limit {0:?} is not allowed: a whole number from 1 to 5000 (default 500)")]
    Limit(String),
    #[error("cursor is not one this list handed out: pass the previous page's next_cursor unchanged, or no cursor for the first page")]
    Cursor,
}

impl From<PageError> for ApiError {
    fn from(e: PageError) -> ApiError {
        ApiError::InvalidQuery(e.to_string())
    }
}

/// The position a page resumes after, per list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// `/api/v1/sensors`: the last sensor listed.
    Sensor(SensorKey),
    /// `/api/v1/alerts`, `/api/v1/incidents`, `/api/v1/events`: the id (an event's receive
    /// order) of the last item listed (these lists run by id, descending).
    Alert(i64),
    /// `/api/v1/indicators/{domain}`: the last sensor whose item (road, station, gauge,
    /// centre) was listed.
    Item(SensorKey),
}

impl Cursor {
    /// The opaque text handed out as `next_cursor`.
    pub fn encode(&self) -> String {
        let plain = match self {
            Cursor::Sensor(SensorKey::Registered(id)) => format!("{VERSION}:sr:{id}"),
            Cursor::Sensor(SensorKey::Unregistered(id)) => format!("{VERSION}:su:{id}"),
            Cursor::Alert(id) => format!("{VERSION}:a:{id}"),
            Cursor::Item(SensorKey::Registered(id)) => format!("{VERSION}:ir:{id}"),
            Cursor::Item(SensorKey::Unregistered(id)) => format!("{VERSION}:iu:{id}"),
        };
        plain.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads back what [`Cursor::encode`] wrote; anything else is [`PageError::Cursor`].
    pub fn decode(raw: &str) -> Result<Cursor, PageError> {
        let plain = unhex(raw).ok_or(PageError::Cursor)?;
        let mut parts = plain.splitn(3, ':');
        let (Some(VERSION), Some(tag), Some(key)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(PageError::Cursor);
        };
        match tag {
            _ if key.is_empty() => Err(PageError::Cursor),
            "sr" => Ok(Cursor::Sensor(SensorKey::Registered(key.to_owned()))),
            "su" => Ok(Cursor::Sensor(SensorKey::Unregistered(key.to_owned()))),
            "ir" => Ok(Cursor::Item(SensorKey::Registered(key.to_owned()))),
            "iu" => Ok(Cursor::Item(SensorKey::Unregistered(key.to_owned()))),
            "a" => key
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(Cursor::Alert)
                .ok_or(PageError::Cursor),
            _ => Err(PageError::Cursor),
        }
    }
}

/// Lower-case or upper-case hex of UTF-8 text; `None` for anything else.
fn unhex(raw: &str) -> Option<String> {
    let raw = raw.as_bytes();
    if !raw.len().is_multiple_of(2) {
        return None;
    }
    let bytes = raw
        .chunks(2)
        .map(|pair| {
            let digits = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(digits, 16).ok()
        })
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// A list request's page: its size and where it resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: usize,
    pub after: Option<Cursor>,
}

impl Page {
    /// Below which id the page starts, for the lists that run by id, descending (alerts,
    /// incidents, events); a cursor of another list is refused.
    pub fn after_id(&self) -> Result<Option<i64>, PageError> {
        match self.after {
            None => Ok(None),
            Some(Cursor::Alert(id)) => Ok(Some(id)),
            Some(_) => Err(PageError::Cursor),
        }
    }

    /// Parses the `limit` and `cursor` query values.
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Page, PageError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| PageError::Limit(crate::model::truncate(raw, 32)))?,
        };
        let after = cursor.map(Cursor::decode).transpose()?;
        Ok(Page { limit, after })
    }

    /// How many items to fetch: one more than the page, so the last page is known to be the
    /// last and answers `next_cursor: null` (rather than one more, empty page).
    pub fn fetch(&self) -> usize {
        self.limit + 1
    }

    /// Cuts `items` (fetched with [`Page::fetch`]) to the page and returns its
    /// `next_cursor`: the last item's key when more follow, `None` on the last page.
    pub fn finish<T>(&self, items: &mut Vec<T>, key: impl Fn(&T) -> Cursor) -> Option<String> {
        if items.len() <= self.limit {
            return None;
        }
        items.truncate(self.limit);
        items.last().map(|last| key(last).encode())
    }
}

/// One page's answer: `{"count", "<key>": [items], "next_cursor"}`.
pub(crate) fn answer<T: serde::Serialize>(
    key: &str,
    items: &[T],
    next: Option<String>,
) -> actix_web::HttpResponse {
    let mut body = serde_json::Map::new();
    body.insert("count".into(), items.len().into());
    body.insert(key.into(), serde_json::to_value(items).unwrap_or_default());
    body.insert("next_cursor".into(), next.into());
    actix_web::HttpResponse::Ok().json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cursor_reads_back_as_itself() {
        for cursor in [
            Cursor::Sensor(SensorKey::Registered("tl-0042".into())),
            Cursor::Sensor(SensorKey::Unregistered("diy:station 7/ü".into())),
            Cursor::Alert(1),
            Cursor::Alert(i64::MAX),
            Cursor::Item(SensorKey::Registered("tl-0042".into())),
            Cursor::Item(SensorKey::Unregistered("diy:station 7/ü".into())),
        ] {
            let text = cursor.encode();
            assert!(text.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
            assert_eq!(Cursor::decode(&text), Ok(cursor));
        }
    }

    #[test]
    fn a_malformed_or_foreign_cursor_is_refused() {
        let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
        for raw in [
            String::new(),
            "garbage".into(),
            "abc".into(),
            "zz".into(),
            hex("2:sr:tl-0042"),
            hex("1:xx:tl-0042"),
            hex("1:sr:"),
            hex("1:ir:"),
            hex("1:sr"),
            hex("1:a:-3"),
            hex("1:a:0"),
            hex("1:a:twelve"),
            "ff".into(),
        ] {
            assert_eq!(Cursor::decode(&raw), Err(PageError::Cursor), "{raw:?}");
        }
    }

    #[test]
    fn limit_defaults_to_500_and_must_lie_within_1_to_5000() {
        assert_eq!(Page::parse(None, None).map(|p| p.limit), Ok(500));
        assert_eq!(Page::parse(Some("1"), None).map(|p| p.limit), Ok(1));
        assert_eq!(Page::parse(Some("5000"), None).map(|p| p.limit), Ok(5000));
        for bad in ["0", "5001", "-1", "x", "", "1.5", "99999999999999999999999"] {
            let err = Page::parse(Some(bad), None).expect_err(bad);
            assert!(err.to_string().contains("from 1 to 5000"), "{err}");
        }
    }

    #[test]
    fn finish_cuts_the_extra_item_and_names_the_last_one_kept() {
        let page = Page::parse(Some("2"), None).expect("page");
        let mut items = vec![9, 8, 7];
        let next = page.finish(&mut items, |id| Cursor::Alert(*id));
        assert_eq!(items, [9, 8]);
        assert_eq!(
            next.as_deref().map(Cursor::decode),
            Some(Ok(Cursor::Alert(8)))
        );
        let mut last = vec![6, 5];
        assert_eq!(page.finish(&mut last, |id| Cursor::Alert(*id)), None);
        assert_eq!(last, [6, 5]);
    }
}
