//! GitHub Actions expressions checked against GitHub's documented language: every `${{ }}` in a
//! workflow or action YAML (and every bare `if:`) may call only the documented functions and
//! read only the documented contexts; `steps.ID` must name a step of the same job (or action)
//! and `needs.JOB` a job the job lists in its `needs`.

#![allow(dead_code, unreachable_pub)]

use yaml_rust2::Yaml;

/// GitHub's expression functions
/// (docs.github.com/actions/reference/workflows-and-actions/expressions#functions).
pub const FUNCTIONS: &[&str] = &[
    "contains",
    "startsWith",
    "endsWith",
    "format",
    "join",
    "toJSON",
    "fromJSON",
    "hashFiles",
    "success",
    "always",
    "cancelled",
    "failure",
];

/// GitHub's contexts (docs.github.com/actions/reference/workflows-and-actions/contexts).
pub const CONTEXTS: &[&str] = &[
    "github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy", "matrix",
    "needs", "inputs",
];

/// What one job (or one composite action) lets its expressions name.
#[derive(Default)]
struct Scope {
    steps: Vec<String>,
    needs: Vec<String>,
}

/// Every problem of the expressions in `doc` (a workflow or a composite action), each
/// prefixed with `place`.
pub fn check_document(doc: &Yaml, place: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(jobs) = doc["jobs"].as_hash() {
        for (name, job) in jobs {
            let scope = Scope {
                steps: step_ids(&job["steps"]),
                needs: match &job["needs"] {
                    Yaml::String(s) => vec![s.clone()],
                    Yaml::Array(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                },
            };
            let job_place = format!("{place}: job {}", name.as_str().unwrap_or("?"));
            walk(job, false, &scope, &job_place, &mut problems);
        }
        // `on:`, `env:` and the rest outside the jobs.
        if let Some(map) = doc.as_hash() {
            for (key, value) in map {
                if key.as_str() != Some("jobs") {
                    walk(value, false, &Scope::default(), place, &mut problems);
                }
            }
        }
    } else {
        let scope = Scope {
            steps: step_ids(&doc["runs"]["steps"]),
            needs: Vec::new(),
        };
        walk(doc, false, &scope, place, &mut problems);
    }
    problems
}

/// The problems of one expression (the text between `${{` and `}}`, or a bare `if:`).
pub fn check_expression(expr: &str) -> Vec<String> {
    check_in_scope(expr, None)
}

fn step_ids(steps: &Yaml) -> Vec<String> {
    steps
        .as_vec()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| s["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn walk(yaml: &Yaml, is_if: bool, scope: &Scope, place: &str, problems: &mut Vec<String>) {
    match yaml {
        Yaml::Hash(map) => {
            for (key, value) in map {
                if let Some(k) = key.as_str() {
                    check_string(k, false, scope, place, problems);
                }
                walk(value, key.as_str() == Some("if"), scope, place, problems);
            }
        }
        Yaml::Array(items) => items
            .iter()
            .for_each(|i| walk(i, false, scope, place, problems)),
        Yaml::String(s) => check_string(s, is_if, scope, place, problems),
        _ => {}
    }
}

fn check_string(s: &str, is_if: bool, scope: &Scope, place: &str, problems: &mut Vec<String>) {
    let mut found = false;
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        found = true;
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else {
            problems.push(format!("{place}: `${{{{` never closed in {s:?}"));
            return;
        };
        for p in check_in_scope(&after[..end], Some(scope)) {
            problems.push(format!("{place}: {p}"));
        }
        rest = &after[end + 2..];
    }
    if is_if && !found {
        for p in check_in_scope(s, Some(scope)) {
            problems.push(format!("{place}: {p}"));
        }
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Str,
    Number,
    /// A property path: `github.ref_name`, `steps.qa.outputs.failed`, `matrix['a b']`.
    Path(Vec<String>),
    Call(String),
    Punct,
}

fn check_in_scope(expr: &str, scope: Option<&Scope>) -> Vec<String> {
    let mut problems = Vec::new();
    let tokens = match tokenize(expr) {
        Ok(t) => t,
        Err(e) => return vec![format!("`{}`: {e}", expr.trim())],
    };
    for token in tokens {
        match token {
            Token::Call(name) if !FUNCTIONS.contains(&name.as_str()) => problems.push(format!(
                "`{}`: `{name}` is not a GitHub expression function (they are: {})",
                expr.trim(),
                FUNCTIONS.join(", ")
            )),
            Token::Path(path) => {
                let head = path[0].as_str();
                if matches!(head, "true" | "false" | "null") && path.len() == 1 {
                    continue;
                }
                if !CONTEXTS.contains(&head) {
                    problems.push(format!(
                        "`{}`: `{head}` is not a GitHub context",
                        expr.trim()
                    ));
                    continue;
                }
                let Some(scope) = scope else { continue };
                let named = path.get(1).map(String::as_str);
                match (head, named) {
                    ("steps", Some(id)) if !scope.steps.iter().any(|s| s == id) => {
                        problems.push(format!("`{}`: no step has `id: {id}` here", expr.trim()));
                    }
                    ("needs", Some(job)) if !scope.needs.iter().any(|n| n == job) => {
                        problems.push(format!(
                            "`{}`: `{job}` is not in this job's `needs`",
                            expr.trim()
                        ));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    problems
}

fn tokenize(expr: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut depth = 0i32;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            // '' is an escaped quote inside a string.
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
                    Some('\'') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            tokens.push(Token::Str);
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            i += 1;
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '.')
            {
                i += 1;
            }
            tokens.push(Token::Number);
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut path = Vec::new();
            loop {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                {
                    i += 1;
                }
                path.push(chars[start..i].iter().collect::<String>());
                // `.*` (an object filter) may stand between properties.
                while chars.get(i) == Some(&'.') && chars.get(i + 1) == Some(&'*') {
                    i += 2;
                }
                if chars.get(i) == Some(&'.')
                    && chars
                        .get(i + 1)
                        .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_')
                {
                    i += 1;
                    continue;
                }
                if chars.get(i) == Some(&'.') {
                    return Err(format!(
                        "a property name is missing after `{}.`",
                        path.join(".")
                    ));
                }
                break;
            }
            if chars.get(i) == Some(&'(') && path.len() == 1 {
                tokens.push(Token::Call(path.remove(0)));
            } else {
                tokens.push(Token::Path(path));
            }
        } else if c == '(' || c == '[' {
            depth += 1;
            i += 1;
            tokens.push(Token::Punct);
        } else if c == ')' || c == ']' {
            depth -= 1;
            if depth < 0 {
                return Err(format!("unbalanced `{c}`"));
            }
            i += 1;
            tokens.push(Token::Punct);
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if matches!(two.as_str(), "==" | "!=" | "<=" | ">=" | "&&" | "||") {
                i += 2;
            } else if c == '.' {
                // A property of what comes before (`fromJSON(x).name`, `matrix['a'].b`).
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*'))
                {
                    i += 1;
                }
            } else if matches!(c, '<' | '>' | '!' | ',') {
                i += 1;
            } else {
                return Err(format!("`{c}` is not an expression operator"));
            }
            tokens.push(Token::Punct);
        }
    }
    if depth != 0 {
        return Err("unbalanced brackets".into());
    }
    Ok(tokens)
}

/// The ```` ```yaml ```` blocks of a Markdown file, each with the 1-based line of its first
/// line.
pub(crate) fn yaml_blocks(path: &std::path::Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```yaml" => current = Some((n + 2, String::new())),
            Some(_) if line.trim_start() == "```" => blocks.extend(current.take()),
            Some((_, block)) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}
