//! JSON Schema validation for tests, by the reference Python implementation (`jsonschema`,
//! pinned in `tools/python/test.txt`), with the draft the schema's `$schema` names.
//!
//! Not the `jsonschema` crate: as a dev-dependency it turns on features of crates the binary
//! shares (`serde_json`, `regex-automata`, `hashbrown`...), so the binary `cargo test` builds
//! differs from the one `cargo install` builds and the install test could not reuse the build.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use crate::Venv;

/// Checks `instance` against `schema`; `Err` holds one line per violation, `MESSAGE (at
/// /JSON/POINTER)`. Panics when the validator cannot run or the schema itself is invalid.
///
/// One Python process per test binary answers every call (a request and an answer per line),
/// so the interpreter's start and the schema's compilation are paid once, not per report.
pub fn validate(
    schema: &serde_json::Value,
    instance: &serde_json::Value,
) -> Result<(), Vec<String>> {
    let request = serde_json::json!({ "schema": schema, "instance": instance }).to_string();
    let mut server = server().lock().unwrap_or_else(|e| e.into_inner());
    let Server { stdin, stdout, .. } = &mut *server;
    let mut answer = String::new();
    let sent = writeln!(stdin, "{request}").and_then(|()| stdin.flush());
    if sent.is_err() || stdout.read_line(&mut answer).unwrap_or(0) == 0 {
        panic!("the JSON Schema validator (Python jsonschema) stopped; see its stderr above");
    }
    let answer: serde_json::Value =
        serde_json::from_str(&answer).expect("the validator answers JSON");
    if let Some(e) = answer["schema_error"].as_str() {
        panic!("invalid JSON Schema: {e}");
    }
    let errors: Vec<String> = answer["errors"]
        .as_array()
        .expect("the validator lists errors")
        .iter()
        .map(|e| e.as_str().unwrap_or_default().to_string())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

const SCRIPT: &str = r#"
import json, sys
import jsonschema
validators = {}
for line in sys.stdin:
    request = json.loads(line)
    schema, instance = request["schema"], request["instance"]
    key = json.dumps(schema, sort_keys=True)
    validator = validators.get(key)
    if validator is None:
        cls = jsonschema.validators.validator_for(schema)
        try:
            cls.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            print(json.dumps({"schema_error": e.message}), flush=True)
            continue
        validator = validators[key] = cls(schema)
    found = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    errors = []
    for e in found:
        pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in e.absolute_path)
        errors.append(e.message + " (at " + (pointer or "/") + ")")
    print(json.dumps({"errors": errors}), flush=True)
"#;

struct Server {
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Ends when the test binary does: its stdin closes and the loop above ends.
    _child: Child,
}

fn server() -> &'static Mutex<Server> {
    static SERVER: OnceLock<Mutex<Server>> = OnceLock::new();
    SERVER.get_or_init(|| {
        let mut child = Command::new(Venv::test().bin("python"))
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the test venv's python");
        Mutex::new(Server {
            stdin: child.stdin.take().expect("piped"),
            stdout: BufReader::new(child.stdout.take().expect("piped")),
            _child: child,
        })
    })
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
