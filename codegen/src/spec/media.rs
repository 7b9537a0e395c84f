//! Media types: which content of a request or response is JSON, a form, or multipart.
//!
//! Media types are compared by their essence (`type/subtype`, parameters such as
//! `; charset=utf-8` dropped) and without regard to case, as RFC 6838 says.

/// `type/subtype` in lower case, without parameters.
pub fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `application/json` and the structured `…+json` types (`application/problem+json`).
pub fn is_json(media: &str) -> bool {
    let m = essence(media);
    m == "application/json" || m.ends_with("+json")
}

/// `application/x-www-form-urlencoded`.
pub fn is_form(media: &str) -> bool {
    essence(media) == "application/x-www-form-urlencoded"
}

/// Any `multipart/…` type.
pub fn is_multipart(media: &str) -> bool {
    essence(media).starts_with("multipart/")
}

/// The first JSON entry of a `content` map, typed (`IndexMap<String, MediaType>`) or raw
/// (`serde_json::Map`).
pub fn find_json<'a, V>(
    content: impl IntoIterator<Item = (&'a String, V)>,
) -> Option<(&'a String, V)> {
    content.into_iter().find(|(k, _)| is_json(k))
}

/// The first form entry of a `content` map.
pub fn find_form<'a, V>(
    content: impl IntoIterator<Item = (&'a String, V)>,
) -> Option<(&'a String, V)> {
    content.into_iter().find(|(k, _)| is_form(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_the_essence_and_structured_suffixes_in_any_case() {
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
            "application/vnd.api+json;version=2",
        ] {
            assert!(is_json(json), "{json}");
        }
        for other in ["text/json-ish", "application/x-ndjson", "text/plain", ""] {
            assert!(!is_json(other), "{other}");
        }
    }

    #[test]
    fn forms_and_multipart_are_told_apart() {
        assert!(is_form("application/x-www-form-urlencoded; charset=utf-8"));
        assert!(!is_form("multipart/form-data"));
        assert!(is_multipart("multipart/form-data; boundary=x"));
        assert!(!is_multipart("application/json"));
    }

    #[test]
    fn find_json_takes_the_first_json_entry_of_typed_or_raw_content() {
        let raw =
            serde_json::json!({"text/plain": 1, "application/hal+json": 2, "application/json": 3});
        let map = raw.as_object().expect("object");
        assert_eq!(
            find_json(map).map(|(k, _)| k.as_str()),
            Some("application/hal+json")
        );
        assert!(find_form(map).is_none());
    }
}
