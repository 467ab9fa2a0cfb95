//! JSON Schema validation for tests, by the reference Python implementation (`jsonschema`,
//! pinned in `tools/python/test.txt`), with the draft the schema's `$schema` names.
//!
//! Not the `jsonschema` crate: as a dev-dependency it turns on features of crates the binary
//! shares (`serde_json`, `regex-automata`, `hashbrown`...), so the binary `cargo test` builds
//! differs from the one `cargo install` builds and the install test could not reuse the build.

use std::process::Command;

use crate::Venv;

/// Checks `instance` against `schema`; `Err` holds one line per violation, `MESSAGE (at
/// /JSON/POINTER)`. Panics when the validator cannot run or the schema itself is invalid.
pub fn validate(
    schema: &serde_json::Value,
    instance: &serde_json::Value,
) -> Result<(), Vec<String>> {
    const SCRIPT: &str = r#"
import json, sys
import jsonschema
pair = json.load(sys.stdin)
schema, instance = pair["schema"], pair["instance"]
cls = jsonschema.validators.validator_for(schema)
try:
    cls.check_schema(schema)
except jsonschema.exceptions.SchemaError as e:
    print("invalid schema: " + e.message, file=sys.stderr)
    sys.exit(2)
errors = sorted(cls(schema).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
for e in errors:
    pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in e.absolute_path)
    print(json.dumps(e.message + " (at " + (pointer or "/") + ")"))
sys.exit(1 if errors else 0)
"#;
    let input = serde_json::json!({ "schema": schema, "instance": instance }).to_string();
    let mut child = Command::new(Venv::test().bin("python"))
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the test venv's python");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("piped");
        stdin
            .write_all(input.as_bytes())
            .expect("write to the validator");
    }
    let out = child.wait_with_output().expect("run the validator");
    let stdout = String::from_utf8_lossy(&out.stdout);
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(stdout
            .lines()
            .map(|l| serde_json::from_str::<String>(l).unwrap_or_else(|_| l.to_string()))
            .collect()),
        _ => panic!(
            "the JSON Schema validator failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_each_violation_with_its_pointer() {
        let schema = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "array", "items": {"type": "string"}}},
            "required": ["a"]
        });
        assert_eq!(
            validate(&schema, &serde_json::json!({"a": 1, "b": ["x"]})),
            Ok(())
        );
        let errors = validate(&schema, &serde_json::json!({"b": ["x", 2]})).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("'a' is a required property") && e.ends_with("(at /)")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("is not of type 'string'") && e.ends_with("(at /b/1)")),
            "{errors:?}"
        );
    }
}
