//! Redirects never carry credentials to another origin.
//!
//! reqwest drops `Authorization` and `Cookie` on a cross-host redirect, but not an API
//! key in a custom header (`X-API-Key`), and it follows https → http. The pipeline's
//! own client therefore follows a redirect only to the same scheme, host and port;
//! any other redirect ends the exchange and the 3xx is the answer.

/// Most redirects followed within one origin.
const MAX_REDIRECTS: usize = 10;

/// A redirect policy that follows only same-origin redirects.
///
/// The pipeline's own client uses it; give it to a client passed to
/// [`crate::AdapterConfig::http_client`] too.
///
/// # Examples
///
/// ```
/// let client = reqwest::Client::builder()
///     .redirect(portcullis_runtime::auth::same_origin_redirects())
///     .build();
/// assert!(client.is_ok());
/// ```
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.stop();
        }
        let same = attempt
            .previous()
            .last()
            .is_some_and(|prev| prev.origin() == attempt.url().origin());
        if same {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}
