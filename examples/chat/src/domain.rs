//! The on-call bot's port: posting to the team's chat, in its own words.
//!
//! Nothing here names a vendor; `mappings/slack.yaml` says how Slack's Web API serves
//! each method.

/// A channel's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelId(pub String);

/// A message to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Where.
    pub channel: ChannelId,
    /// What it says (the chat's own markup).
    pub text: String,
    /// The timestamp of the message to reply under, for a threaded reply.
    pub thread: Option<String>,
}

/// A posted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// Where it went.
    pub channel: ChannelId,
    /// Its timestamp, which is also its id in the channel.
    pub timestamp: String,
    /// What it says, as the chat stored it.
    pub text: String,
}

/// A channel the bot can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Its id, which posts name.
    pub id: ChannelId,
    /// Its name, without `#`.
    pub name: String,
    /// Only its members see it.
    pub private: bool,
    /// Read-only now.
    pub archived: bool,
    /// How many members it has, when the chat says.
    pub members: Option<u32>,
    /// What it is about, when set.
    pub topic: Option<String>,
}

/// What can go wrong, as the bot handles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatError {
    /// No such channel (or the bot cannot see it).
    ChannelNotFound(String),
    /// The bot is not a member of the channel.
    NotInChannel(String),
    /// The credentials were refused.
    Unauthorized(String),
    /// Too many requests: try again later.
    RateLimited(String),
    /// The chat refused the message (too long, archived channel, …).
    Rejected(String),
    /// Refused before sending: a value the chat could not take.
    Invalid(String),
    /// The chat is down or slow.
    Unavailable(String),
    /// The chat answered something the bot cannot read.
    Contract(String),
    /// The bot's configuration is wrong.
    Config(String),
    /// Anything else.
    Failed(String),
}

/// Team chat, as the bot uses it.
#[allow(async_fn_in_trait)]
pub trait Chat {
    /// Posts a message.
    async fn post(&self, post: Post) -> Result<Posted, ChatError>;
    /// Every public and private channel the bot can see, across all pages.
    async fn channels(&self) -> Result<Vec<Channel>, ChatError>;
}
