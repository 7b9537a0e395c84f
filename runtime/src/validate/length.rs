//! String lengths and item counts.
//!
//! JSON Schema counts a string's length in characters (RFC 8259: Unicode code points),
//! not bytes and not UTF-16 units: `"é"` is one character, an emoji outside the BMP
//! is one as well.

use crate::error::Error;

/// `maxLength`: `value` has at most `max` characters.
pub fn max_length(operation: &str, field: &str, value: &str, max: usize) -> Result<(), Error> {
    // Bytes bound characters from above: most values never need counting.
    if value.len() <= max {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars <= max {
        return Ok(());
    }
    Err(Error::invalid_request(
        operation,
        field,
        format!("maxLength {max}"),
        format!("{chars} characters"),
    ))
}

/// `minLength`: `value` has at least `min` characters.
pub fn min_length(operation: &str, field: &str, value: &str, min: usize) -> Result<(), Error> {
    // A character is at most 4 bytes: enough bytes prove enough characters.
    if value.len() / 4 >= min {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars >= min {
        return Ok(());
    }
    Err(Error::invalid_request(
        operation,
        field,
        format!("minLength {min}"),
        format!("{chars} characters"),
    ))
}

/// `maxItems`: `items` holds at most `max` elements.
pub fn max_items<T>(operation: &str, field: &str, items: &[T], max: usize) -> Result<(), Error> {
    if items.len() <= max {
        return Ok(());
    }
    Err(Error::invalid_request(
        operation,
        field,
        format!("maxItems {max}"),
        format!("{} items", items.len()),
    ))
}

/// `minItems`: `items` holds at least `min` elements.
pub fn min_items<T>(operation: &str, field: &str, items: &[T], min: usize) -> Result<(), Error> {
    if items.len() >= min {
        return Ok(());
    }
    Err(Error::invalid_request(
        operation,
        field,
        format!("minItems {min}"),
        format!("{} items", items.len()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        // 6 characters, 10 bytes.
        let word = "héllo😀";
        assert_eq!(word.chars().count(), 6);
        assert!(max_length("op", "$.a", word, 6).is_ok());
        assert!(min_length("op", "$.a", word, 6).is_ok());
        let err = max_length("op", "$.a", word, 5).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "op: request field $.a breaks maxLength 5: 6 characters (not sent)"
        );
        let err = min_length("op", "$.a", word, 7).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "op: request field $.a breaks minLength 7: 6 characters (not sent)"
        );
        assert!(min_length("op", "$.a", "", 0).is_ok());
        assert!(min_length("op", "$.a", "", 1).is_err());
        assert!(max_length("op", "$.a", "", 0).is_ok());
    }

    #[test]
    fn item_counts() {
        let items = [1, 2, 3];
        assert!(max_items("op", "$.items", &items, 3).is_ok());
        assert!(min_items("op", "$.items", &items, 3).is_ok());
        let err = max_items("op", "$.items", &items, 2).expect_err("refused");
        assert!(err.to_string().contains("maxItems 2: 3 items"), "{err}");
        let err = min_items("op", "$.items", &items[..0], 1).expect_err("refused");
        assert!(err.to_string().contains("minItems 1: 0 items"), "{err}");
    }

    #[test]
    fn the_message_never_repeats_the_value() {
        let secret = "jane.doe@example.com";
        let err = max_length("op", "$.email", secret, 3).expect_err("refused");
        assert!(!err.to_string().contains(secret), "{err}");
    }
}
