//! The pipeline's side of auth: which credential an attempt carries, and what a 401
//! does to the call. Kept apart from the send loop so the loop shows only two calls.

use crate::auth::Authorized;
use crate::error::{Error, TimeoutLimit};
use crate::request::Request;
use crate::response::Response;
use crate::timeout::Deadline;

use super::Inner;
use super::call::Call;

/// Runs `wait` (a secret read, a token fetch, a renewal) inside the call's budget: a
/// slow vault or token endpoint, or a custom [`crate::SecretProvider`] that never
/// answers, ends the call with a budget timeout instead of holding it past its deadline.
async fn within<T>(
    deadline: &Deadline,
    call: &Call<'_>,
    wait: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline.end() {
        None => wait.await,
        Some(at) => tokio::time::timeout_at(at, wait)
            .await
            .unwrap_or_else(|_| Err(call.timeout(TimeoutLimit::Budget))),
    }
}

impl Inner {
    /// The credential for one attempt of `req` when [`Inner::credential_now`] has
    /// none ready: read or fetched within the call's budget.
    pub(super) async fn credential_for(
        &self,
        req: &Request,
        deadline: &Deadline,
        call: &Call<'_>,
    ) -> Result<Authorized, Error> {
        within(deadline, call, self.auth.credential(&req.operation)).await
    }

    /// The credential of `req` when no wait is needed (none for an anonymous request;
    /// see [`crate::auth::Authenticator::credential_now`]).
    pub(super) fn credential_now(&self, req: &Request) -> Option<Result<Authorized, Error>> {
        if req.anonymous {
            return Some(Ok(Authorized::none()));
        }
        self.auth.credential_now(&req.operation)
    }

    /// A 401 to an authenticated request renews the credential (a new OAuth2 token, a
    /// re-read secret) and replays the call once; a second 401, or one no renewal can
    /// help, ends the call with [`Error::Auth`]. `Ok(true)`: send again; `Ok(false)`:
    /// the response stands. `replayed` is the call's memory of the one replay.
    /// The renewal runs within the call's budget, like the first fetch. Called only
    /// when [`Inner::may_replay`] says so.
    pub(super) async fn replay_after(
        &self,
        req: &Request,
        resp: &Response,
        used: &Authorized,
        replayed: &mut bool,
        deadline: &Deadline,
        call: &Call<'_>,
    ) -> Result<bool, Error> {
        within(
            deadline,
            call,
            self.renew_after_401(req, resp, used, replayed),
        )
        .await
    }

    /// Whether `resp` is a 401 that [`Inner::replay_after`] may answer by renewing
    /// the credential: checked in place, so only a 401 starts (and boxes) the renewal.
    pub(super) fn may_replay(&self, req: &Request, resp: &Response) -> bool {
        resp.status() == 401 && !req.anonymous && self.auth.is_configured()
    }

    async fn renew_after_401(
        &self,
        req: &Request,
        resp: &Response,
        used: &Authorized,
        replayed: &mut bool,
    ) -> Result<bool, Error> {
        let op = &req.operation;
        let first = !*replayed;
        *replayed = true;
        if first && self.auth.rejected(op, used).await? {
            crate::auth::events::rejected(op, true);
            return Ok(true);
        }
        crate::auth::events::rejected(op, false);
        Err(Error::Auth {
            operation: op.to_string(),
            status: Some(401),
            message: crate::auth::with_vendor_message(
                &self.auth,
                if first {
                    "credentials rejected and no newer credential is available"
                } else {
                    "credentials rejected again after renewing them"
                },
                resp,
            ),
            source: None,
        })
    }
}
