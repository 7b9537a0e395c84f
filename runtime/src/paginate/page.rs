//! What generated code hands the engine for each page, and what the engine hands it.

use tokio::time::Instant;

use crate::request::Request;
use crate::response::Response;

/// One decoded page: its items, and where the next one is.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The page's items, in order.
    pub items: Vec<T>,
    /// What follows.
    pub next: Next,
}

impl<T> Page<T> {
    /// A page of `items` followed by `next`.
    pub fn new(items: Vec<T>, next: Next) -> Self {
        Self { items, next }
    }
}

/// Where the next page is, as the vendor's answer says. Built with the constructor
/// for the vendor's style; `at` names where in the answer the value was found
/// (`$.next_page_uri`), for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next(pub(crate) Kind);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    End,
    Cursor {
        value: String,
        at: &'static str,
    },
    Url {
        value: String,
        at: &'static str,
    },
    /// Page numbers and offsets: the engine decides from the page's size.
    Counted {
        total: Option<u64>,
        /// The answer's `Link` header names a next page: only an empty page ends.
        said_more: bool,
    },
    /// The vendor says there is more but gives no way to get it.
    Stuck {
        at: &'static str,
        why: &'static str,
    },
}

impl Next {
    /// No more pages.
    pub fn end() -> Self {
        Next(Kind::End)
    }

    /// An opaque cursor for the next page (Square's `cursor`, Slack's
    /// `response_metadata.next_cursor`): `None` or an empty string means done, as
    /// both vendors mark the last page. [`PageAt::cursor`] hands it back.
    ///
    /// ```
    /// use portcullis_runtime::paginate::Next;
    /// assert_eq!(Next::cursor(Some(String::new()), "$.response_metadata.next_cursor"), Next::end());
    /// ```
    pub fn cursor(value: Option<String>, at: &'static str) -> Self {
        match value {
            Some(v) if !v.is_empty() => Next(Kind::Cursor { value: v, at }),
            _ => Next::end(),
        }
    }

    /// Stripe's style: `has_more` (or, for a vendor without the flag, a full page),
    /// and the next page starts after the last item's id (`starting_after=<id>`).
    /// Another page with no item id to start after cannot continue and ends the list
    /// with [`crate::Error::Contract`].
    pub fn after_last(has_more: bool, last_id: Option<String>, at: &'static str) -> Self {
        match (has_more, last_id) {
            (false, _) => Next::end(),
            (true, Some(id)) if !id.is_empty() => Next(Kind::Cursor { value: id, at }),
            (true, _) => Next(Kind::Stuck {
                at,
                why: "another page follows (the has_more flag, or a full page without one), but the page has no item id to continue after",
            }),
        }
    }

    /// The next page's URL or path in the body (Twilio's `next_page_uri`, a `next`
    /// link): `None` or empty means done. Resolved against the adapter's base URL and
    /// refused unless it stays on its origin.
    pub fn url(value: Option<String>, at: &'static str) -> Self {
        match value {
            Some(v) if !v.trim().is_empty() => Next(Kind::Url { value: v, at }),
            _ => Next::end(),
        }
    }

    /// The `Link` header's `rel="next"` target (GitHub), or the end without one.
    pub fn link(resp: &Response) -> Self {
        match super::link::find(resp.headers(), "next") {
            Some(value) => Next(Kind::Url {
                value,
                at: "header Link",
            }),
            None => Next::end(),
        }
    }

    /// Page-number or offset pagination without a total: the list ends at an empty
    /// page, or a short one when the page size is known.
    pub fn more() -> Self {
        Next(Kind::Counted {
            total: None,
            said_more: false,
        })
    }

    /// Page-number or offset pagination with the total the answer states: the list
    /// ends once that many items were read, or at an empty or short page.
    pub fn total(total: u64) -> Self {
        Next(Kind::Counted {
            total: Some(total),
            said_more: false,
        })
    }

    /// Page-number or offset pagination whose body states no total: what the answer's
    /// headers say instead. A vendor may cap its pages below the size asked for
    /// (Gitea's `MAX_RESPONSE_ITEMS`), so a short page alone would end the list early:
    /// an `X-Total-Count` (or GitLab's `X-Total`) header is the total, and a `Link`
    /// header with a `rel="next"` says another page follows whatever this one's size.
    /// Without either, [`Next::more`].
    ///
    /// ```
    /// use portcullis_runtime::{Response, paginate::Next};
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-total-count", "45".parse().unwrap());
    /// let page = Response::new(200, headers, bytes::Bytes::new());
    /// assert_eq!(Next::counted(&page), Next::total(45));
    /// ```
    pub fn counted(resp: &Response) -> Self {
        let headers = resp.headers();
        let total = ["x-total-count", "x-total"].iter().find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        });
        match total {
            Some(t) => Next::total(t),
            None => Next(Kind::Counted {
                total: None,
                said_more: super::link::find(headers, "next").is_some(),
            }),
        }
    }
}

/// Which page to fetch, handed to generated code's fetch function.
#[derive(Debug, Clone)]
pub struct PageAt {
    pub(crate) index: u32,
    pub(crate) position: Position,
    pub(crate) deadline: Option<Instant>,
}

#[derive(Debug, Clone)]
pub(crate) enum Position {
    First,
    Cursor(String),
    Url(reqwest::Url),
    Number(u64),
    Offset(u64),
}

impl PageAt {
    /// The request for this page, from `first` (the request for the first page, as
    /// generated code always builds it): with the method's deadline, and sent to the
    /// vendor's next-page URL instead of `first`'s path and query when the vendor
    /// gave one. Headers, auth and the operation stay `first`'s.
    pub fn request(&self, first: Request) -> Request {
        let req = match &self.position {
            Position::Url(url) => first.at(url),
            _ => first,
        };
        match self.deadline {
            Some(d) => req.deadline(d),
            None => req,
        }
    }

    /// 0 for the first page, then 1, 2, ...
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Whether this is the first page.
    pub fn is_first(&self) -> bool {
        self.index == 0
    }

    /// The cursor the previous page gave ([`Next::cursor`], [`Next::after_last`]), to
    /// send as the vendor's parameter (`starting_after`, `cursor`).
    pub fn cursor(&self) -> Option<&str> {
        match &self.position {
            Position::Cursor(c) => Some(c),
            _ => None,
        }
    }

    /// The page number to ask for, with [`super::Paginator::page_numbers`].
    pub fn number(&self) -> Option<u64> {
        match self.position {
            Position::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The offset to ask for, with [`super::Paginator::offsets`].
    pub fn offset(&self) -> Option<u64> {
        match self.position {
            Position::Offset(n) => Some(n),
            _ => None,
        }
    }

    /// When the whole method must be done (`None`: no budget).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}
