//! The plan: everything the emitters need, and nothing they have to look up again.
//!
//! Spec, mapping and port go in ([`build`]); this plain data comes out. Every emitter
//! reads only the plan, so adding an emitter never touches loading or validation, and
//! the plan can be inspected (`portcullis generate` prints a summary of it).

mod build;

pub use build::build;

use crate::load::mapping::{ErrorKey, Limits, Policies, SecretRef};
use crate::load::port::MethodStyle;

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
    /// Documented vendor limits (carried for the runtime and the report).
    pub limits: Limits,
    /// Health monitor thresholds from the mapping.
    pub health: Option<crate::load::mapping::Health>,
    /// Default policies.
    pub defaults: Policies,
    /// One per port method the vendor serves, in the mapping's order.
    pub operations: Vec<OperationPlan>,
    /// Port methods the vendor cannot serve.
    pub unsupported: Vec<UnsupportedPlan>,
    /// Private vendor wire types, sorted by name.
    pub wire: Vec<WireType>,
    /// Vendor → domain converters, sorted by name.
    pub converters: Vec<Converter>,
}

/// How calls authenticate.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthPlan {
    /// No authentication.
    None,
    /// `Authorization: Bearer <secret>`.
    Bearer(SecretRef),
    /// `Authorization: Basic`, user name and optional password.
    Basic(SecretRef, Option<SecretRef>),
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// `header`, `query` or `cookie`.
        location: String,
        /// The header, parameter or cookie name.
        name: String,
        /// The key.
        secret: SecretRef,
    },
    /// A bearer token from an OAuth2 client-credentials flow, fetched and refreshed by
    /// the runtime.
    OAuth2ClientCredentials {
        /// The token endpoint (the spec's, or the mapping's override).
        token_url: String,
        /// The client id.
        client_id: SecretRef,
        /// The client secret.
        client_secret: SecretRef,
        /// Scopes asked for, sorted.
        scopes: Vec<String>,
    },
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
    /// The `Ok` type, rendered.
    pub ok_type: String,
    /// The `Err` type, rendered.
    pub err_type: String,
    /// The vendor's operationId.
    pub operation_id: String,
    /// Upper-case HTTP method.
    pub http_method: String,
    /// Path template.
    pub path: String,
    /// True unless the HTTP method is safe (GET, HEAD, OPTIONS).
    pub is_write: bool,
    /// Parameters sent.
    pub params: Vec<ParamPlan>,
    /// The request body, when one is sent.
    pub body: Option<BodyPlan>,
    /// The idempotency key.
    pub idempotency: Option<IdempotencyPlan>,
    /// Success responses, by status.
    pub responses: Vec<ResponsePlan>,
    /// The vendor's error body for this operation.
    pub error_body: Option<ErrorBodyPlan>,
    /// Error rules: the operation's, then the adapter's; a catch-all is last.
    pub error_rules: Vec<ErrorRulePlan>,
    /// Policies that override the defaults for this operation.
    pub policies: Policies,
    /// Sent without credentials: the spec's security for the operation is `[]`.
    pub anonymous: bool,
    /// What answers when the vendor cannot, and the result field that says so.
    pub fallback: Option<FallbackPlan>,
}

/// An operation's fallback, checked against the port and the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct FallbackPlan {
    /// Where the answer comes from.
    pub strategy: FallbackStrategy,
    /// The field of the result that marks a degraded answer.
    pub mark: MarkPlan,
}

/// Where a degraded answer comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FallbackStrategy {
    /// The runtime's response cache (reads only).
    Cache {
        /// Served without a call while younger than this.
        ttl: std::time::Duration,
        /// Served for this long after that when the call fails.
        stale_if_error: std::time::Duration,
    },
    /// A fixed vendor body, decoded like a real answer.
    Static {
        /// The success status it is served with.
        status: u16,
        /// The JSON body, compact.
        body: String,
    },
    /// A function the application registers on the adapter.
    Caller,
}

/// The result field that says an answer is degraded.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkPlan {
    /// The field's name.
    pub field: String,
    /// What it holds.
    pub kind: MarkKind,
}

/// The type of a mark field, and so what it holds when degraded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// `bool`: true when degraded.
    Flag,
    /// `Option<String>`: the reason, when degraded.
    Reason,
    /// `Option<std::time::Duration>`: the data's age, when degraded.
    Age,
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

/// A value taken from the method's arguments or written in the mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum ValuePlan {
    /// An access path over the arguments.
    Expr {
        /// Segments: an argument, then fields (`0` for a newtype's inside).
        access: Vec<String>,
        /// The value needs `.clone()` (not `Copy`).
        clone: bool,
        /// The value is an `Option`.
        optional: bool,
        /// Widen to i64/f64 with `From`.
        widen: Option<String>,
        /// A conversion function, called with a reference to the value.
        via: Option<String>,
    },
    /// A constant.
    Const(serde_json::Value),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// Substituted into the path.
    Path,
    /// In the query string.
    Query,
    /// A header.
    Header,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamPlan {
    /// The name on the wire.
    pub wire_name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// The value.
    pub value: ValuePlan,
    /// For arrays: the name each item is sent under (`expand[]` for deepObject, else the name).
    pub array_item_name: Option<String>,
}

/// How a body is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/json`
    Json,
    /// `application/x-www-form-urlencoded`, deepObject style.
    Form,
    /// The whole body from one value, sent with this content type.
    Raw(String),
}

/// A request body: a tree of wire structs whose leaves are values.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyPlan {
    /// The encoding.
    pub encoding: BodyEncoding,
    /// The root.
    pub root: BodyNode,
}

/// A node of a request body.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyNode {
    /// A wire struct and its fields: rust name, node, wrapped in `Some` (optional on the wire).
    Struct {
        /// The wire type.
        wire_type: String,
        /// Fields.
        fields: Vec<(String, BodyNode, bool)>,
    },
    /// A value.
    Leaf(ValuePlan),
    /// A list of objects built from a `Vec` of the method's arguments, item by item.
    List {
        /// The access path of the `Vec` (an argument, then fields).
        source: Vec<String>,
        /// The `Vec` is an `Option<Vec<_>>`.
        optional: bool,
        /// The item, whose expressions start at `item`.
        item: Box<BodyNode>,
    },
    /// The idempotency key itself.
    IdempotencyKey,
}

/// Where the idempotency key goes and what it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyPlan {
    /// `Some(header)` for a header, `None` when it is a body field.
    pub header: Option<String>,
    /// The domain value it is derived from, else a UUIDv4.
    pub from: Option<ValuePlan>,
    /// Description for reports (`req.order_id` or `uuid v4`).
    pub source: String,
}

/// A success response.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsePlan {
    /// The status; `None` for a `2XX` range.
    pub status: Option<u16>,
    /// Wire type and converter, or `None` for an empty body.
    pub decode: Option<(String, String)>,
    /// The read from the body's root to the domain object (`unwrap:`), when it is nested.
    pub unwrap: Option<Read>,
    /// Refusal check on a decoded 2xx body.
    pub reject: Option<RejectPlan>,
}

/// A 2xx body field whose values mean the vendor refused the request.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectPlan {
    /// The field.
    pub field: Read,
    /// The values that mean refused; the value becomes the error's code.
    pub values: Vec<String>,
    /// The field holding the vendor's reason.
    pub message: Option<Read>,
}

/// Where the code and message are in the vendor's error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBodyPlan {
    /// The wire type.
    pub wire_type: String,
    /// The read of the vendor's error code (every step optional).
    pub code: Option<Read>,
    /// The read of the vendor's message.
    pub message: Option<Read>,
}

/// How a domain error variant is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantBuild {
    /// `E::V`
    Unit,
    /// `E::V(message)`
    Message,
}

/// One error rule, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRulePlan {
    /// What it matches.
    pub key: ErrorKey,
    /// The variant path, rendered.
    pub target: String,
    /// How it is built.
    pub build: VariantBuild,
    /// Written under the operation (tried first) rather than the top-level `errors:`.
    pub operation_level: bool,
}

/// A private vendor type.
#[derive(Debug, Clone, PartialEq)]
pub struct WireType {
    /// Its name.
    pub name: String,
    /// The spec schema it comes from, for its doc comment.
    pub origin: String,
    /// Request (Serialize) or response (Deserialize) side.
    pub serialize: bool,
    /// Its shape.
    pub kind: WireKind,
}

/// The shape of a wire type.
#[derive(Debug, Clone, PartialEq)]
pub enum WireKind {
    /// A struct of the used properties.
    Struct(Vec<WireField>),
    /// An untagged union: the variant we read, or anything else.
    Union {
        /// The variant's name and type.
        variant: (String, WireTy),
    },
}

/// A field of a wire struct.
#[derive(Debug, Clone, PartialEq)]
pub struct WireField {
    /// The Rust name.
    pub rust_name: String,
    /// The name on the wire.
    pub wire_name: String,
    /// Its type.
    pub ty: WireTy,
    /// `Option<..>`: not required, or nullable.
    pub optional: bool,
}

/// The type of a wire value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum WireTy {
    /// `String`
    String,
    /// `i64`
    I64,
    /// `f64`
    F64,
    /// `bool`
    Bool,
    /// `serde_json::Value`
    Json,
    /// Another wire type.
    Named(String),
    /// A boxed wire type (recursion).
    Boxed(String),
    /// `Vec<T>`
    Vec(Box<WireTy>),
}

/// Builds a domain value from a wire value.
#[derive(Debug, Clone, PartialEq)]
pub struct Converter {
    /// The function's name.
    pub name: String,
    /// The domain type, rendered.
    pub domain_type: String,
    /// The wire type it reads.
    pub wire_type: String,
    /// One per domain field.
    pub fields: Vec<FieldConv>,
}

/// How one domain field is produced.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConv {
    /// The domain field.
    pub field: String,
    /// The vendor reads and the conversion.
    pub value: ConvValue,
}

/// A step into a wire value.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The Rust field.
    pub field: String,
    /// The field is an `Option`.
    pub optional: bool,
    /// The field is a union: the union type and the variant to take.
    pub pick: Option<(String, String)>,
    /// The field is boxed.
    pub boxed: bool,
    /// Not a field but an index into the list the previous step read (`errors.0.code`).
    pub index: Option<usize>,
}

/// A read of one vendor value.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// The steps from the root.
    pub steps: Vec<Step>,
    /// `$.a.b` for messages.
    pub json_path: String,
}

impl Read {
    /// True when any step can be absent.
    pub fn may_be_absent(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.optional || s.pick.is_some() || s.index.is_some())
    }
}

/// What to do when an optional vendor value is absent.
#[derive(Debug, Clone, PartialEq)]
pub enum Missing {
    /// The domain field is an `Option`: `None`.
    None,
    /// A contract error.
    Error,
    /// A default, as a Rust expression.
    Default(String),
}

/// How a domain value is made.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvValue {
    /// A degradation mark, at its fresh value (`false` or `None`); the operation sets it
    /// when a fallback answered.
    Fresh(MarkKind),
    /// One read, converted.
    Read {
        /// The read.
        read: Read,
        /// The conversion.
        leaf: Leaf,
        /// Absence handling (ignored when the read cannot be absent).
        missing: Missing,
    },
    /// A `via` function over several reads (each passed as it is on the wire, `Option` when absent-able).
    Via {
        /// The function path.
        function: String,
        /// The reads.
        reads: Vec<Read>,
        /// `$.a` of the first read, for messages.
        json_path: String,
        /// Absent values fail the call instead of reaching the function as `None`.
        required: bool,
    },
}

/// The conversion of a present wire value.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf {
    /// Taken as it is.
    Same,
    /// An integer narrowed with `TryFrom` into this type.
    Narrow(String),
    /// Wrapped in a newtype.
    Newtype(String, Box<Leaf>),
    /// A vendor string to a domain enum.
    Enum {
        /// The enum, rendered.
        domain_enum: String,
        /// Wire value → variant.
        arms: Vec<(String, String)>,
        /// The catch-all variant and whether it carries the raw value.
        catch_all: Option<(String, bool)>,
    },
    /// Another converter.
    Nested(String),
    /// Each item of a list.
    Each(Box<Leaf>),
    /// Present values wrapped in `Some` (domain `Option`).
    Some(Box<Leaf>),
}

impl Plan {
    /// A short human summary: operations, types, policies.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let dur = |d: Option<std::time::Duration>| {
            d.map(|d| format!("{d:?}"))
                .unwrap_or_else(|| "runtime default".into())
        };
        s.push_str(&format!(
            "adapter {} implements {} over {} ({})\n",
            self.adapter, self.port_trait, self.vendor_title, self.spec_file
        ));
        s.push_str(&format!("operations: {}\n", self.operations.len()));
        for op in &self.operations {
            let idem = op
                .idempotency
                .as_ref()
                .map(|i| format!(", idempotency key from {}", i.source))
                .unwrap_or_default();
            s.push_str(&format!(
                "  {:<16} {} {} ({}){}\n",
                op.method, op.http_method, op.path, op.operation_id, idem
            ));
        }
        for u in &self.unsupported {
            s.push_str(&format!(
                "  {:<16} not offered by the vendor: returns {}\n",
                u.method, u.target
            ));
        }
        s.push_str(&format!(
            "types: {} vendor wire types, {} domain converters\n",
            self.wire.len(),
            self.converters.len()
        ));
        let retry = self
            .defaults
            .retry
            .as_ref()
            .map(|r| format!("{} attempts, backoff {:?}..{:?}", r.attempts, r.base, r.cap))
            .unwrap_or_else(|| "runtime default".into());
        s.push_str(&format!(
            "policies: attempt timeout {}, budget {}, retry {}\n",
            dur(self.defaults.attempt_timeout),
            dur(self.defaults.budget),
            retry
        ));
        if let Some(rate) = &self.limits.rate {
            s.push_str(&format!(
                "limits: {} requests per {:?}\n",
                rate.requests, rate.per
            ));
        }
        s
    }
}
