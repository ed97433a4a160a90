//! The small XML writer of both documents: elements opened and closed in order, indented two
//! spaces a level, every text and attribute value escaped. Element and attribute names are
//! `&'static str` written in this module's callers, never input.

/// An XML document being written.
pub(super) struct Xml {
    out: String,
    /// The elements open, innermost last.
    open: Vec<&'static str>,
}

impl Xml {
    /// A document with its XML declaration (UTF-8).
    pub(super) fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    /// Opens `<name attr="value" …>`; its content follows until [`close`](Self::close).
    pub(super) fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Xml {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.open.push(name);
        self
    }

    /// `<name>text</name>` on one line.
    pub(super) fn leaf(&mut self, name: &'static str, text: &str) -> &mut Xml {
        self.start_tag(name, &[]);
        self.out.push('>');
        escape(text, false, &mut self.out);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// `<name attr="value" …/>`.
    pub(super) fn empty(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Xml {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
        self
    }

    /// Closes the innermost open element (nothing when none is open).
    pub(super) fn close(&mut self) -> &mut Xml {
        if let Some(name) = self.open.pop() {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
        self
    }

    /// The document, every element still open closed.
    pub(super) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }

    fn start_tag(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape(value, true, &mut self.out);
            self.out.push('"');
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }
}

/// Appends `text` escaped for XML 1.0 content (`attribute`: for a double-quoted attribute
/// value, where line breaks and tabs are written as references so they survive attribute
/// normalisation). A character XML 1.0 cannot carry at all (most C0 controls, U+FFFE,
/// U+FFFF) becomes U+FFFD.
pub(super) fn escape(text: &str, attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            // A bare CR would be read back as a line feed.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
}
