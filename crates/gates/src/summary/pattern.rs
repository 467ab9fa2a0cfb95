//! A gate's own `summary = "REGEX"`: the named groups of the pattern's last match that hold a
//! number become the counts, in the pattern's order.

use regex::Regex;

use super::{Number, Summary};

pub(super) fn read(re: &Regex, output: &str) -> Option<Summary> {
    let c = re.captures_iter(output).last()?;
    let mut summary = Summary {
        reader: "regex".into(),
        counts: Default::default(),
        text: String::new(),
        failed: Vec::new(),
    };
    let mut words = Vec::new();
    for name in re.capture_names().flatten() {
        let Some(value) = c.name(name).map(|m| m.as_str().trim()) else {
            continue;
        };
        let number = if let Ok(n) = value.parse::<u64>() {
            Number::Whole(n)
        } else if let Ok(x) = value.trim_end_matches('%').parse::<f64>()
            && x.is_finite()
        {
            Number::Real(x)
        } else {
            continue;
        };
        words.push(format!("{number} {}", name.replace('_', " ")));
        summary.counts.insert(name.to_string(), number);
    }
    if words.is_empty() {
        return None;
    }
    summary.text = words.join(", ");
    Some(summary)
}
