//! Tidy: every JSON example in the docs validates against its committed schema. A page with
//! ```` ```json ```` blocks links the schema they follow (`[...](NAME.schema.json)`); a block is
//! a whole document, or a fragment `"key": value` checked against that key's part of the schema.

use std::fs;
use std::path::Path;

use super::{check, files, rel, root};

#[test]
fn every_json_example_in_the_docs_follows_its_schema() {
    let mut docs = vec![root().join("README.md")];
    files(&root().join("docs"), "md", &mut docs);
    let mut violations = Vec::new();
    let mut checked = 0;
    for path in docs {
        let text = fs::read_to_string(&path).unwrap();
        let blocks = json_blocks(&text);
        if blocks.is_empty() {
            continue;
        }
        let schema = match linked_schema(&path, &text) {
            Ok(schema) => schema,
            Err(e) => {
                violations.push(format!("{}: {e}", rel(&path)));
                continue;
            }
        };
        for (line, block) in blocks {
            checked += 1;
            if let Err(e) = validate(&schema, &block) {
                violations.push(format!("{}:{line}: {e}", rel(&path)));
            }
        }
    }
    assert!(checked >= 2, "found only {checked} JSON examples");
    check(violations);
}

#[test]
fn an_example_missing_a_required_key_is_caught() {
    let schema = serde_json::json!({
        "type": "object",
        "properties": { "a": { "$ref": "#/$defs/A" } },
        "required": ["a"],
        "$defs": { "A": { "type": "object", "required": ["b"] } }
    });
    assert!(validate(&schema, r#"{ "a": { "b": 1 } }"#).is_ok());
    assert!(validate(&schema, r#"{ }"#).is_err());
    assert!(validate(&schema, r#""a": { "b": 1 }"#).is_ok());
    let err = validate(&schema, r#""a": { "c": 1 }"#).unwrap_err();
    assert!(err.contains("'b' is a required property"), "{err}");
    assert!(validate(&schema, r#""z": 1"#).is_err());
    assert!(validate(&schema, "{ not json").is_err());
}

/// The ```` ```json ```` blocks of a Markdown page, each with the 1-based line of its fence.
fn json_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut open {
            None if line.trim() == "```json" => open = Some((n + 1, String::new())),
            None => {}
            Some(_) if line.trim() == "```" => blocks.extend(open.take()),
            Some((_, block)) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

/// The one `*.schema.json` the page links to, read relative to the page.
fn linked_schema(page: &Path, text: &str) -> Result<serde_json::Value, String> {
    let mut links: Vec<&str> = text
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| target.ends_with(".schema.json"))
        .collect();
    links.sort_unstable();
    links.dedup();
    let [link] = links[..] else {
        return Err(format!(
            "has JSON examples, so it must link exactly one `*.schema.json` they follow \
             (links {links:?})"
        ));
    };
    let path = page.parent().unwrap().join(link);
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Checks a block: a whole document against `schema`, or a fragment `"key": value` against the
/// schema of the top-level property `key` (with the schema's `$defs`, which its refs name).
fn validate(schema: &serde_json::Value, block: &str) -> Result<(), String> {
    let (instance, schema) = match serde_json::from_str(block) {
        Ok(instance) => (instance, schema.clone()),
        Err(whole) => {
            let wrapped: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&format!("{{{block}}}"))
                    .map_err(|_| format!("not JSON: {whole}"))?;
            let [(key, value)] = Vec::from_iter(wrapped)
                .try_into()
                .map_err(|_| "a fragment holds one `\"key\": value`".to_string())?;
            let mut part = schema["properties"]
                .get(&key)
                .cloned()
                .ok_or_else(|| format!("the schema has no top-level property `{key}`"))?;
            if let Some(defs) = schema.get("$defs") {
                part["$defs"] = defs.clone();
            }
            (value, part)
        }
    };
    testkit::json_schema::validate(&schema, &instance)
        .map_err(|errors| format!("does not follow the schema: {}", errors.join("; ")))
}
