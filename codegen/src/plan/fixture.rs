//! A small vendor, port and mapping that plan cleanly, for the planner's unit tests.
//!
//! Each test starts from [`Fixture::default`], edits the text it is about (plain
//! `replace` on the spec, port or mapping, so the change reads in the test), and asks
//! for the plan or for the diagnostics.

use super::{OperationPlan, Plan};
use crate::error::{Error, Span};
use crate::load::mapping::Mapping;
use crate::load::openapi::Spec;
use crate::load::port::Port;
use std::path::Path;

/// The vendor: things with an id, a status, an amount, and an error body.
pub(crate) const SPEC: &str = r##"
openapi: 3.0.3
info: { title: Things, version: "1" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
    key: { type: apiKey, in: header, name: X-Api-Key }
  schemas:
    Thing:
      type: object
      required: [id, status]
      properties:
        id: { type: string }
        status: { type: string, enum: [active, gone] }
        amount: { type: integer }
        note: { type: string, nullable: true }
        owner: { $ref: "#/components/schemas/Owner" }
    Owner:
      type: object
      properties:
        name: { type: string }
    Error:
      type: object
      properties:
        error:
          type: object
          properties:
            code: { type: string }
            message: { type: string }
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: expand, in: query, schema: { type: array, items: { type: string } } }
      responses:
        "200":
          description: ok
          content: { application/json: { schema: { $ref: "#/components/schemas/Thing" } } }
        default:
          description: error
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [amount]
              properties:
                amount: { type: integer }
                memo: { type: string }
                meta: { type: object, properties: { order: { type: string } } }
      responses:
        "201":
          description: created
          content: { application/json: { schema: { $ref: "#/components/schemas/Thing" } } }
        default:
          description: error
          content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
"##;

/// The port: get and create, and a domain `Thing`.
pub(crate) const PORT: &str = r#"
pub trait Things: Send + Sync {
    async fn get(&self, id: &str) -> Result<Thing, ThingError>;
    async fn create(&self, req: NewThing) -> Result<Thing, ThingError>;
}
pub struct Thing { pub id: String, pub status: Status, pub amount: Option<i64> }
pub enum Status { Active, Gone, Unknown(String) }
pub struct NewThing { pub amount: u32, pub memo: Option<String>, pub order: String }
pub enum ThingError { NotFound, Upstream(String) }
"#;

/// The mapping between them.
pub(crate) const MAPPING: &str = r#"
adapter: ThingsAdapter
implements: { port: Things, source: domain.rs }
spec: things.yaml
base_url: https://api.things.example
auth: { scheme: bearer, secret: { env: THINGS_TOKEN } }
errors: { map: { "404": ThingError::NotFound, _: ThingError::Upstream } }
operations:
  get:
    call: getThing
    params: { id: id }
  create:
    call: createThing
    idempotency: { header: Idempotency-Key, key: req.order }
    request: { amount: req.amount, memo: req.memo }
types:
  Thing:
    from: Thing
    fields:
      id: id
      status: { from: status, values: { active: Active, gone: Gone, _: Unknown } }
      amount: amount
"#;

/// A list body for [`Fixture::listing`]: a top-level array of things.
pub(crate) const ARRAY: &str = "{ type: array, items: { $ref: \"#/components/schemas/Thing\" } }";
/// A list body for [`Fixture::listing`]: things in `data`, with what pagination reads.
pub(crate) const WRAPPED: &str = "{ type: object, required: [data], properties: { data: { type: array, items: { $ref: \"#/components/schemas/Thing\" } }, has_more: { type: boolean }, next_cursor: { type: string, nullable: true }, next_uri: { type: string }, total: { type: integer } } }";

/// The three inputs, as text.
#[derive(Debug, Clone)]
pub(crate) struct Fixture {
    pub(crate) spec: String,
    pub(crate) port: String,
    pub(crate) mapping: String,
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture {
            spec: SPEC.to_string(),
            port: PORT.to_string(),
            mapping: MAPPING.to_string(),
        }
    }
}

impl Fixture {
    /// The fixture with `list` over `GET /things`, answering `body` (YAML schema).
    pub(crate) fn listing(body: &str) -> Fixture {
        Fixture::default()
            .spec(
                "  /things:\n    post:\n",
                &format!("  /things:\n    get:\n      operationId: listThings\n      parameters:\n        - {{ name: cursor, in: query, schema: {{ type: string }} }}\n        - {{ name: page, in: query, schema: {{ type: integer }} }}\n        - {{ name: per_page, in: query, schema: {{ type: integer }} }}\n      responses:\n        \"200\":\n          description: ok\n          content: {{ application/json: {{ schema: {body} }} }}\n    post:\n"),
            )
            .port(
                "    async fn create",
                "    async fn list(&self) -> Result<Vec<Thing>, ThingError>;\n    async fn create",
            )
            .mapping("  create:\n", "  list:\n    call: listThings\n  create:\n")
    }

    /// Replaces `from` with `to` in the mapping; the text must be there.
    pub(crate) fn mapping(mut self, from: &str, to: &str) -> Self {
        assert!(self.mapping.contains(from), "the mapping has no {from:?}");
        self.mapping = self.mapping.replacen(from, to, 1);
        self
    }

    /// Replaces `from` with `to` in the spec; the text must be there.
    pub(crate) fn spec(mut self, from: &str, to: &str) -> Self {
        assert!(self.spec.contains(from), "the spec has no {from:?}");
        self.spec = self.spec.replacen(from, to, 1);
        self
    }

    /// Replaces `from` with `to` in the port; the text must be there.
    pub(crate) fn port(mut self, from: &str, to: &str) -> Self {
        assert!(self.port.contains(from), "the port has no {from:?}");
        self.port = self.port.replacen(from, to, 1);
        self
    }

    /// Loads the three inputs and plans.
    pub(crate) fn build(&self) -> Result<Plan, Error> {
        let spec = Spec::from_bytes(Path::new("things.yaml"), self.spec.as_bytes())?;
        let mapping = Mapping::from_bytes(Path::new("things.map.yaml"), self.mapping.as_bytes())?;
        let at = (Path::new("things.map.yaml"), Span { line: 1, col: 1 });
        let port = Port::parse(Path::new("domain.rs"), &self.port, "Things", at)?;
        super::build(&spec, &mapping, &port)
    }

    /// [`Self::build`] with the mapping and the port in `dir`, so that files of the
    /// user's crate beside the port (a `via:` function's module) are found there.
    pub(crate) fn build_in(&self, dir: &Path) -> Result<Plan, Error> {
        let spec = Spec::from_bytes(&dir.join("things.yaml"), self.spec.as_bytes())?;
        let map_path = dir.join("things.map.yaml");
        let mapping = Mapping::from_bytes(&map_path, self.mapping.as_bytes())?;
        let at = (map_path.as_path(), Span { line: 1, col: 1 });
        let port = Port::parse(&dir.join("domain.rs"), &self.port, "Things", at)?;
        super::build(&spec, &mapping, &port)
    }

    /// The plan, which must succeed.
    pub(crate) fn plan(&self) -> Plan {
        match self.build() {
            Ok(p) => p,
            Err(e) => panic!("the fixture should plan:\n{e}"),
        }
    }

    /// Every diagnostic's message, which must exist.
    pub(crate) fn errors(&self) -> Vec<String> {
        match self.build() {
            Ok(_) => panic!("the fixture should be refused"),
            Err(e) => e.diagnostics().iter().map(|d| d.message.clone()).collect(),
        }
    }

    /// The warnings of a fixture that plans.
    pub(crate) fn warnings(&self) -> Vec<String> {
        self.plan()
            .warnings
            .iter()
            .map(|d| d.message.clone())
            .collect()
    }

    /// Whether some diagnostic's help contains `text`.
    pub(crate) fn helped_with(&self, text: &str) {
        let helps: Vec<String> = match self.build() {
            Ok(_) => panic!("the fixture should be refused"),
            Err(e) => e
                .diagnostics()
                .iter()
                .filter_map(|d| d.help.clone())
                .collect(),
        };
        assert!(
            helps.iter().any(|h| h.contains(text)),
            "no help contains {text:?}:\n{}",
            helps.join("\n")
        );
    }

    /// Whether some diagnostic contains `text`, with all of them in the failure message.
    pub(crate) fn refused_with(&self, text: &str) {
        let errors = self.errors();
        assert!(
            errors.iter().any(|m| m.contains(text)),
            "no diagnostic contains {text:?}:\n{}",
            errors.join("\n")
        );
    }
}

/// The planned operation for a port method.
pub(crate) fn op<'p>(plan: &'p Plan, method: &str) -> &'p OperationPlan {
    plan.operations
        .iter()
        .find(|o| o.method == method)
        .unwrap_or_else(|| panic!("no operation {method}"))
}

#[test]
fn the_fixture_plans() {
    let plan = Fixture::default().plan();
    assert_eq!(plan.adapter, "ThingsAdapter");
    assert_eq!(plan.operations.len(), 2);
}
