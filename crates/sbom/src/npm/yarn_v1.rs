//! Yarn 1's own lockfile format (`# yarn lockfile v1`), parsed into entries: each block's keys
//! (`"a@^1", a@~1:`), its fields (`version "1.2.3"`) and its tables (`dependencies:` with
//! `name "range"` lines), with the line each block starts on. Nothing deeper exists in it.

use std::collections::BTreeMap;

/// One block of the lockfile.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Block {
    /// The descriptors (`name@range`) this block resolves.
    pub keys: Vec<String>,
    pub fields: BTreeMap<String, String>,
    pub tables: BTreeMap<String, Vec<(String, String)>>,
    /// 1-based line of the keys.
    pub line: usize,
}

/// Every block, in file order; an error names the 1-based line and column.
pub(super) fn parse(text: &str) -> Result<Vec<Block>, (usize, usize, String)> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut table: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let trimmed = raw.trim_end();
        let body = trimmed.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = trimmed.len() - body.len();
        let err = |col: usize, msg: &str| (line_no, indent + col + 1, msg.to_string());
        match indent {
            0 => {
                let keys = key_list(body).map_err(|(col, msg)| err(col, &msg))?;
                blocks.push(Block {
                    keys,
                    line: line_no,
                    ..Block::default()
                });
                table = None;
            }
            2 | 4 => {
                let Some(block) = blocks.last_mut() else {
                    return Err(err(0, "indented line before any entry"));
                };
                let (key, rest) = token(body).map_err(|(col, msg)| err(col, &msg))?;
                let rest_trim = rest.trim_start();
                if indent == 2 && rest_trim == ":" {
                    block.tables.entry(key.clone()).or_default();
                    table = Some(key);
                    continue;
                }
                if rest_trim.is_empty() || rest.len() == rest_trim.len() {
                    let col = body.len() - rest.len();
                    return Err(err(col, "expected `key value` or `key:`"));
                }
                let col = body.len() - rest_trim.len();
                let (value, tail) = token(rest_trim).map_err(|(c, msg)| err(col + c, &msg))?;
                if !tail.trim().is_empty() {
                    return Err(err(
                        body.len() - tail.len(),
                        "unexpected text after the value",
                    ));
                }
                if indent == 2 {
                    table = None;
                    block.fields.insert(key, value);
                } else {
                    let Some(t) = &table else {
                        return Err(err(0, "indented line outside a table"));
                    };
                    block
                        .tables
                        .entry(t.clone())
                        .or_default()
                        .push((key, value));
                }
            }
            _ => {
                return Err(err(
                    0,
                    "unexpected indentation (entries use 0, 2 or 4 spaces)",
                ));
            }
        }
    }
    Ok(blocks)
}

/// `"a@^1", a@~1:` as its keys.
fn key_list(line: &str) -> Result<Vec<String>, (usize, String)> {
    let mut keys = Vec::new();
    let mut rest = line;
    loop {
        let at = line.len() - rest.len();
        let (key, tail) = token(rest).map_err(|(c, m)| (at + c, m))?;
        keys.push(key);
        let tail = tail.trim_start();
        if let Some(more) = tail.strip_prefix(',') {
            rest = more.trim_start();
        } else if tail == ":" {
            return Ok(keys);
        } else {
            return Err((
                line.len() - tail.len(),
                "expected `,` or `:` after an entry's key".into(),
            ));
        }
    }
}

/// One token: a JSON-quoted string, or bare text up to a space, `:` or `,`. Returns it and
/// the rest; an error carries the column within `text`.
fn token(text: &str) -> Result<(String, &str), (usize, String)> {
    if let Some(inner) = text.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in inner.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    let quoted = &text[..i + 2];
                    let value: String = serde_json::from_str(quoted)
                        .map_err(|e| (0, format!("bad string: {e}")))?;
                    return Ok((value, &text[i + 2..]));
                }
                _ => {}
            }
        }
        return Err((0, "unterminated string".into()));
    }
    let end = text
        .find(|c: char| c.is_whitespace() || c == ':' || c == ',')
        .unwrap_or(text.len());
    if end == 0 {
        return Err((0, "expected a key or value".into()));
    }
    Ok((text[..end].to_string(), &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_fields_and_tables() {
        let text = "# yarn lockfile v1\n\n\n\"@types/node@20.11.30\", \"@types/node@^20\":\n  version \"20.11.30\"\n  resolved \"https://r/x.tgz#abc\"\n  dependencies:\n    undici-types \"~5.26.4\"\n  optionalDependencies:\n    fsevents \"^2\"\n\nms@2.0.0:\n  version 2.0.0\n";
        let blocks = parse(text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].keys, ["@types/node@20.11.30", "@types/node@^20"]);
        assert_eq!(blocks[0].line, 4);
        assert_eq!(blocks[0].fields["version"], "20.11.30");
        assert_eq!(
            blocks[0].tables["dependencies"],
            [("undici-types".to_string(), "~5.26.4".to_string())]
        );
        assert_eq!(blocks[0].tables["optionalDependencies"].len(), 1);
        assert_eq!(blocks[1].fields["version"], "2.0.0");
    }

    #[test]
    fn errors_name_line_and_column() {
        assert_eq!(
            parse("a@1:\n  version \"1\n").unwrap_err(),
            (2, 11, "unterminated string".into())
        );
        assert_eq!(parse("a@1:\n   version 1\n").unwrap_err().0, 2);
        assert_eq!(parse("  version 1\n").unwrap_err().0, 1);
        assert_eq!(parse("a@1 b\n").unwrap_err().0, 1);
        assert_eq!(parse("a@1:\n    x 1\n").unwrap_err().0, 2);
    }
}
