//! The static fallback ([`Fallback::Static`](super::Fallback::Static)): a fixed
//! vendor-shaped body stands in for a failed call.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};

use super::{DegradedSource, Fallbacks};
use crate::error::Error;
use crate::request::Request;
use crate::response::Response;

impl Fallbacks {
    /// A call that answers with `status` and `body` when `send` fails because of the
    /// vendor.
    pub(crate) async fn fixed<F>(
        &self,
        req: Request,
        status: u16,
        body: &Bytes,
        send: impl FnOnce(Request) -> F,
    ) -> Result<Response, Error>
    where
        F: Future<Output = Result<Response, Error>>,
    {
        let operation = req.operation.clone();
        let result = send(req).await;
        self.degrade(&operation, result, || {
            let mut headers = HeaderMap::new();
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Some((
                Response::new(status, headers, body.clone()),
                DegradedSource::Static,
                None,
            ))
        })
    }
}
