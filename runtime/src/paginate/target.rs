//! A next page's URL: resolved against the base URL, and kept on its origin.
//!
//! The URL comes from the vendor's answer. Following it sends the adapter's
//! credentials, so it must stay on the base URL's scheme, host and port: an answer
//! (a compromised vendor, a proxy, a bug) must not redirect an API key elsewhere.

use reqwest::Url;

use crate::error::Error;

/// `value` (absolute, root-relative or relative) as a URL on `base`'s origin.
pub(crate) fn resolve(base: &Url, value: &str, operation: &str, at: &str) -> Result<Url, Error> {
    // Relative references resolve under the base path, as a client of an API
    // rooted there reads them (`Url::join` would drop the last base segment).
    let mut root = base.clone();
    if !root.path().ends_with('/') {
        let path = format!("{}/", root.path());
        root.set_path(&path);
    }
    let mut url = root.join(value.trim()).map_err(|e| {
        Error::contract(
            operation,
            at.to_owned(),
            format!("the next page's URL cannot be read: {e}"),
        )
    })?;
    if url.origin() != base.origin() {
        return Err(Error::contract(
            operation,
            at.to_owned(),
            format!(
                "the next page's URL is on {}, not on the adapter's origin {}; \
                 not following it (credentials go to the vendor's origin only)",
                url.origin().ascii_serialization(),
                base.origin().ascii_serialization()
            ),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::contract(
            operation,
            at.to_owned(),
            "the next page's URL carries credentials; not following it".to_owned(),
        ));
    }
    url.set_fragment(None);
    Ok(url)
}

/// The URL's path and query for messages, values of parameters that may hold a
/// secret (`api_key`, `token`, `signature`, ...) masked.
pub(crate) fn shown(url: &Url) -> String {
    let Some(query) = url.query() else {
        return url.path().to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if sensitive(name) => format!("{name}=[REDACTED]"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{}?{}", url.path(), pairs.join("&"))
}

fn sensitive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "key",
        "token",
        "secret",
        "sig",
        "password",
        "auth",
        "credential",
    ]
    .iter()
    .any(|w| name.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn absolute_root_relative_and_relative_references() {
        let b = base("https://api.example.com/v2");
        let r = |v: &str| resolve(&b, v, "list", "$.next").map(|u| u.to_string());
        assert_eq!(
            r("https://api.example.com/v2/items?page=2").expect("same origin"),
            "https://api.example.com/v2/items?page=2"
        );
        assert_eq!(
            r("https://API.example.com:443/x").expect("default port"),
            "https://api.example.com/x"
        );
        assert_eq!(
            r("/2010-04-01/Accounts/AC1/Messages.json?Page=1").expect("root"),
            "https://api.example.com/2010-04-01/Accounts/AC1/Messages.json?Page=1"
        );
        assert_eq!(
            r("items?cursor=abc").expect("relative"),
            "https://api.example.com/v2/items?cursor=abc"
        );
        assert_eq!(
            r("/x#frag").expect("fragment dropped"),
            "https://api.example.com/x"
        );
    }

    #[test]
    fn another_origin_is_refused() {
        let b = base("https://api.example.com");
        for other in [
            "https://evil.example/steal",
            "http://api.example.com/downgraded",
            "https://api.example.com:8443/other-port",
            "//evil.example/protocol-relative",
            "https://user:pw@api.example.com/x",
        ] {
            let err = resolve(&b, other, "list_issues", "header Link").expect_err(other);
            assert_eq!(err.kind(), crate::ErrorKind::Contract, "{other}");
            let text = err.to_string();
            assert!(
                text.contains("list_issues") && text.contains("header Link"),
                "{text}"
            );
        }
        let err =
            resolve(&b, "https://evil.example/x?api_key=1", "op", "$.next").expect_err("other");
        assert!(err.to_string().contains("https://evil.example"), "{err}");
        assert!(!err.to_string().contains("api_key"), "{err}");
    }

    #[test]
    fn secrets_in_queries_are_masked_when_shown() {
        let u = base("https://a.example/items?page=2&api_key=sk_1&X-Amz-Signature=abc");
        assert_eq!(
            shown(&u),
            "/items?page=2&api_key=[REDACTED]&X-Amz-Signature=[REDACTED]"
        );
    }
}
