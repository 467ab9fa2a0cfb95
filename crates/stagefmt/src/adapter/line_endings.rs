//! Giving a formatter's output the line endings of the file it formatted.

/// Gives `formatted` the line endings of `original` (CRLF or LF, by its first line ending).
pub fn keep_line_endings(original: &[u8], formatted: Vec<u8>) -> Vec<u8> {
    let crlf = |b: &[u8]| {
        b.iter()
            .position(|&c| c == b'\n')
            .map(|i| i > 0 && b[i - 1] == b'\r')
    };
    match (crlf(original), crlf(&formatted)) {
        (Some(true), Some(false)) => {
            let mut out = Vec::with_capacity(formatted.len() + formatted.len() / 32);
            for &c in &formatted {
                if c == b'\n' {
                    out.push(b'\r');
                }
                out.push(c);
            }
            out
        }
        (Some(false), Some(true)) => {
            let mut out = Vec::with_capacity(formatted.len());
            let mut i = 0;
            while i < formatted.len() {
                if formatted[i] == b'\r' && formatted.get(i + 1) == Some(&b'\n') {
                    i += 1;
                    continue;
                }
                out.push(formatted[i]);
                i += 1;
            }
            out
        }
        _ => formatted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_follow_the_original() {
        assert_eq!(
            keep_line_endings(b"a\r\nb\r\n", b"a\nb\n".to_vec()),
            b"a\r\nb\r\n"
        );
        assert_eq!(
            keep_line_endings(b"a\nb\n", b"a\r\nb\r\n".to_vec()),
            b"a\nb\n"
        );
        assert_eq!(keep_line_endings(b"a\r\n", b"a\r\n".to_vec()), b"a\r\n");
        assert_eq!(keep_line_endings(b"a", b"a\n".to_vec()), b"a\n");
    }
}
