//! The plan: everything the emitters need, and nothing they have to look up again.
//!
//! Spec, mapping and port go in ([`build`]); this plain data comes out. Every emitter
//! reads only the plan, so adding an emitter never touches loading or validation, and
//! the plan can be inspected (`portcullis generate` prints a [`Plan::summary`]).
//!
//! Planning and validation are one pass (`planner.rs`): every check that can fail
//! reports a diagnostic against the mapping and keeps going. Each noun of the plan has
//! its own file, with its types and how they are decided:
//!
//! * [`auth`]: how calls authenticate, and which operations go without credentials.
//! * [`limits`]: the vendor's documented limits; [`health`]: the health monitor.
//! * [`policies`]: time limits, retries, breaker and rate limiting, each value resolved
//!   with its [`Source`] (from [`defaults`] where the mapping is silent).
//! * [`fallback`]: degraded answers.
//! * [`operation`]: one port method bound to one vendor operation (or unsupported).
//! * [`args`]: values from the method's arguments ([`variants`]: a domain enum's wire
//!   values); [`params`]: path, query, header.
//! * [`idempotency`]: the idempotency key of a write; [`constraints`]: what the spec
//!   allows a value (length, pattern, enum, range).
//! * [`body`]: the request body, from mapped fields or from one value.
//! * [`response`]: success responses (one value or a list); [`paginate`]: lists read
//!   page by page; [`errors`]: error bodies and error rules.
//! * [`read`]: reading one vendor value; [`wire`]: the private vendor wire types, one
//!   per schema and shape once `merge.rs` has merged those of one schema used alike.
//! * [`convert`]: vendor → domain converters; [`leaf`]: one value's conversion.
//!
//! Contract tests, built on request, have their own plan: [`contract`], with the
//! spec's examples and deterministic [`samples`]. So does the dispatcher over several
//! adapters of one port ([`dispatch`]), built from their plans.

pub mod args;
pub mod auth;
pub mod body;
pub mod checks;
pub mod constraints;
pub mod contract;
pub mod convert;
pub mod defaults;
pub mod dispatch;
pub mod errors;
pub mod fallback;
#[cfg(test)]
pub(crate) mod fixture;
pub mod health;
pub mod idempotency;
pub mod leaf;
pub mod limits;
mod merge;
pub mod operation;
pub mod paginate;
pub mod params;
mod planner;
pub mod pluck;
pub mod policies;
pub mod read;
pub mod response;
pub mod samples;
pub mod secrets;
pub mod settings;
mod summary;
pub mod variants;
pub(crate) mod via;
pub mod webhooks;
pub mod wire;

pub use args::{Convert, ValuePlan};
pub use auth::{AuthPlan, Secret};
pub use body::{BodyEncoding, BodyNode, BodyPlan};
pub use checks::{CheckPlan, CheckedValue};
pub use constraints::{Constraints, TextFormat};
pub use convert::{ConvValue, Converter, FieldConv, Missing};
pub use defaults::{RUNTIME, RuntimeDefaults};
pub use errors::{
    ErrorBodyPlan, ErrorKind, ErrorMatch, ErrorPathsPlan, ErrorRulePlan, ErrorSignal, VariantBuild,
};
pub use fallback::{FallbackPlan, FallbackStrategy, MarkKind, MarkPlan};
pub use health::HealthPlan;
pub use idempotency::IdempotencyPlan;
pub use leaf::Leaf;
pub use limits::{BucketPlan, LimitsPlan, QuotaPlan, RatePlan, ResetStyle};
pub use paginate::{LimitPlan, NextPlan, PaginatePlan};
pub use params::{ParamLocation, ParamPlan};
pub use planner::build;
pub use pluck::Pluck;
pub use policies::{BreakerPlan, PolicyPlan, RateLimitPlan, RetryPlan, Source, Sourced};
pub use read::{Read, Step};
pub use response::{RejectPlan, ResponsePlan};
pub use settings::{HeaderPlan, HeaderValuePlan, SettingPlan, SettingSourcePlan};
pub use webhooks::{EventPlan, HmacPlan, SchemePlan, UnknownPlan, WebhooksPlan};
pub use wire::{Origin, WireField, WireKind, WireTy, WireType};

/// A validated adapter, ready to emit.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The adapter struct's name.
    pub adapter: String,
    /// The port trait, fully qualified (`crate::domain::PaymentGateway`).
    pub port_trait: String,
    /// The vendor's API title from the spec.
    pub vendor_title: String,
    /// The spec file name and sha256.
    pub spec_file: String,
    /// sha256 of the spec.
    pub spec_sha256: String,
    /// The mapping file name.
    pub mapping_file: String,
    /// sha256 of the mapping.
    pub mapping_sha256: String,
    /// The default base URL.
    pub base_url: String,
    /// Authentication.
    pub auth: AuthPlan,
    /// What `check` accepts but points out: error rules that can never match.
    pub warnings: Vec<crate::error::Diagnostic>,
    /// The mapping declares the scheme itself (`auth.type`): the spec has none.
    pub auth_declared: bool,
    /// Named values of the adapter's configuration, in the mapping's order.
    pub settings: Vec<SettingPlan>,
    /// Headers sent on every call.
    pub headers: Vec<HeaderPlan>,
    /// Documented vendor limits (carried for the runtime and the report).
    pub limits: LimitsPlan,
    /// Health monitor thresholds from the mapping.
    pub health: Option<HealthPlan>,
    /// The adapter's default policy, resolved: each value from the mapping's
    /// `defaults:` or the runtime.
    pub defaults: PolicyPlan,
    /// One per port method the vendor serves, in the mapping's order.
    pub operations: Vec<OperationPlan>,
    /// Port methods the vendor cannot serve.
    pub unsupported: Vec<UnsupportedPlan>,
    /// Private vendor wire types, sorted by name.
    pub wire: Vec<WireType>,
    /// Vendor → domain converters, sorted by name.
    pub converters: Vec<Converter>,
    /// The vendor's deliveries, when the mapping has `webhooks:`.
    pub webhooks: Option<WebhooksPlan>,
    /// Body fields the spec marks as secret (`format: password`, `writeOnly`), sorted:
    /// hidden in recorded cassettes.
    pub secret_fields: Vec<String>,
}

/// One port method bound to one vendor operation.
#[derive(Debug, Clone)]
pub struct OperationPlan {
    /// The port method.
    pub method: String,
    /// How the port declares it.
    pub style: MethodStyle,
    /// Arguments after `&self`: name and rendered type.
    pub args: Vec<(String, String)>,
    /// The `Ok` type, rendered: what the port method returns.
    pub ok_type: String,
    /// The port returns `Option<T>`: the call builds `T`, and a 404 is `None`.
    pub none_on_404: bool,
    /// The `Err` type, rendered.
    pub err_type: String,
    /// The vendor's operationId.
    pub operation_id: String,
    /// Upper-case HTTP method.
    pub http_method: String,
    /// Path template.
    pub path: String,
    /// True unless the HTTP method is safe (GET, HEAD, OPTIONS) or the mapping marks
    /// the operation `read: true`.
    pub is_write: bool,
    /// Marked `read: true` on a method that is not a read's (a POST that searches):
    /// the request is sent with `read_only()`.
    pub read_only: bool,
    /// Parameters sent.
    pub params: Vec<ParamPlan>,
    /// Headers this operation sends besides the adapter's.
    pub headers: Vec<HeaderPlan>,
    /// The request body, when one is sent.
    pub body: Option<BodyPlan>,
    /// Argument values checked against the spec's constraints before sending.
    pub checks: Vec<CheckPlan>,
    /// Response examples the mapping declares it does not turn into a domain value
    /// (`"200 RedirectShopper"`), with the reason: their contract tests expect the
    /// contract error instead.
    pub mismatches: Vec<(String, String)>,
    /// Argument values the contract tests call with instead of synthesised ones
    /// (`contract.args`), by argument path.
    pub contract_args: Vec<(Vec<String>, serde_json::Value)>,
    /// The idempotency key.
    pub idempotency: Option<IdempotencyPlan>,
    /// Success responses, by status.
    pub responses: Vec<ResponsePlan>,
    /// The vendor's error body for this operation.
    pub error_body: Option<ErrorBodyPlan>,
    /// Where the code and message are when the spec declares no error body but the
    /// mapping says (`errors: { code, message }`).
    pub error_paths: Option<ErrorPathsPlan>,
    /// What, in a 2xx body that is not the promised success, says it is the vendor's
    /// error (see `Planner::error_signal`).
    pub error_in_success: ErrorSignal,
    /// Error rules: the operation's, then the adapter's; a catch-all is last.
    pub error_rules: Vec<ErrorRulePlan>,
    /// The operation's policy, resolved: each value from the operation, the mapping's
    /// `defaults:` or the runtime.
    pub policies: PolicyPlan,
    /// Sent without credentials: the spec's security for the operation is `[]`.
    pub anonymous: bool,
    /// What answers when the vendor cannot, and the result field that says so.
    pub fallback: Option<FallbackPlan>,
    /// How the list the method returns is read page by page, when it is paginated.
    pub paginate: Option<PaginatePlan>,
    /// Domain fields of the result taken from the call's arguments (`fields:`), passed to
    /// the operation's own converter.
    pub given: Vec<GivenPlan>,
}

impl OperationPlan {
    /// The vendor's own name for the operation, when its spec gives one: an operation
    /// without an operationId is called by `METHOD /path`, which says nothing more.
    ///
    /// ```
    /// let (plan, _) = portcullis_codegen::check("../mappings/stripe.yaml".as_ref())?;
    /// let op = plan.operations.iter().find(|o| o.method == "get_payment").expect("op");
    /// assert_eq!(op.vendor_name(), Some("GetPaymentIntentsIntent"));
    /// # Ok::<(), portcullis_codegen::Error>(())
    /// ```
    pub fn vendor_name(&self) -> Option<&str> {
        let by_path = self
            .operation_id
            .split_once(' ')
            .is_some_and(|(method, path)| {
                method.eq_ignore_ascii_case(&self.http_method) && path == self.path
            });
        (!by_path).then_some(self.operation_id.as_str())
    }

    /// What the call builds: the port's `Ok` type, or the `T` of an `Option<T>` a 404
    /// answers with `None`.
    pub fn call_ok_type(&self) -> &str {
        if self.none_on_404 {
            self.ok_type
                .strip_prefix("Option<")
                .and_then(|t| t.strip_suffix('>'))
                .unwrap_or(&self.ok_type)
        } else {
            &self.ok_type
        }
    }
}

/// One domain field of the result taken from the call's arguments: read before the
/// request consumes them, then handed to the converter.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenPlan {
    /// The converter's parameter (and the local holding the value).
    pub param: String,
    /// Segments: an argument, then fields (`0` for a newtype's inside).
    pub access: Vec<String>,
    /// The argument is a plain value and the domain field its `Option`.
    pub some: bool,
    /// The argument is a `&str` the field holds as a `String`.
    pub to_owned: bool,
}

/// A port method the vendor has no operation for: it returns a domain error at once.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsupportedPlan {
    /// The port method.
    pub method: String,
    /// How the port declares it.
    pub style: MethodStyle,
    /// Arguments after `&self`: name and rendered type.
    pub args: Vec<(String, String)>,
    /// The `Ok` type, rendered.
    pub ok_type: String,
    /// The `Err` type, rendered.
    pub err_type: String,
    /// The error variant, rendered.
    pub target: String,
    /// How it is built.
    pub build: VariantBuild,
}

/// How the port declares a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodStyle {
    /// `async fn`.
    Async,
    /// `fn … -> impl Future<Output = …> + Send`.
    ImplFuture,
    /// `fn … -> impl Stream<Item = Result<T, E>>`, with the bounds it declares; the
    /// plan's `ok_type` is then `Vec<T>`.
    Stream {
        /// `+ Send`.
        send: bool,
        /// `+ Unpin`.
        unpin: bool,
        /// `+ '_`.
        elided: bool,
    },
}

impl MethodStyle {
    /// The method returns a stream of items.
    pub fn is_stream(&self) -> bool {
        matches!(self, MethodStyle::Stream { .. })
    }
}
