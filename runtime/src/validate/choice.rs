//! Enum membership.

use crate::error::Error;

/// How many allowed values a message lists before it only counts them.
const LISTED: usize = 8;

/// `enum`: `value` is one of `allowed` (compared exactly, as JSON Schema does).
pub fn one_of(operation: &str, field: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        return Ok(());
    }
    let constraint = if allowed.len() <= LISTED {
        format!("enum [{}]", allowed.join(", "))
    } else {
        format!(
            "enum [{}, ... {} more]",
            allowed[..LISTED].join(", "),
            allowed.len() - LISTED
        )
    };
    Err(Error::invalid_request(
        operation,
        field,
        constraint,
        "the value is none of them",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_exact() {
        let allowed = ["automatic", "manual"];
        assert!(one_of("op", "$.m", "manual", &allowed).is_ok());
        let err = one_of("op", "$.m", "Manual", &allowed).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "op: request field $.m breaks enum [automatic, manual]: the value is none of them (not sent)"
        );
        assert!(!err.to_string().contains("Manual"));
    }

    #[test]
    fn long_enums_are_summarised() {
        let allowed: Vec<String> = (0..20).map(|i| format!("v{i}")).collect();
        let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
        let err = one_of("op", "$.m", "x", &allowed).expect_err("refused");
        assert!(err.to_string().contains("v7, ... 12 more]"), "{err}");
    }
}
