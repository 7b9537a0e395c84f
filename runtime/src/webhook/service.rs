//! The receiver as a `tower::Service` (feature `tower`) and an axum route (feature
//! `axum`): the body is read up to [`super::WebhookConfig::max_body`] and no further,
//! so an oversized delivery costs at most the limit.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt as _, Full, Limited};

use super::answer::{Answer, Outcome};
use super::decode::Decoder;
use super::handler::Handler;
use super::receiver::Receiver;

/// A `tower::Service<http::Request<B>>` answering vendor deliveries with the
/// receiver's [`Answer`]. Non-`POST` requests get 405; a body past the limit 413.
///
/// ```
/// # #[cfg(feature = "tower")]
/// # fn demo<D, H>(receiver: portcullis_runtime::webhook::Receiver<D, H>)
/// # where D: portcullis_runtime::webhook::Decoder, H: portcullis_runtime::webhook::Handler<D::Event> {
/// let service = receiver.into_service();
/// // hand it to hyper, tonic, or any tower-based server
/// # let _ = service;
/// # }
/// ```
pub struct WebhookService<D, H> {
    receiver: Receiver<D, H>,
}

impl<D, H> Clone for WebhookService<D, H> {
    fn clone(&self) -> Self {
        Self {
            receiver: self.receiver.clone(),
        }
    }
}

impl<D, H> std::fmt::Debug for WebhookService<D, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WebhookService")
            .field(&self.receiver)
            .finish()
    }
}

impl<D, H> Receiver<D, H>
where
    D: Decoder,
    H: Handler<D::Event>,
{
    /// This receiver as a `tower::Service`.
    pub fn into_service(self) -> WebhookService<D, H> {
        WebhookService { receiver: self }
    }

    /// This receiver as an axum route accepting `POST` (feature `axum`):
    /// `Router::new().route("/webhooks/stripe", receiver.axum_route())`.
    #[cfg(feature = "axum")]
    pub fn axum_route<S: Clone + Send + Sync + 'static>(self) -> axum::routing::MethodRouter<S> {
        axum::routing::post_service(self.into_service())
    }
}

impl<D, H, B> tower_service::Service<http::Request<B>> for WebhookService<D, H>
where
    D: Decoder,
    H: Handler<D::Event>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let receiver = self.receiver.clone();
        Box::pin(async move { Ok(respond(receiver, req).await) })
    }
}

async fn respond<D, H, B>(
    receiver: Receiver<D, H>,
    req: http::Request<B>,
) -> http::Response<Full<Bytes>>
where
    D: Decoder,
    H: Handler<D::Event>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if req.method() != http::Method::POST {
        let mut resp = plain(
            http::StatusCode::METHOD_NOT_ALLOWED,
            Bytes::from_static(b"POST only\n"),
        );
        resp.headers_mut()
            .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
        return resp;
    }
    let (parts, body) = req.into_parts();
    let limit = receiver.config().max_body;
    let answer = match Limited::new(body, limit).collect().await {
        Ok(collected) => {
            receiver
                .receive(&parts.headers, &collected.to_bytes())
                .await
                .answer
        }
        // Past the limit, or the connection failed mid-body: either way nothing
        // complete arrived. The receiver counts what it sees; an over-long body is
        // counted here since the receiver never sees it.
        Err(e) if e.is::<http_body_util::LengthLimitError>() => too_large(&receiver, limit),
        Err(_) => Answer::new(
            &receiver.config().scheme,
            Outcome::RejectedMalformed,
            Some("the body could not be read"),
        ),
    };
    let Answer {
        status,
        content_type,
        body,
    } = answer;
    let mut resp = plain(status, body);
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    resp
}

fn too_large<D, H>(receiver: &Receiver<D, H>, limit: usize) -> Answer
where
    D: Decoder,
    H: Handler<D::Event>,
{
    let why = format!("body is over the limit of {limit} bytes");
    super::observe::rejected(&receiver.config().vendor, Outcome::RejectedTooLarge, &why);
    Answer::new(
        &receiver.config().scheme,
        Outcome::RejectedTooLarge,
        Some(&why),
    )
}

fn plain(status: http::StatusCode, body: Bytes) -> http::Response<Full<Bytes>> {
    let mut resp = http::Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp
}

#[cfg(feature = "axum")]
impl axum::response::IntoResponse for Answer {
    fn into_response(self) -> axum::response::Response {
        let (parts, body) = Answer::into_response(self).into_parts();
        axum::response::Response::from_parts(parts, axum::body::Body::from(body))
    }
}
