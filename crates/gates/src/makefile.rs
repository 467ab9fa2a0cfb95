//! Importing a Makefile's quality target into gates, for `qa init`: each recipe command of the
//! target (and of the targets it depends on, in order) becomes a gate with a name, the tool it
//! needs on PATH with an install hint, and `needs` where one gate obviously depends on another
//! (a coverage report on the tests that collect it).
//!
//! Pure: text in, gates out. Make variables set in the file (`VAR = value`, `:=`, `?=`, `+=`
//! appending) are expanded, `$$` becomes `$`, and a variable the file does not set is left to
//! the environment as `${VAR}`; `$(MAKE) target` recurses into that target; `@`, `+` and `-`
//! prefixes are dropped (`-` makes the gate `allow_failure`); a shell comment ends a line
//! (a `#` inside quotes does not). `cd DIR && cmd` becomes `cmd` run in `DIR`, leading
//! `VAR=value` words become the gate's `env`, and a line that only echoes or changes its own
//! shell's state (`echo`, `cd DIR`, `export`, `set`, `true`, `:`) is left out with a note.
//! What make would decide only when it runs (a conditional, `include`, `define`, a make
//! function such as `$(shell ...)`) is refused with its line: the import would not be what
//! make runs.

use std::collections::BTreeMap;

/// A gate imported from a Makefile recipe line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImportedGate {
    pub name: String,
    /// The command line, as written (after variable expansion, without a `cd DIR &&` prefix or
    /// leading `VAR=value` words).
    pub run: String,
    /// Whether it needs a shell (pipes, redirections, `&&`, globs, `$`...).
    pub shell: bool,
    /// The program that must be on PATH.
    pub tool: Option<String>,
    /// The Python module `python -m MODULE` runs, which its interpreter must import.
    pub module: Option<String>,
    /// How to install the tool or module.
    pub install: Option<String>,
    /// The directory of a `cd DIR && ...` prefix.
    pub cwd: Option<String>,
    /// Leading `VAR=value` words.
    pub env: Vec<(String, String)>,
    pub needs: Vec<String>,
    pub allow_failure: bool,
}

/// What a Makefile target imports as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Imported {
    pub gates: Vec<ImportedGate>,
    /// Recipe lines left out, each with its line number and why.
    pub left_out: Vec<String>,
}

/// Why a Makefile could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MakefileError {
    #[error(
        "the Makefile has no target `{target}` (targets: {known}); pass one of them with --make-target"
    )]
    NoTarget { target: String, known: String },
    #[error("target `{target}` runs no command")]
    Empty { target: String },
    /// Something only make can decide when it runs; `line` is 1-based.
    #[error(
        "{what}, which decides what target `{target}` runs only when make runs; qa init imports \
         nothing rather than a guess: write its gates in xtask.toml (`qa init --help` lists its keys)"
    )]
    Unsupported {
        line: usize,
        what: String,
        target: String,
    },
}

impl MakefileError {
    /// The 1-based line the error is about, when it is about one.
    pub(crate) fn line(&self) -> Option<usize> {
        match self {
            MakefileError::Unsupported { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// The gates for `target` of the Makefile `text`.
pub(crate) fn import(text: &str, target: &str) -> Result<Imported, MakefileError> {
    let file = parse(text);
    if !file.rules.contains_key(target) {
        let known: Vec<&str> = file.order.iter().map(String::as_str).collect();
        return Err(MakefileError::NoTarget {
            target: target.to_string(),
            known: known.join(", "),
        });
    }
    let mut commands = Vec::new();
    collect(&file, target, target, &mut Vec::new(), &mut commands)?;
    let mut gates: Vec<ImportedGate> = Vec::new();
    let mut left_out = Vec::new();
    for (rule, line, text) in commands {
        match gate_for(&rule, &text, target) {
            Ok(gate) => gates.push(gate),
            Err(why) => left_out.push(format!("line {line}: `{text}` ({why})")),
        }
    }
    if gates.is_empty() {
        return Err(MakefileError::Empty {
            target: target.to_string(),
        });
    }
    dedupe_names(&mut gates);
    add_needs(&mut gates);
    Ok(Imported { gates, left_out })
}

/// The targets of a Makefile, in order, for error messages and detection.
pub(crate) fn targets(text: &str) -> Vec<String> {
    parse(text).order
}

struct Makefile {
    vars: BTreeMap<String, Var>,
    rules: BTreeMap<String, Rule>,
    order: Vec<String>,
    /// The first `include` line, whose file may set any variable.
    include: Option<(usize, String)>,
}

struct Var {
    value: String,
    line: usize,
    /// Why its value is only known when make runs (set under a conditional, by `define`).
    unsure: Option<(usize, String)>,
}

#[derive(Default)]
struct Rule {
    prerequisites: Vec<String>,
    /// (line, command) pairs.
    recipe: Vec<(usize, String)>,
    /// A directive inside or around its recipe: (line, what).
    unsure: Option<(usize, String)>,
}

const CONDITIONALS: [&str; 4] = ["ifeq", "ifneq", "ifdef", "ifndef"];

fn parse(text: &str) -> Makefile {
    let mut file = Makefile {
        vars: BTreeMap::new(),
        rules: BTreeMap::new(),
        order: Vec::new(),
        include: None,
    };
    let mut current: Option<Vec<String>> = None;
    // Open conditionals, innermost last: (line, text).
    let mut open: Vec<(usize, String)> = Vec::new();
    let mut define: Option<(usize, String)> = None;
    // A directive seen since the current rule's last recipe line: if more recipe lines
    // follow, the directive decides whether they run.
    let mut pending: Option<(usize, String)> = None;
    for (n, line) in logical_lines(text) {
        let code = strip_comment(&line);
        let first = code.split_whitespace().next().unwrap_or("");
        if let Some((at, name)) = &define {
            if first == "endef" {
                file.vars.insert(
                    name.clone(),
                    Var {
                        value: String::new(),
                        line: *at,
                        unsure: Some((*at, format!("`define {name}`"))),
                    },
                );
                define = None;
            }
            continue;
        }
        if let Some(recipe) = line.strip_prefix('\t')
            && current.is_some()
        {
            let recipe = recipe.trim();
            if !recipe.is_empty() && !recipe.starts_with('#') {
                for t in current.iter().flatten() {
                    let rule = file.rules.entry(t.clone()).or_default();
                    rule.recipe.push((n, recipe.to_string()));
                    if let Some(directive) = &pending {
                        rule.unsure.get_or_insert(directive.clone());
                    }
                }
            }
            continue;
        }
        if code.trim().is_empty() {
            continue;
        }
        let directive = CONDITIONALS.contains(&first)
            || matches!(
                first,
                "else" | "endif" | "include" | "-include" | "sinclude" | "define"
            );
        if directive {
            let what = format!("`{}` (line {n})", code.trim());
            if current.is_some() {
                pending.get_or_insert((n, what.clone()));
            }
            match first {
                f if CONDITIONALS.contains(&f) => open.push((n, what)),
                "endif" => {
                    open.pop();
                }
                "define" => {
                    let name = code.split_whitespace().nth(1).unwrap_or("").to_string();
                    let name = name.trim_end_matches(['=', ':', '?', '+']).to_string();
                    define = Some((n, name));
                }
                "else" => {}
                _ => {
                    file.include.get_or_insert((n, what));
                }
            }
            continue;
        }
        let code = code
            .trim_start()
            .strip_prefix("override ")
            .or_else(|| code.trim_start().strip_prefix("export "))
            .unwrap_or(code);
        pending = None;
        if let Some((name, op, value)) = assignment(code) {
            let old = file.vars.get(&name);
            let value = match (op, old) {
                ("?=", Some(_)) => {
                    current = None;
                    continue;
                }
                ("+=", Some(old)) if !old.value.is_empty() => format!("{} {value}", old.value),
                _ => value,
            };
            let unsure = open
                .last()
                .cloned()
                .or_else(|| old.and_then(|o| o.unsure.clone()));
            file.vars.insert(
                name,
                Var {
                    value,
                    line: n,
                    unsure,
                },
            );
            current = None;
            continue;
        }
        if let Some((targets, prerequisites)) = code.split_once(':') {
            let prerequisites = prerequisites.split(';').next().unwrap_or("");
            let targets: Vec<String> = targets.split_whitespace().map(str::to_string).collect();
            if targets.iter().any(|t| t.starts_with('.')) {
                current = None;
                continue;
            }
            for t in &targets {
                if !file.rules.contains_key(t) {
                    file.order.push(t.clone());
                }
                let rule = file.rules.entry(t.clone()).or_default();
                rule.prerequisites
                    .extend(prerequisites.split_whitespace().map(str::to_string));
                if let Some(cond) = open.last() {
                    rule.unsure.get_or_insert(cond.clone());
                }
            }
            current = Some(targets);
        } else {
            current = None;
        }
    }
    file
}

/// Lines with backslash continuations joined, each with its first line's 1-based number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut pending = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if pending.is_empty() {
            start = i + 1;
        }
        match raw.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(if pending.is_empty() {
                    head.trim_end()
                } else {
                    head.trim()
                });
                pending.push(' ');
            }
            None => {
                if pending.is_empty() {
                    lines.push((start, raw.to_string()));
                } else {
                    pending.push_str(raw.trim_start());
                    lines.push((start, std::mem::take(&mut pending)));
                }
            }
        }
    }
    if !pending.is_empty() {
        lines.push((start, pending));
    }
    lines
}

/// A make line without its comment: `#` starts one unless escaped as `\#` (make knows no
/// quotes outside recipes).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1] != b'\\') {
            return &line[..i];
        }
    }
    line
}

/// `NAME OP value` with OP one of make's assignment operators.
fn assignment(line: &str) -> Option<(String, &'static str, String)> {
    for op in ["::=", ":=", "?=", "+=", "!=", "="] {
        if let Some((name, value)) = line.split_once(op) {
            let name = name.trim();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
            if valid {
                let value = value.trim().replace("\\#", "#");
                // `!=` runs a shell command when make reads the file.
                let value = if op == "!=" {
                    format!("$(shell {value})")
                } else {
                    value
                };
                return Some((name.to_string(), op, value));
            }
            return None;
        }
    }
    None
}

fn unsupported(line: usize, what: String, target: &str) -> MakefileError {
    MakefileError::Unsupported {
        line,
        what,
        target: target.to_string(),
    }
}

/// The recipe lines `target` runs, in order: (rule, line number, command).
fn collect(
    file: &Makefile,
    top: &str,
    target: &str,
    seen: &mut Vec<String>,
    out: &mut Vec<(String, usize, String)>,
) -> Result<(), MakefileError> {
    if seen.iter().any(|s| s == target) {
        return Ok(());
    }
    seen.push(target.to_string());
    let Some(rule) = file.rules.get(target) else {
        return Ok(());
    };
    if let Some((line, what)) = &rule.unsure {
        return Err(unsupported(
            *line,
            format!("the recipe of `{target}` depends on {what}"),
            top,
        ));
    }
    for prerequisite in &rule.prerequisites {
        collect(file, top, prerequisite, seen, out)?;
    }
    for (n, raw) in &rule.recipe {
        let line = expand(raw, *n, file, top, target, 0)?;
        let line = line.trim_start_matches(['@', '+']).trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        let is_make = matches!(words.first(), Some(&"make") | Some(&"\u{0}MAKE"));
        if is_make && words.len() >= 2 && words[1..].iter().all(|w| file.rules.contains_key(*w)) {
            for sub in &words[1..] {
                collect(file, top, sub, seen, out)?;
            }
            continue;
        }
        out.push((target.to_string(), *n, line.replace("\u{0}MAKE", "make")));
    }
    Ok(())
}

/// Expands make references in a recipe line (`line` is its number, for errors): variables set
/// in the file, `$$` to `$`, `$@` to the rule's target, `$(MAKE)` to `make`; a variable the file
/// does not set becomes `${VAR}` for the shell to read from the environment, unless an
/// `include` may set it. Make functions and directive-made values are refused.
fn expand(
    text: &str,
    line: usize,
    file: &Makefile,
    top: &str,
    target: &str,
    depth: usize,
) -> Result<String, MakefileError> {
    if depth > 16 {
        return Err(unsupported(
            line,
            format!("a variable that expands itself in `{text}`"),
            top,
        ));
    }
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let Some(&(_, next)) = chars.peek() else {
            out.push('$');
            break;
        };
        chars.next();
        let name = match next {
            '$' => {
                out.push('$');
                continue;
            }
            '(' | '{' => {
                let close = if next == '(' { ')' } else { '}' };
                let rest = &text[i + 2..];
                let mut level = 0usize;
                let end = rest.char_indices().find_map(|(j, ch)| {
                    if ch == next {
                        level += 1;
                    } else if ch == close {
                        if level == 0 {
                            return Some(j);
                        }
                        level -= 1;
                    }
                    None
                });
                let Some(end) = end else {
                    return Err(unsupported(
                        line,
                        format!("an unclosed `${next}` in `{text}`"),
                        top,
                    ));
                };
                for _ in 0..rest[..=end].chars().count() {
                    chars.next();
                }
                rest[..end].to_string()
            }
            other => other.to_string(),
        };
        if name.contains(char::is_whitespace) || name.contains(',') {
            let function = name.split_whitespace().next().unwrap_or("");
            return Err(unsupported(
                line,
                format!("the make function `$({function} ...)` in `{text}`"),
                top,
            ));
        }
        match name.as_str() {
            "@" => out.push_str(target),
            // A marker `collect` reads as `make`: `$(MAKE) lint` recurses into `lint`.
            "MAKE" => out.push_str("\u{0}MAKE"),
            _ => match file.vars.get(&name) {
                Some(var) => {
                    if let Some((at, what)) = &var.unsure {
                        return Err(unsupported(
                            *at,
                            format!("`$({name})`, set under {what}"),
                            top,
                        ));
                    }
                    let value = expand(&var.value, var.line, file, top, target, depth + 1)?;
                    out.push_str(&value);
                }
                None if name.len() == 1 && !name.chars().all(|c| c.is_ascii_alphabetic()) => {
                    return Err(unsupported(
                        line,
                        format!("the automatic variable `${name}` in `{text}`"),
                        top,
                    ));
                }
                None => {
                    if let Some((at, what)) = &file.include {
                        return Err(unsupported(
                            *at,
                            format!("`$({name})`, which only {what} may set"),
                            top,
                        ));
                    }
                    out.push_str(&format!("${{{name}}}"));
                }
            },
        }
    }
    Ok(out)
}

/// Shell builtins: never a gate's `tool`.
const BUILTINS: &[&str] = &[
    "cd", "echo", "export", "test", "[", "true", "false", ":", "set", "unset", "printf", "exit",
    "source", ".", "eval", "exec", "read", "pwd", "umask", "shift", "trap", "wait", "type",
    "command", "alias", "readonly", "local", "return",
];

/// Builtins that only print or change their own shell's state: a line of them checks nothing
/// (each recipe line runs in a shell of its own).
const NO_CHECK: &[&str] = &[
    "cd", "echo", "export", "true", ":", "set", "unset", "printf", "alias", "readonly",
];

fn gate_for(rule: &str, line: &str, top: &str) -> Result<ImportedGate, String> {
    let mut line = strip_shell_comment(line).trim();
    let mut allow_failure = false;
    while let Some(rest) = line.strip_prefix(['-', '@', '+']) {
        allow_failure |= line.starts_with('-');
        line = rest.trim_start();
    }
    let (cwd, line) = split_cd(line);
    let mut words =
        shlex::split(line).unwrap_or_else(|| line.split_whitespace().map(str::to_string).collect());
    let mut env = Vec::new();
    while let Some((k, v)) = words.first().and_then(|w| env_assignment(w)) {
        env.push((k, v));
        words.remove(0);
    }
    let line = match env.len() {
        0 => line.to_string(),
        _ => skip_words(line, env.len()),
    };
    if words.is_empty() {
        return Err("sets variables only".into());
    }
    if NO_CHECK.contains(&words[0].as_str()) && !needs_shell(&line) {
        return Err(format!("`{}` checks nothing", words[0]));
    }
    let shell = needs_shell(&line);
    let (tool, module, install, kind) = classify(&words);
    // A rule of its own (`lint:`) names its gate; the top target's own lines are named by kind.
    let name = if rule != top { rule.to_string() } else { kind };
    Ok(ImportedGate {
        name,
        run: line,
        shell,
        tool,
        module,
        install,
        cwd,
        env,
        needs: Vec::new(),
        allow_failure,
    })
}

/// The line up to an unquoted `#` that starts a word: the shell's comment.
fn strip_shell_comment(line: &str) -> &str {
    let (mut single, mut double, mut escaped) = (false, false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && !single {
            escaped = true;
        } else if c == '\'' && !double {
            single = !single;
        } else if c == '"' && !single {
            double = !double;
        } else if c == '#' && !single && !double && prev.is_whitespace() {
            return line[..i].trim_end();
        }
        prev = c;
    }
    line
}

/// `cd DIR && cmd` (or `cd DIR; cmd`): the directory and the rest. A `DIR` that is absolute,
/// climbs out with `..`, or needs the shell is kept in the command.
fn split_cd(line: &str) -> (Option<String>, &str) {
    let Some(rest) = line.strip_prefix("cd ") else {
        return (None, line);
    };
    let Some((dir, cmd)) = rest
        .split_once("&&")
        .or_else(|| rest.split_once(';'))
        .map(|(d, c)| (d.trim(), c.trim()))
    else {
        return (None, line);
    };
    let plain = !dir.is_empty()
        && !dir.starts_with('/')
        && !dir.split('/').any(|p| p == "..")
        && dir
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
    if !plain || cmd.is_empty() {
        return (None, line);
    }
    (Some(dir.trim_end_matches('/').to_string()), cmd)
}

fn env_assignment(word: &str) -> Option<(String, String)> {
    let (k, v) = word.split_once('=')?;
    let valid = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| (k.to_string(), v.to_string()))
}

/// `line` without its first `n` words (the shell words the env assignments were).
fn skip_words(line: &str, n: usize) -> String {
    let mut rest = line.trim_start();
    for _ in 0..n {
        let (mut single, mut double) = (false, false);
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '\'' if !double => single = !single,
                    '"' if !single => double = !double,
                    _ => {}
                }
                c.is_whitespace() && !single && !double
            })
            .map_or(rest.len(), |(i, _)| i);
        rest = rest[end..].trim_start();
    }
    rest.to_string()
}

/// Whether the line needs a shell: an operator, redirection, glob or `~` outside quotes, or a
/// `$` or backquote outside single quotes.
fn needs_shell(line: &str) -> bool {
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in line.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '$' | '`' if !single => return true,
            '|' | '&' | ';' | '>' | '<' | '*' | '?' | '~' if !single && !double => return true,
            _ => {}
        }
    }
    false
}

type Classified = (Option<String>, Option<String>, Option<String>, String);

/// The tool a command needs, the Python module it runs, the install hint, and a gate name for
/// what it does.
fn classify(words: &[String]) -> Classified {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let Some(&program) = words.first() else {
        return (None, None, None, "command".to_string());
    };
    let program = program.rsplit('/').next().unwrap_or(program);
    if BUILTINS.contains(&program) {
        return (None, None, None, kind_of(program, &words[1..]));
    }
    // Runners: the gate's tool is the runner, which provides what it runs (from the project's
    // environment, which need not be on PATH); its kind comes from what it runs.
    let runner_hint = match program {
        "uv" => Some("pip install uv"),
        "poetry" => Some("pip install poetry"),
        "pipenv" => Some("pip install pipenv"),
        "hatch" => Some("pip install hatch"),
        _ => None,
    };
    if let Some(hint) = runner_hint
        && words.get(1) == Some(&"run")
    {
        let inner: Vec<String> = words[2..]
            .iter()
            .filter(|w| !w.starts_with("--"))
            .map(|w| w.to_string())
            .collect();
        let (_, _, _, kind) = classify(&inner);
        return (
            Some(program.to_string()),
            None,
            Some(hint.to_string()),
            kind,
        );
    }
    if program.starts_with("python")
        && words.get(1) == Some(&"-m")
        && let Some(module) = words.get(2)
    {
        // The interpreter runs the module: the gate needs the module importable, checked
        // without running it (`module` in xtask.toml).
        let kind = kind_of(module, &words[3..]);
        let package = module.split('.').next().unwrap_or(module).replace('_', "-");
        return (
            None,
            Some(module.to_string()),
            Some(format!("pip install {package}")),
            kind,
        );
    }
    let kind = kind_of(program, &words[1..]);
    let hint = install_hint(program);
    (Some(program.to_string()), None, Some(hint), kind)
}

fn kind_of(program: &str, args: &[&str]) -> String {
    let has = |flag: &str| args.iter().any(|a| a.starts_with(flag));
    let kind = match program {
        "ruff" if args.first() == Some(&"format") => "format",
        "ruff" => "lint",
        "black" | "isort" => "format",
        "flake8" | "pylint" => "lint",
        "mypy" | "pyright" => "types",
        "pytest" | "py.test" if has("--cov") => "tests",
        "pytest" | "py.test" | "tox" | "nox" => "tests",
        "coverage" => "coverage",
        "bandit" | "pip-audit" | "safety" => "security",
        "detect_secrets" | "detect-secrets" => "secrets",
        "pre-commit" | "prek" => "pre-commit",
        "cargo" => match args.first() {
            Some(&"fmt") => "fmt",
            Some(&"clippy") => "clippy",
            Some(&"test") | Some(&"nextest") => "test",
            Some(&"doc") => "doc",
            Some(&"build") => "build",
            Some(other) => return format!("cargo-{other}"),
            None => "cargo",
        },
        "docker" if args.first() == Some(&"build") => "build",
        "python" | "python3" => "python",
        other => return other.to_string(),
    };
    kind.to_string()
}

fn install_hint(program: &str) -> String {
    match program {
        "cargo" => "install Rust with rustup (https://rustup.rs)".to_string(),
        "make" | "sh" | "bash" | "git" | "docker" | "grep" | "sed" | "awk" | "find" | "diff"
        | "ls" | "cat" | "xargs" | "jq" | "curl" | "shellcheck" => {
            format!("install {program} with your system's package manager")
        }
        "npm" | "npx" | "node" => "install Node.js (https://nodejs.org)".to_string(),
        "detect-secrets" => "pip install detect-secrets".to_string(),
        "pytest" | "py.test" => "pip install pytest".to_string(),
        "pre-commit" => "pip install pre-commit".to_string(),
        other => format!("pip install {other}"),
    }
}

fn dedupe_names(gates: &mut [ImportedGate]) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for gate in gates.iter_mut() {
        let n = counts.entry(gate.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            gate.name = format!("{}-{n}", gate.name);
        }
    }
}

/// Obvious dependencies: a coverage report needs the tests that collect coverage.
fn add_needs(gates: &mut [ImportedGate]) {
    let tests: Option<String> = gates
        .iter()
        .find(|g| g.name == "tests" || g.name.starts_with("test"))
        .map(|g| g.name.clone());
    for gate in gates.iter_mut() {
        let reports_coverage = gate.name == "coverage"
            || gate.run.contains("coverage report")
            || gate.run.contains("coverage xml");
        if reports_coverage
            && let Some(tests) = &tests
            && &gate.name != tests
        {
            gate.needs.push(tests.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEAM_MAKEFILE: &str = "\
PYTHON ?= python
SRC := apps tests ops

.PHONY: qa
qa:
\truff format --check .
\truff check .
\tpytest --cov=apps --cov-report=xml
\tcoverage report --fail-under=80
\tmypy $(SRC)
\tbandit -r apps -q
\t$(PYTHON) -m detect_secrets scan --baseline .secrets.baseline
\t@pre-commit run --all-files
";

    #[test]
    fn the_team_makefile_becomes_named_gates_with_tools_and_needs() {
        let gates = import(TEAM_MAKEFILE, "qa").unwrap().gates;
        let summary: Vec<String> = gates
            .iter()
            .map(|g| format!("{} | {} | {:?} | {:?}", g.name, g.run, g.tool, g.needs))
            .collect();
        assert_eq!(
            summary,
            [
                "format | ruff format --check . | Some(\"ruff\") | []",
                "lint | ruff check . | Some(\"ruff\") | []",
                "tests | pytest --cov=apps --cov-report=xml | Some(\"pytest\") | []",
                "coverage | coverage report --fail-under=80 | Some(\"coverage\") | [\"tests\"]",
                "types | mypy apps tests ops | Some(\"mypy\") | []",
                "security | bandit -r apps -q | Some(\"bandit\") | []",
                "secrets | python -m detect_secrets scan --baseline .secrets.baseline | None | []",
                "pre-commit | pre-commit run --all-files | Some(\"pre-commit\") | []",
            ]
        );
        assert_eq!(gates[6].module.as_deref(), Some("detect_secrets"));
        assert_eq!(
            gates[6].install.as_deref(),
            Some("pip install detect-secrets")
        );
    }

    #[test]
    fn prerequisite_targets_name_their_gates() {
        let text = "qa: lint test\nlint:\n\truff check .\ntest:\n\tuv run pytest\ncov: test\n\tcoverage xml\n";
        let gates = import(text, "qa").unwrap().gates;
        let names: Vec<&str> = gates.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["lint", "test"]);
        assert_eq!(gates[1].tool.as_deref(), Some("uv"));
        let gates = import(text, "cov").unwrap().gates;
        assert_eq!(gates[1].needs, ["test"]);
    }

    #[test]
    fn continuations_prefixes_recursion_and_shell_detection() {
        let text = "all:\n\t-mypy src \\\n\t  --strict\n\t$(MAKE) lint\nlint:\n\truff check . | tee out.txt\n";
        let gates = import(text, "all").unwrap().gates;
        assert_eq!(gates[0].run, "mypy src --strict");
        assert!(gates[0].allow_failure);
        assert!(!gates[0].shell);
        assert_eq!(gates[1].name, "lint");
        assert!(gates[1].shell);
    }

    #[test]
    fn a_missing_target_names_the_known_ones() {
        let err = import("lint:\n\truff check .\n", "qa").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the Makefile has no target `qa` (targets: lint); pass one of them with --make-target"
        );
    }

    fn one(text: &str) -> ImportedGate {
        let gates = import(text, "qa").unwrap().gates;
        assert_eq!(gates.len(), 1, "{gates:?}");
        gates.into_iter().next().unwrap()
    }

    fn refused(text: &str) -> (usize, String) {
        let err = import(text, "qa").unwrap_err();
        (err.line().unwrap_or(0), err.to_string())
    }

    #[test]
    fn plus_equals_appends_and_question_equals_keeps_the_first_value() {
        let g = one("SRC := apps\nSRC += tests\nSRC ?= other\nqa:\n\tmypy $(SRC)\n");
        assert_eq!(g.run, "mypy apps tests");
        let g = one("FLAGS += --strict\nqa:\n\tmypy $(FLAGS) .\n");
        assert_eq!(g.run, "mypy --strict .");
    }

    #[test]
    fn conditionals_includes_defines_and_functions_are_refused_with_their_line() {
        let (line, msg) =
            refused("qa:\n\truff check .\nifeq ($(CI),true)\n\tmypy .\nendif\n\tpytest\n");
        assert_eq!(line, 3, "{msg}");
        assert!(msg.contains("`ifeq ($(CI),true)`"), "{msg}");
        let (line, _) = refused("ifdef CI\nqa:\n\tpytest\nendif\n");
        assert_eq!(line, 1);
        let (line, msg) =
            refused("ifndef FAST\nSRC := a b\nelse\nSRC := a\nendif\nqa:\n\tmypy $(SRC)\n");
        assert_eq!(line, 1, "{msg}");
        assert!(
            msg.starts_with("`$(SRC)`, set under `ifndef FAST` (line 1), which"),
            "{msg}"
        );
        let (line, msg) = refused("include common.mk\nqa:\n\tmypy $(SRC)\n");
        assert_eq!(line, 1, "{msg}");
        let (line, msg) = refused("define RUN\n\tmypy .\nendef\nqa:\n\t$(RUN)\n");
        assert_eq!(line, 1, "{msg}");
        let (line, msg) = refused("qa:\n\tmypy $(shell git ls-files '*.py')\n");
        assert_eq!(line, 2);
        assert!(msg.contains("`$(shell ...)`"), "{msg}");
        let (line, _) = refused("FILES = $(shell ls)\nqa:\n\tmypy $(FILES)\n");
        assert_eq!(line, 1);
        let (line, _) = refused("FILES != ls\nqa:\n\tmypy $(FILES)\n");
        assert_eq!(line, 1);
        // A conditional elsewhere does not concern the target.
        let g = one("qa:\n\tpytest\n\nifdef CI\nX = 1\nendif\n");
        assert_eq!(g.run, "pytest");
    }

    #[test]
    fn a_hash_in_quotes_is_not_a_comment_and_an_unquoted_one_is() {
        let g = one("qa:\n\tpytest -k \"not slow # flaky\" # the suite\n");
        assert_eq!(g.run, "pytest -k \"not slow # flaky\"");
        let g = one("MSG = a\\#b # comment\nqa:\n\tgrep -r '$(MSG)' src\n");
        assert_eq!(g.run, "grep -r 'a#b' src");
    }

    #[test]
    fn builtins_are_no_tool_and_cd_becomes_cwd() {
        let gates = import(
            "qa:\n\t@echo \"==> checks\"\n\tcd docs\n\texport X=1\n\ttest -f setup.cfg\n\
             \tcd frontend && npm test\n\tcd src; mypy .\n\tPYTHONPATH=src DEBUG=\"a b\" pytest -q\n",
            "qa",
        )
        .unwrap();
        let summary: Vec<String> = gates
            .gates
            .iter()
            .map(|g| {
                format!(
                    "{} | {} | {:?} | {:?} | {:?}",
                    g.name, g.run, g.tool, g.cwd, g.env
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                "test | test -f setup.cfg | None | None | []",
                "npm | npm test | Some(\"npm\") | Some(\"frontend\") | []",
                "types | mypy . | Some(\"mypy\") | Some(\"src\") | []",
                "tests | pytest -q | Some(\"pytest\") | None | [(\"PYTHONPATH\", \"src\"), (\"DEBUG\", \"a b\")]",
            ]
        );
        assert_eq!(gates.left_out.len(), 3, "{:?}", gates.left_out);
        assert!(
            gates.left_out[0].starts_with("line 2: `echo \"==> checks\"`"),
            "{:?}",
            gates.left_out
        );
        assert!(
            gates
                .gates
                .iter()
                .all(|g| g.install.as_deref() != Some("pip install cd"))
        );
    }

    #[test]
    fn python_m_needs_the_module_and_env_vars_go_to_the_shell() {
        let g = one("qa:\n\tpython3 -m detect_secrets.main scan\n");
        assert_eq!(g.tool, None);
        assert_eq!(g.module.as_deref(), Some("detect_secrets.main"));
        assert_eq!(g.install.as_deref(), Some("pip install detect-secrets"));
        assert_eq!(g.name, "detect_secrets.main");
        let g = one("qa:\n\tpytest $(PYTEST_ARGS) $$HOME\n");
        assert_eq!(g.run, "pytest ${PYTEST_ARGS} $HOME");
        assert!(g.shell);
        let g = one("qa: lint\nlint:\n\t$(MAKE) -C sub check\n");
        assert_eq!(g.run, "make -C sub check");
    }
}
