//! Character (code point) offsets, which is what every `Span` holds, over
//! Rust's byte-indexed strings.

/// Maps character offsets of one text to byte offsets and back.
pub struct CharIndex<'a> {
    text: &'a str,
    /// Byte offset of each character, plus the text's length at the end.
    bytes: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        CharIndex { text, bytes }
    }

    pub fn chars(&self) -> usize {
        self.bytes.len() - 1
    }

    /// The text between two character offsets (clamped to the text).
    pub fn slice(&self, start: usize, end: usize) -> &'a str {
        let end = end.min(self.chars());
        let start = start.min(end);
        &self.text[self.bytes[start]..self.bytes[end]]
    }

    /// The character offset of a byte offset (which must be a char boundary).
    pub fn char_at(&self, byte: usize) -> usize {
        self.bytes.partition_point(|&b| b < byte)
    }

    /// The byte offset of a character offset (clamped to the text).
    pub fn byte(&self, char_offset: usize) -> usize {
        self.bytes[char_offset.min(self.chars())]
    }

    pub fn text(&self) -> &'a str {
        self.text
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips() {
        let t = "Araghchi’s visit — “no”";
        let ix = super::CharIndex::new(t);
        assert_eq!(ix.slice(0, 8), "Araghchi");
        assert_eq!(ix.slice(8, 10), "’s");
        let b = t.find("visit").unwrap();
        assert_eq!(ix.char_at(b), 11);
        assert_eq!(ix.slice(11, 16), "visit");
        assert_eq!(ix.byte(11), b);
        assert_eq!(ix.byte(1000), t.len(), "clamped");
    }
}
