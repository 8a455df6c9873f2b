//! SMS segments: what a carrier bills. A text in the GSM-7 alphabet fits 160 characters in
//! one segment and 153 per segment once split (the rest carries the concatenation header);
//! a text with any character outside it is sent as UCS-2: 70 UTF-16 units in one segment,
//! 67 per segment once split. GSM-7 extension characters (`{ } [ ] ~ ^ | € \` and form
//! feed) take two units each (an escape, then the character).

/// How a text is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// A text's encoding, its length in that encoding's units, and its segment count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentCount {
    pub encoding: Encoding,
    /// GSM-7 septets (extension characters count 2), or UTF-16 code units.
    pub units: usize,
    /// Segments billed; 0 for an empty text.
    pub segments: usize,
}

/// One-segment and per-segment capacity of each encoding.
pub const GSM7_SINGLE: usize = 160;
pub const GSM7_MULTI: usize = 153;
pub const UCS2_SINGLE: usize = 70;
pub const UCS2_MULTI: usize = 67;

/// The GSM 03.38 basic character set (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The GSM 03.38 extension table (two septets each: an escape, then the character).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{000C}";

/// Septets `c` takes in GSM-7, or `None` when it is not in the alphabet.
pub fn gsm7_units(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Whether the whole text is in the GSM-7 alphabet.
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| gsm7_units(c).is_some())
}

/// The encoding, length and segment count of `text`.
pub fn segment_count(text: &str) -> SegmentCount {
    let gsm: Option<usize> = text.chars().map(gsm7_units).sum();
    let (encoding, units, single, multi) = match gsm {
        Some(units) => (Encoding::Gsm7, units, GSM7_SINGLE, GSM7_MULTI),
        None => (
            Encoding::Ucs2,
            text.encode_utf16().count(),
            UCS2_SINGLE,
            UCS2_MULTI,
        ),
    };
    let segments = match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(multi),
    };
    SegmentCount {
        encoding,
        units,
        segments,
    }
}

/// The number of segments `text` is billed as.
pub fn segments(text: &str) -> usize {
    segment_count(text).segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_ascii_is_gsm7_and_160_fit_one_segment() {
        assert_eq!(segments(""), 0);
        assert_eq!(segments("Hi"), 1);
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"a".repeat(306)), 2);
        assert_eq!(segments(&"a".repeat(307)), 3);
        assert_eq!(segment_count("Hi").encoding, Encoding::Gsm7);
    }

    #[test]
    fn extension_characters_count_double() {
        assert_eq!(segment_count("{}").units, 4);
        assert_eq!(segment_count("€").units, 2);
        assert_eq!(segments(&format!("{}[", "a".repeat(158))), 1);
        assert_eq!(segments(&format!("{}[", "a".repeat(159))), 2);
        for c in ['^', '{', '}', '\\', '[', '~', ']', '|', '€'] {
            assert_eq!(gsm7_units(c), Some(2), "{c}");
        }
    }

    #[test]
    fn gsm7_accents_are_one_unit_and_others_force_ucs2() {
        assert_eq!(segment_count("é à ñ Ü £ ¥ §").encoding, Encoding::Gsm7);
        for text in [
            "it\u{2019}s",
            "\u{201C}hi\u{201D}",
            "ok \u{1F600}",
            "ç",
            "`",
            "Zoë",
        ] {
            assert_eq!(segment_count(text).encoding, Encoding::Ucs2, "{text}");
        }
    }

    #[test]
    fn ucs2_fits_70_then_67_per_segment() {
        let curly = "\u{2019}";
        assert_eq!(segments(&curly.repeat(70)), 1);
        assert_eq!(segments(&curly.repeat(71)), 2);
        assert_eq!(segments(&curly.repeat(134)), 2);
        assert_eq!(segments(&curly.repeat(135)), 3);
        // An emoji is two UTF-16 units.
        assert_eq!(segment_count("\u{1F600}").units, 2);
        assert_eq!(segments(&format!("{}\u{1F600}", "a".repeat(68))), 1);
        assert_eq!(segments(&format!("{}\u{1F600}", "a".repeat(69))), 2);
    }

    proptest! {
        #[test]
        fn segments_grow_with_the_text_and_cover_it(s in "[a-z {}€é\u{2019}]{0,400}") {
            let c = segment_count(&s);
            let (single, multi) = match c.encoding {
                Encoding::Gsm7 => (GSM7_SINGLE, GSM7_MULTI),
                Encoding::Ucs2 => (UCS2_SINGLE, UCS2_MULTI),
            };
            if c.segments == 1 {
                prop_assert!(c.units <= single);
            } else if c.segments > 1 {
                prop_assert!(c.units <= c.segments * multi && c.units > single);
            }
            let longer = format!("{s}a");
            prop_assert!(segments(&longer) >= c.segments);
        }
    }
}
