//! What generated code and `paginate/` read from a pipeline besides `send`.

use std::time::Duration;

use crate::error::Error;
use crate::response::Response;

use super::Pipeline;

/// What generated code reads from the pipeline besides `send` (settings, errors),
/// and what `paginate/` needs from it.
impl Pipeline {
    /// The value of setting `name` ([`AdapterConfig::setting`](crate::AdapterConfig::setting)), resolved when the
    /// pipeline was built; a name the adapter does not declare is a
    /// [`Error::Config`].
    ///
    /// ```no_run
    /// # fn demo(pipeline: &portcullis_runtime::Pipeline) -> Result<(), portcullis_runtime::Error> {
    /// use portcullis_runtime::{Method, Request};
    /// let req = Request::new("send_message", Method::POST, "/2010-04-01/Accounts/{AccountSid}/Messages.json")
    ///     .path_param("AccountSid", pipeline.setting("account_sid")?);
    /// # let _ = req; Ok(()) }
    /// ```
    pub fn setting(&self, name: &str) -> Result<&str, Error> {
        self.inner.settings.setting(name).ok_or_else(|| {
            Error::config(format!(
                "{}: setting {name} is not declared; declare it with AdapterConfig::setting",
                self.inner.name
            ))
        })
    }

    /// Classifies a final response the adapter did not map to success, like
    /// [`Error::from_vendor_response`], and: on 401 and 403 without a parsed `code`
    /// or `message`, reads the vendor's own message from the usual error body shapes;
    /// masks in every message any secret this adapter sends (a vendor that echoes the
    /// key it rejected must not put it in logs).
    pub fn vendor_error(
        &self,
        operation: &str,
        resp: &Response,
        code: Option<String>,
        message: Option<String>,
    ) -> Error {
        crate::auth::vendor_error(&self.inner.auth, operation, resp, code, message, &[])
    }

    /// [`Pipeline::vendor_error`] with the mapping first: a 401, 403 or 429 whose `code`
    /// is one of `named` (the statuses and codes the operation's error rules name, as in
    /// `"403/REJECTED"`) is the vendor's answer about the request (a declined credit
    /// check, a limit of the customer's plan), not about our credentials or our rate:
    /// it is [`Error::Vendor`], counted `vendor`. Any other 401 or 403 is an auth
    /// failure and any other 429 rate limited, as before.
    ///
    /// ```no_run
    /// # fn demo(pipeline: &portcullis_runtime::Pipeline, resp: &portcullis_runtime::Response) {
    /// let e = pipeline.vendor_error_by_rules("create", resp, Some("REJECTED".into()), None, &[(403, "REJECTED")]);
    /// # let _ = e; }
    /// ```
    pub fn vendor_error_by_rules(
        &self,
        operation: &str,
        resp: &Response,
        code: Option<String>,
        message: Option<String>,
        named: &[(u16, &str)],
    ) -> Error {
        crate::auth::vendor_error(&self.inner.auth, operation, resp, code, message, named)
    }

    /// Counts `error`, which ended a call before anything was sent (a request that
    /// breaks the spec's constraints, see [`crate::validate`]), in
    /// `portcullis_calls_total` under its kind's outcome (`invalid` for
    /// [`Error::InvalidRequest`]), logs it once, and hands it back. Generated code
    /// passes every error of its pre-send checks here.
    ///
    /// ```no_run
    /// # fn demo(pipeline: &portcullis_runtime::Pipeline, note: &str) -> Result<(), portcullis_runtime::Error> {
    /// use portcullis_runtime::validate;
    /// validate::max_length("create_refund", "$.note", note, 500).map_err(|e| pipeline.refused(e))?;
    /// # Ok(()) }
    /// ```
    pub fn refused(&self, error: Error) -> Error {
        if let Some(op) = error.operation() {
            let op = self.inner.operation(op);
            self.inner.observe.not_sent(&op.obs, &error);
        }
        error
    }

    /// The base URL requests are sent under (a next page must stay on its origin).
    pub(crate) fn base_url(&self) -> &reqwest::Url {
        &self.inner.base
    }

    /// The budget of one call of `operation` (`None`: unbounded).
    pub(crate) fn budget(&self, operation: &str) -> Option<Duration> {
        self.inner.policy(operation).budget
    }
}
