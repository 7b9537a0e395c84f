//! The walk over a list's pages: one page at a time, each checked before the next.

use std::borrow::Cow;
use std::collections::HashSet;

use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Outcome, TimeoutLimit};
use crate::pipeline::Pipeline;

use super::page::{Kind, Next, Page, PageAt, Position};
use super::{PageLimits, Style, target};

/// Longest cursor quoted in an error.
const SHOWN_CURSOR: usize = 80;

/// Where a list stands: what comes next, and what was seen so far.
pub(crate) struct Walk<F> {
    fetch: F,
    pipeline: Pipeline,
    operation: Cow<'static, str>,
    limits: PageLimits,
    style: Style,
    /// The method's budget (`None`: none).
    budget: Option<Duration>,
    /// Time spent fetching pages so far: the budget's share that is gone. Time the
    /// caller spends between pages (a stream's reader at work) is not the vendor's.
    spent: Duration,
    /// The next page to fetch; `None` once the list is done (or failed).
    next: Option<Position>,
    pages: u32,
    /// Items the vendor sent (offsets and totals count these).
    read: u64,
    /// Items handed to the caller (`max_items` counts these).
    returned: usize,
    /// Cursors and URLs already followed: a vendor that repeats one would loop.
    seen: HashSet<String>,
}

impl<F> Walk<F> {
    pub(crate) fn new(
        pipeline: Pipeline,
        operation: Cow<'static, str>,
        limits: PageLimits,
        style: Style,
        fetch: F,
    ) -> Self {
        let first = match style {
            Style::Tokens => Position::First,
            Style::Numbers { first, .. } => Position::Number(first),
            Style::Offsets { .. } => Position::Offset(0),
        };
        let budget = match limits.budget {
            Some(b) if b.is_zero() => None,
            Some(b) => Some(b),
            None => pipeline.budget(&operation),
        };
        Self {
            fetch,
            pipeline,
            operation,
            limits,
            style,
            budget,
            spent: Duration::ZERO,
            next: Some(first),
            pages: 0,
            read: 0,
            returned: 0,
            seen: HashSet::new(),
        }
    }

    /// Ends the walk with `error`, counted once for the operation.
    fn fail(&mut self, error: Error) -> Error {
        self.next = None;
        self.pipeline.refused(error)
    }

    fn timeout(&mut self, outcome: Outcome) -> Error {
        let error = Error::Timeout {
            operation: self.operation.to_string(),
            limit: TimeoutLimit::Budget,
            outcome,
            attempts: 0,
            idempotency_key: None,
        };
        self.fail(error)
    }

    /// The items of the next page, `None` when the list is done. After an error the
    /// walk is done.
    pub(crate) async fn next_page<T, Fut>(&mut self) -> Result<Option<Vec<T>>, Error>
    where
        F: FnMut(PageAt) -> Fut,
        Fut: Future<Output = Result<Page<T>, Error>>,
    {
        if self.limits.max_items == Some(self.returned) {
            self.next = None;
        }
        let Some(position) = self.next.take() else {
            return Ok(None);
        };
        if self.pages >= self.limits.max_pages {
            let error = Error::config(format!(
                "{}: the list has more than {} pages (max_pages); raise the limit or narrow the query",
                self.operation, self.limits.max_pages
            ));
            return Err(self.fail(error));
        }
        let started = Instant::now();
        let left = self.budget.map(|b| b.saturating_sub(self.spent));
        if left.is_some_and(|l| l.is_zero()) {
            return Err(self.timeout(Outcome::Known));
        }
        let deadline = left.and_then(|l| started.checked_add(l));
        let at = PageAt {
            index: self.pages,
            position: position.clone(),
            deadline,
        };
        let fetched = (self.fetch)(at);
        // The page's request carries the deadline (PageAt::request); this bound holds
        // even for a fetch that did not use it.
        let page = match deadline {
            Some(d) => match tokio::time::timeout_at(d, fetched).await {
                Ok(page) => page,
                Err(_) => return Err(self.timeout(Outcome::Unknown)),
            },
            None => fetched.await,
        };
        self.spent += started.elapsed();
        let page = page?;
        self.pages += 1;
        let len = page.items.len() as u64;
        let read_before = self.read;
        self.read += len;
        let next = match self.follow(page.next, &position, len, read_before) {
            Ok(next) => next,
            Err(e) => return Err(self.fail(e)),
        };
        let mut items = page.items;
        self.next = next;
        if let Some(max) = self.limits.max_items {
            let room = max - self.returned;
            if items.len() >= room {
                items.truncate(room);
                self.next = None;
            }
        }
        self.returned += items.len();
        Ok(Some(items))
    }

    /// Where the page after `position` is, checked.
    fn follow(
        &mut self,
        next: Next,
        position: &Position,
        len: u64,
        read_before: u64,
    ) -> Result<Option<Position>, Error> {
        let op = &*self.operation;
        match next.0 {
            Kind::End => Ok(None),
            Kind::Cursor { value, at } => {
                if !self.seen.insert(format!("cursor {value}")) {
                    let shown: String = value.chars().take(SHOWN_CURSOR).collect();
                    return Err(Error::contract(
                        op,
                        at.to_owned(),
                        format!(
                            "the vendor repeated the cursor {shown:?} (page {}); stopping instead of fetching it again",
                            self.pages
                        ),
                    ));
                }
                Ok(Some(Position::Cursor(value)))
            }
            Kind::Url { value, at } => {
                let url = target::resolve(self.pipeline.base_url(), &value, op, at)?;
                if !self.seen.insert(format!("url {url}")) {
                    return Err(Error::contract(
                        op,
                        at.to_owned(),
                        format!(
                            "the vendor repeated the next page {} (page {}); stopping instead of fetching it again",
                            target::shown(&url),
                            self.pages
                        ),
                    ));
                }
                Ok(Some(Position::Url(url)))
            }
            Kind::Stuck { at, why } => Err(Error::contract(op, at.to_owned(), why.to_owned())),
            Kind::Counted { total, said_more } => {
                let (page_size, next) = match (self.style, position) {
                    (Style::Numbers { page_size, .. }, Position::Number(n)) => {
                        (page_size, Position::Number(n + 1))
                    }
                    (Style::Offsets { page_size }, Position::Offset(o)) => {
                        (page_size, Position::Offset(o + len))
                    }
                    _ => {
                        return Err(Error::config(format!(
                            "{op}: a page answered Next::more or Next::total, but the paginator \
                             counts no pages; build it with page_numbers or offsets"
                        )));
                    }
                };
                // A total the vendor states is what ends the list: a page shorter than
                // the size asked for is then a vendor that caps its pages lower (Jira
                // lowers `maxResults`), and stopping there would shorten the list.
                let last = len == 0
                    || match total {
                        Some(t) => read_before + len >= t,
                        None => !said_more && page_size.is_some_and(|size| len < size),
                    };
                Ok((!last).then_some(next))
            }
        }
    }

    /// Stops the walk (a stream's caller stopped, or an error was handed out).
    pub(crate) fn stop(&mut self) {
        self.next = None;
    }
}
