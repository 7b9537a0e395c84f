//! Lists: a paginated operation read page by page through the pipeline.
//!
//! Generated code supplies one function: given a [`PageAt`] (which page), it builds
//! that page's request (from the first page's, with [`PageAt::request`]), sends it
//! through the [`Pipeline`] (auth, limiter, breaker, retries: every page is a call),
//! decodes it, and returns a [`Page`]: its items and the [`Next`] page as the vendor
//! says. The [`Paginator`] does the rest, for every style real APIs use:
//!
//! | style | vendor | `Next` |
//! |---|---|---|
//! | `Link: <…>; rel="next"` (RFC 8288) | GitHub | [`Next::link`] |
//! | `has_more` (or a full page) + `starting_after=<last id>` | Stripe; Discord's `before` without a flag | [`Next::after_last`], then [`PageAt::cursor`] |
//! | a cursor in the body, empty or absent at the end | Square `cursor`, Slack `response_metadata.next_cursor` | [`Next::cursor`] |
//! | a next-page URL or path in the body | Twilio `next_page_uri` | [`Next::url`] |
//! | page number or offset, ending on an empty page, a short page, or a total | many | [`Paginator::page_numbers`] / [`Paginator::offsets`] with [`Next::more`] / [`Next::total`] |
//!
//! What the engine guarantees:
//!
//! * **One budget for the whole method**: the time spent fetching its pages, all
//!   together (the operation's budget, or [`PageLimits::budget`]); every page's
//!   request carries what is left as a deadline, so each attempt, backoff and wait of
//!   every page fits it ([`crate::Request::deadline`]). Time the caller spends
//!   between pages (a stream's reader) is not the vendor's and is not counted. Past
//!   it the list ends with [`Error::Timeout`] (limit `Budget`).
//! * **Bounded**: [`Paginator::collect`] returns at most [`PageLimits::max_items`]
//!   items (reaching it stops and returns them: what was asked for); a list longer
//!   than [`PageLimits::max_pages`] pages is a [`Error::Config`] error naming the
//!   limit, never a silently shortened list. [`Paginator::stream`] fetches a page
//!   only when the caller wants its items, so a caller that stops early fetches no
//!   further page.
//! * **No endless loop**: a cursor or URL the vendor already gave ends the list with
//!   [`Error::Contract`] naming the operation, where it was read, and the value (the
//!   vendor broke its pagination).
//! * **Credentials stay home**: a next-page URL is resolved against the base URL and
//!   must stay on its scheme, host and port; any other is refused
//!   ([`Error::Contract`]) before anything is sent.
//!
//! Errors the engine itself ends a list with are counted once for the operation
//! (`portcullis_calls_total`), like [`Pipeline::refused`]; each page is a call of its
//! own.
//!
//! ```no_run
//! use portcullis_runtime as rt;
//! use rt::paginate::{Next, Page, PageLimits, Paginator};
//!
//! #[derive(serde::Deserialize)]
//! struct Issue { number: u64, title: String }
//!
//! # async fn demo(pipeline: &rt::Pipeline) -> Result<(), rt::Error> {
//! let op = "list_open_issues";
//! let issues: Vec<Issue> = Paginator::new(pipeline, op)
//!     .limits(PageLimits { max_items: Some(500), ..PageLimits::default() })
//!     .collect(|page| {
//!         let first = rt::Request::new(op, rt::Method::GET, "/repos/{owner}/{repo}/issues")
//!             .path_param("owner", "rust-lang")
//!             .path_param("repo", "rust")
//!             .query("state", "open")
//!             .query("per_page", 100);
//!         let req = page.request(first);
//!         async move {
//!             let resp = pipeline.send(req).await?;
//!             let items: Vec<Issue> = resp.decode_json(op)?;
//!             Ok(Page::new(items, Next::link(&resp)))
//!         }
//!     })
//!     .await?;
//! # let _ = issues; Ok(()) }
//! ```

pub mod link;
mod page;
mod target;
mod walk;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::time::Duration;

pub use futures_core::Stream;

use crate::error::Error;
use crate::pipeline::Pipeline;

pub use page::{Next, Page, PageAt};

use walk::Walk;

/// How far a list may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    /// The most items returned; reaching it stops the list (no further page is
    /// fetched) and returns what was asked for. Default: no limit.
    pub max_items: Option<usize>,
    /// The most pages fetched; a list with more is an error, never a silently
    /// shortened one. Default: 100.
    pub max_pages: u32,
    /// The budget of the whole method: the time spent fetching all its pages
    /// together; `None` takes the operation's `budget`, zero means none. Default:
    /// `None`.
    pub budget: Option<Duration>,
}

impl PageLimits {
    /// The default `max_pages`: 100 pages of 100 items is 10,000 items; at a few
    /// hundred milliseconds a page it is also most of the default 30 s budget. A
    /// longer list is a batch job: raise both deliberately, or read it as a stream.
    pub const MAX_PAGES: u32 = 100;
}

impl PageLimits {
    /// `max_items` from a count the caller gave (an argument of the port method);
    /// `None` keeps the limit as it is. A count too large for `usize` means no limit
    /// short of it.
    ///
    /// ```
    /// use portcullis_runtime::paginate::PageLimits;
    /// let limits = PageLimits::default().items(Some(50u64)).pages(None::<u32>);
    /// assert_eq!((limits.max_items, limits.max_pages), (Some(50), PageLimits::MAX_PAGES));
    /// ```
    pub fn items<N: TryInto<usize>>(mut self, count: Option<N>) -> Self {
        if let Some(n) = count {
            self.max_items = Some(n.try_into().unwrap_or(usize::MAX));
        }
        self
    }

    /// `max_pages` from a count the caller gave; `None` keeps the limit as it is.
    pub fn pages<N: TryInto<u32>>(mut self, count: Option<N>) -> Self {
        if let Some(n) = count {
            self.max_pages = n.try_into().unwrap_or(u32::MAX);
        }
        self
    }
}

impl Default for PageLimits {
    fn default() -> Self {
        Self {
            max_items: None,
            max_pages: Self::MAX_PAGES,
            budget: None,
        }
    }
}

/// How pages are counted, for page-number and offset lists.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Style {
    /// Cursors and URLs the vendor gives.
    Tokens,
    Numbers {
        first: u64,
        page_size: Option<u64>,
    },
    Offsets {
        page_size: Option<u64>,
    },
}

/// Reads one paginated operation: all items ([`Paginator::collect`]) or a stream of
/// them ([`Paginator::stream`]). See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Paginator {
    pipeline: Pipeline,
    operation: Cow<'static, str>,
    limits: PageLimits,
    style: Style,
}

impl Paginator {
    /// A list of `operation` (the name its page requests carry), with the default
    /// [`PageLimits`], following the cursors or URLs its pages give.
    pub fn new(pipeline: &Pipeline, operation: impl Into<Cow<'static, str>>) -> Self {
        Self {
            pipeline: pipeline.clone(),
            operation: operation.into(),
            limits: PageLimits::default(),
            style: Style::Tokens,
        }
    }

    /// Sets the limits (from the mapping, or an argument of the port method).
    pub fn limits(mut self, limits: PageLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Pages are numbered from `first` ([`PageAt::number`]). The list ends at an
    /// empty page, at a page shorter than `page_size` (when the request fixes it and
    /// no total is stated), or once [`Next::total`] items were read.
    pub fn page_numbers(mut self, first: u64, page_size: Option<u64>) -> Self {
        self.style = Style::Numbers { first, page_size };
        self
    }

    /// Pages are asked for by offset, from 0 ([`PageAt::offset`]), advancing by the
    /// items each page held; they end as with [`Paginator::page_numbers`].
    pub fn offsets(mut self, page_size: Option<u64>) -> Self {
        self.style = Style::Offsets { page_size };
        self
    }

    /// Every item of the list, in order, within the limits.
    pub async fn collect<T, F, Fut>(self, fetch: F) -> Result<Vec<T>, Error>
    where
        F: FnMut(PageAt) -> Fut,
        Fut: Future<Output = Result<Page<T>, Error>>,
    {
        let mut walk = Walk::new(
            self.pipeline,
            self.operation,
            self.limits,
            self.style,
            fetch,
        );
        let mut all = Vec::new();
        while let Some(items) = walk.next_page().await? {
            all.extend(items);
        }
        Ok(all)
    }

    /// The list's items one by one, fetching a page only when the caller asks for
    /// an item past the last one fetched: a caller that stops early (drops the
    /// stream) fetches no further page. The budget counts only the time spent
    /// fetching pages, not the caller's between items. An error is the stream's last
    /// item.
    ///
    /// The stream is not `Unpin`: pin it (`std::pin::pin!`) or box it
    /// (`futures_util::StreamExt::boxed`) to poll it.
    pub fn stream<T, F, Fut>(self, fetch: F) -> impl Stream<Item = Result<T, Error>>
    where
        F: FnMut(PageAt) -> Fut,
        Fut: Future<Output = Result<Page<T>, Error>>,
    {
        self.try_stream(Ok(fetch))
    }

    /// [`Paginator::stream`] for a list whose first request could not be built (an
    /// argument the spec refuses, a missing setting): `Err` makes a stream whose one
    /// item is that error, counted once for the operation, and nothing is sent.
    /// Generated code uses it so that a method returning a stream reports every error
    /// through the stream.
    pub fn try_stream<T, F, Fut>(
        self,
        fetch: Result<F, Error>,
    ) -> impl Stream<Item = Result<T, Error>>
    where
        F: FnMut(PageAt) -> Fut,
        Fut: Future<Output = Result<Page<T>, Error>>,
    {
        let state = match fetch {
            Ok(fetch) => Ok(Walk::new(
                self.pipeline,
                self.operation,
                self.limits,
                self.style,
                fetch,
            )),
            Err(e) => Err(Some(self.pipeline.refused(e))),
        };
        futures_util::stream::unfold(
            (state, VecDeque::new()),
            |(state, mut buffered)| async move {
                let mut walk = match state {
                    Ok(walk) => walk,
                    // The refused first request: its error, then the end.
                    Err(error) => return error.map(|e| (Err(e), (Err(None), buffered))),
                };
                loop {
                    if let Some(item) = buffered.pop_front() {
                        return Some((Ok(item), (Ok(walk), buffered)));
                    }
                    match walk.next_page().await {
                        Ok(Some(items)) => buffered.extend(items),
                        Ok(None) => return None,
                        Err(e) => {
                            walk.stop();
                            return Some((Err(e), (Ok(walk), buffered)));
                        }
                    }
                }
            },
        )
    }
}

/// A stream's errors turned into the port's (generated adapters pass the error
/// translation of the operation).
///
/// ```
/// use portcullis_runtime::{Error, paginate::{map_errors, try_collect}};
///
/// let items = futures_util::stream::iter([Ok(1), Err(Error::config("no token")), Ok(3)]);
/// let all = tokio::runtime::Builder::new_current_thread()
///     .build()?
///     .block_on(try_collect(map_errors(items, |e| e.to_string())));
/// assert_eq!(all, Err("configuration error: no token".to_string()));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn map_errors<T, E>(
    stream: impl Stream<Item = Result<T, Error>>,
    f: fn(Error) -> E,
) -> impl Stream<Item = Result<T, E>> {
    use futures_util::StreamExt;
    stream.map(move |item| item.map_err(f))
}

/// A stream whose one item is `error`: a method the vendor does not offer, declared
/// as returning a stream.
pub fn failed<T, E>(error: E) -> impl Stream<Item = Result<T, E>> {
    futures_util::stream::once(std::future::ready(Err(error)))
}

/// Every item of a stream, in order, or its first error (the stream is not polled
/// past it). Contract tests read a streamed list with it.
pub async fn try_collect<T, E>(stream: impl Stream<Item = Result<T, E>>) -> Result<Vec<T>, E> {
    use futures_util::StreamExt;
    let mut stream = std::pin::pin!(stream);
    let mut all = Vec::new();
    while let Some(item) = stream.next().await {
        all.push(item?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests;
