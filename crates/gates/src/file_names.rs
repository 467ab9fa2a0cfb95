//! The file names qa derives from a gate's name: its log (`target/xtask/qa/NAME.log`) and its
//! baseline (`.xtask/baselines/NAME.txt`), the name with anything but `[A-Za-z0-9._-]` made
//! `_`. A leaf: it uses nothing else of the crate.

/// The log file name of gate `gate`.
pub(crate) fn log_file_name(gate: &str) -> String {
    format!("{}.log", safe(gate))
}

/// The baseline file name of gate `gate`.
pub(crate) fn baseline_file_name(gate: &str) -> String {
    format!("{}.txt", safe(gate))
}

fn safe(gate: &str) -> String {
    gate.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_file_names() {
        assert_eq!(log_file_name("py/types check"), "py_types_check.log");
        assert_eq!(log_file_name("fmt"), "fmt.log");
        assert_eq!(baseline_file_name("py/types"), "py_types.txt");
    }
}
