//! The future [`Pipeline::send`](super::Pipeline::send) returns.

use crate::error::Error;
use crate::response::Response;

pub(super) type BoxedCall<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<Response, Error>> + Send + 'a>>;

pin_project_lite::pin_project! {
    /// The future [`Pipeline::send`](super::Pipeline::send) returns: the plain path
    /// inline, a fallback path boxed.
    #[project = RoutedProj]
    pub(super) enum Routed<'a, F> {
        Plain { #[pin] inner: F },
        Fallback { inner: BoxedCall<'a> },
    }
}

impl<F: Future<Output = Result<Response, Error>>> Future for Routed<'_, F> {
    type Output = Result<Response, Error>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.project() {
            RoutedProj::Plain { inner } => inner.poll(cx),
            RoutedProj::Fallback { inner } => inner.as_mut().poll(cx),
        }
    }
}
