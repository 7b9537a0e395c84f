//! The notifier's port: sending and reading text messages, in its own words.
//!
//! Nothing here names a vendor; `mappings/twilio.yaml` says how Twilio's Programmable
//! Messaging API serves each method.

/// A text message's id, as the provider gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextId(pub String);

/// A text to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingText {
    /// The recipient's number, in E.164 (`+447700900123`).
    pub to: String,
    /// The sending number or sender id.
    pub from: String,
    /// What it says.
    pub body: String,
}

/// Where a text is on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted, scheduled, queued or being sent.
    Pending,
    /// Handed to the carrier; no receipt yet.
    Sent,
    /// The handset (or app) has it.
    Delivered,
    /// It will not arrive: failed, undelivered or canceled.
    Failed,
    /// An incoming text.
    Received,
    /// A status this notifier does not know yet, kept as the provider said it.
    Other(String),
}

/// A text message, sent or received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// Its id.
    pub id: TextId,
    /// Where it is on its way.
    pub delivery: Delivery,
    /// The recipient, when the provider says.
    pub to: Option<String>,
    /// The sender, when the provider says.
    pub from: Option<String>,
    /// What it says, unless already redacted.
    pub body: Option<String>,
    /// Why it failed, when it did: the provider's error code.
    pub error_code: Option<i64>,
}

/// What can go wrong, as the notifier handles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// The recipient's number cannot take a text.
    InvalidNumber(String),
    /// No such text.
    NotFound(String),
    /// The credentials were refused.
    Unauthorized(String),
    /// Too many requests: try again later.
    RateLimited(String),
    /// Refused before sending: a value the provider could not take.
    Invalid(String),
    /// The provider is down or slow.
    Unavailable(String),
    /// The provider answered something the notifier cannot read.
    Contract(String),
    /// The notifier's configuration is wrong (a missing account, a page limit reached).
    Config(String),
    /// Anything else.
    Failed(String),
}

/// Text messaging, as the notifier uses it.
#[allow(async_fn_in_trait)]
pub trait TextMessages {
    /// Sends a text.
    async fn send(&self, text: OutgoingText) -> Result<Text, TextError>;
    /// Reads one text by its id.
    async fn get(&self, id: &TextId) -> Result<Text, TextError>;
    /// Every text sent to a number, across all pages, newest first.
    async fn sent_to(&self, to: &str) -> Result<Vec<Text>, TextError>;
}
