//! Removing terminal escape sequences (colours, cursor moves, hyperlinks) that tools print into
//! their output, for the log tails shown where they would be noise: the reports (JSON, Markdown,
//! JUnit) and a terminal that is not a TTY or has `NO_COLOR` set. The log on disk keeps them.

/// `text` without ANSI escape sequences: CSI (`ESC [` ... final byte, or the one-byte C1
/// `U+009B`), OSC (`ESC ]` ... up to `BEL` or `ESC \`), and two- or three-byte `ESC` sequences
/// (`ESC ( B`, `ESC =`). A lone `ESC` at the end is dropped.
pub(crate) fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']') => skip_osc(&mut chars),
                // Intermediate bytes, then one final byte (`ESC ( B`).
                Some(' '..='/') => {
                    while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
                    chars.next();
                }
                // A two-byte sequence (`ESC =`, `ESC 7`), or nothing.
                Some(_) | None => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            c => out.push(c),
        }
    }
    out
}

/// Skips a CSI sequence's parameter and intermediate bytes and its final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars
        .next_if(|c| matches!(c, '0'..='?' | ' '..='/'))
        .is_some()
    {}
    // The final byte (`@` to `~`); anything else ends the sequence without being eaten.
    chars.next_if(|c| matches!(c, '@'..='~'));
}

/// Skips an OSC sequence up to and including its terminator (`BEL` or `ESC \`).
fn skip_osc(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn escapes_go_and_text_stays() {
        assert_eq!(strip("\x1b[1;31merror\x1b[0m: x"), "error: x");
        assert_eq!(strip("\x1b[38;5;196mred\x1b[m"), "red");
        assert_eq!(
            strip("see \x1b]8;;https://example.com\x07link\x1b]8;;\x1b\\ here"),
            "see link here"
        );
        assert_eq!(strip("\x1b(Bplain\x1b=\x1b[2K\x1b[1G"), "plain");
        assert_eq!(strip("\u{9b}32mgreen"), "green");
        assert_eq!(strip("ends with \x1b"), "ends with ");
        assert_eq!(strip("[31m not an escape ü"), "[31m not an escape ü");
    }
}
