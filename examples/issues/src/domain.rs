//! The issue desk's port: what it needs from an issue tracker, in its own words.
//!
//! Nothing here names a vendor; `mappings/github.yaml` says how GitHub's REST API
//! serves each method.

use futures_core::Stream;

/// An issue to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssue {
    /// A one-line summary.
    pub title: String,
    /// The description, if any.
    pub body: Option<String>,
    /// Labels to put on it, by name (the tracker drops those the caller may not set).
    pub labels: Vec<String>,
}

/// Whether an issue is still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueState {
    /// Being worked on, or waiting to be.
    Open,
    /// Done with.
    Closed,
    /// A state this desk does not know yet, kept as the tracker said it.
    Other(String),
}

/// An issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Its number in the repository.
    pub number: u64,
    /// Its summary.
    pub title: String,
    /// Its description, if any.
    pub body: Option<String>,
    /// Open or closed.
    pub state: IssueState,
    /// Its labels, by name.
    pub labels: Vec<String>,
    /// Who opened it, when the account still exists.
    pub author: Option<String>,
    /// Where people read it.
    pub url: String,
}

/// What can go wrong, as the desk handles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackerError {
    /// No such issue (or repository), or it was deleted.
    NotFound(String),
    /// The credentials were refused.
    Unauthorized(String),
    /// Too many requests: try again later.
    RateLimited(String),
    /// The tracker refused what was sent (a validation error).
    Rejected(String),
    /// Refused before sending: a value the tracker could not take.
    Invalid(String),
    /// The tracker is down or slow.
    Unavailable(String),
    /// The tracker answered something this desk cannot read.
    Contract(String),
    /// The desk's configuration is wrong (a missing setting, a page limit reached).
    Config(String),
    /// Anything else.
    Failed(String),
}

impl std::fmt::Display for TrackerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for TrackerError {}

/// An issue tracker, as the desk uses one.
#[allow(async_fn_in_trait)]
pub trait IssueTracker {
    /// Opens an issue.
    async fn open(&self, issue: NewIssue) -> Result<Issue, TrackerError>;
    /// Reads one issue by its number.
    async fn get(&self, number: u64) -> Result<Issue, TrackerError>;
    /// Every open issue, across all pages.
    async fn open_issues(&self) -> Result<Vec<Issue>, TrackerError>;
    /// Open issues one by one, most recently updated first, at most `at_most` of
    /// them: a caller that stops early (the desk's "what changed" view reads until it
    /// meets an issue it has seen) fetches no further page.
    fn recently_updated(
        &self,
        at_most: usize,
    ) -> impl Stream<Item = Result<Issue, TrackerError>> + Send + '_;
    /// Closes an issue and returns it as it now is.
    async fn close(&self, number: u64) -> Result<Issue, TrackerError>;
}
