//! The programs a `shell = true` line calls, found without a shell (a heuristic for the cache
//! key): the line is cut at `;`, `&&`, `||`, `|`, `&`, newlines and parentheses outside quotes,
//! and the first word of each piece is taken, skipping `VAR=value` assignments, the prefixes
//! `env`, `exec`, `command`, and shell keywords. What it cannot see (a program named by a
//! variable, functions, sourced files, `eval`) is documented, with `tool =` and `cache = false`
//! as the ways out.

/// The words in command position of `line`, in order, each once.
pub(crate) fn command_words(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in pieces(line) {
        let Some(words) = shlex::split(&piece) else {
            continue;
        };
        let mut words = words.into_iter().peekable();
        while let Some(w) = words.peek() {
            if is_assignment(w) || KEYWORDS.contains(&w.as_str()) {
                words.next();
            } else if w == "env" {
                words.next();
                // env's options and assignments come before its program.
                while words
                    .peek()
                    .is_some_and(|w| w.starts_with('-') || is_assignment(w))
                {
                    words.next();
                }
            } else if w == "exec" || w == "command" {
                words.next();
                while words.peek().is_some_and(|w| w.starts_with('-')) {
                    words.next();
                }
            } else {
                break;
            }
        }
        if let Some(word) = words.next()
            && !word.is_empty()
            && !word.contains('$')
            && !out.contains(&word)
        {
            out.push(word);
        }
    }
    out
}

/// Shell keywords that may precede a command word.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
];

/// Whether `word` is a `NAME=value` assignment a shell reads before a command's program.
pub(crate) fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty()
            && !k.starts_with(|c: char| c.is_ascii_digit())
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The line cut at control operators outside quotes; the text of each command substitution
/// (`$(...)`, backticks, also inside double quotes) is cut the same way and added, standing as
/// one word in the piece around it.
pub(crate) fn pieces(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inner = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let (mut single, mut double) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '\\' if !single => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '\'' if !double => {
                single = !single;
                cur.push(c);
            }
            '"' if !single => {
                double = !double;
                cur.push(c);
            }
            '$' if !single && chars.peek() == Some(&'(') => {
                chars.next();
                let mut depth = 1;
                let mut text = String::new();
                for c in chars.by_ref() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    text.push(c);
                }
                inner.extend(pieces(&text));
                cur.push('_');
            }
            '`' if !single => {
                let text: String = chars.by_ref().take_while(|c| *c != '`').collect();
                inner.extend(pieces(&text));
                cur.push('_');
            }
            ';' | '&' | '|' | '\n' | '(' | ')' if !single && !double => {
                out.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.extend(inner);
    out.retain(|p| !p.trim().is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_command_of_a_line() {
        assert_eq!(
            command_words("FOO=1 ruff check . && mypy src | tee log; env -i A=b exec pytest -q"),
            ["ruff", "mypy", "tee", "pytest"]
        );
        assert_eq!(
            command_words("if test -f x; then ./run.sh 'a;b'; fi\ncommand -v cargo || true"),
            ["test", "./run.sh", "cargo", "true"]
        );
        assert_eq!(
            command_words("echo \"a && b\" ; (cd sub && make)"),
            ["echo", "cd", "make"]
        );
        assert_eq!(command_words("$TOOL x"), Vec::<String>::new());
        assert_eq!(
            command_words("echo \"$(git rev-parse HEAD)\" `date` done"),
            ["echo", "git", "date"]
        );
    }
}
