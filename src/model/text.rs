//! Free text people type (an acknowledgement's name and comment, a key's label): which
//! characters it may not hold, and how to show text stored before that rule. Control
//! characters (NUL, ESC, …) rewrite a terminal or truncate a C string; bidirectional
//! overrides (RLO, …) make a log line read differently from what it holds.

/// The first character of `s` that free text may not hold, other than those in `allowed`
/// (a comment may keep its line breaks).
pub fn forbidden_char(s: &str, allowed: &[char]) -> Option<char> {
    s.chars().find(|c| is_forbidden(*c) && !allowed.contains(c))
}

/// `s` with every forbidden character written as an escape (`\u{1b}`), for showing text that
/// was stored before it was checked.
pub fn escape_forbidden(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_forbidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// How a refused character is named in an error: `U+001B`.
pub fn char_name(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_found_and_escaped() {
        assert_eq!(forbidden_char("Lan Nguyễn", &[]), None);
        assert_eq!(forbidden_char("a\0b", &[]), Some('\0'));
        assert_eq!(forbidden_char("\u{1b}[2J", &[]), Some('\u{1b}'));
        assert_eq!(forbidden_char("abc\u{202E}fed", &[]), Some('\u{202E}'));
        assert_eq!(forbidden_char("line\nline", &['\n']), None);
        assert_eq!(escape_forbidden("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(char_name('\u{202E}'), "U+202E");
    }
}
