//! `portcullis scaffold` never guesses silently: every line is certain or marked
//! `# FIXME: reason`, and `check` on the fresh file reports exactly the marked lines, one
//! diagnostic each, and nothing else, since it validates the rest beside the gaps.

use portcullis_codegen::Diagnostic;
use portcullis_codegen::load::openapi::Spec;
use portcullis_codegen::load::port::Port;
use portcullis_codegen::scaffold::{Request, Scaffold, scaffold};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The public spec corpus, found as tests/tests/spec_corpus.rs finds it.
fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("portcullis-scaffold-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// Scaffolds `ops` of the spec at `spec` for the trait `port_trait` of `port`.
fn scaffold_of(spec: &Path, port: &Path, port_trait: &str, ops: &[&str]) -> Scaffold {
    let loaded = Spec::load(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
    let at = (port, portcullis_codegen::error::Span { line: 1, col: 1 });
    let p = Port::load(port, port_trait, at).unwrap_or_else(|e| panic!("{e}"));
    let ops: Vec<String> = ops.iter().map(|o| o.to_string()).collect();
    // Absolute paths: the mapping is checked from a temporary directory.
    let spec_ref = spec.display().to_string();
    let port_ref = port.display().to_string();
    scaffold(&Request {
        spec: &loaded,
        spec_ref: &spec_ref,
        port_ref: &port_ref,
        port: &p,
        operations: &ops,
        adapter: "Scaffolded",
        module: "crate::domain",
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn check(path: &Path, text: &str) -> Result<(), Vec<Diagnostic>> {
    std::fs::write(path, text).expect("write");
    portcullis_codegen::check(path)
        .map(|_| ())
        .map_err(|e| e.diagnostics().to_vec())
}

/// Scaffolds `ops` of a spec and a port given as text, written into a temporary
/// directory named for `name` (returned, to check the result in and remove).
fn scaffold_inline(
    name: &str,
    spec: &str,
    port: &str,
    port_trait: &str,
    ops: &[&str],
) -> (PathBuf, Scaffold) {
    let dir = temp_dir(name);
    std::fs::write(dir.join("spec.yaml"), spec).expect("spec");
    std::fs::write(dir.join("domain.rs"), port).expect("port");
    let s = scaffold_of(
        &dir.join("spec.yaml"),
        &dir.join("domain.rs"),
        port_trait,
        ops,
    );
    (dir, s)
}

/// `check` reports exactly the FIXME lines, one diagnostic each with its reason, and
/// nothing else.
fn assert_check_reports_exactly_the_fixmes(name: &str, s: &Scaffold, path: &Path) {
    let found = match check(path, &s.text) {
        Ok(()) => Vec::new(),
        Err(d) => d,
    };
    let found: Vec<(usize, String)> = found
        .iter()
        .map(|d| (d.span.map_or(0, |s| s.line), d.message.clone()))
        .collect();
    let want: Vec<(usize, String)> = s
        .fixmes
        .iter()
        .map(|f| (f.line, format!("an unresolved FIXME: {}", f.reason)))
        .collect();
    assert_eq!(found, want, "{name}:\n{}", numbered(&s.text));
    for f in &s.fixmes {
        let line = s.text.lines().nth(f.line - 1).unwrap_or_default();
        assert!(
            line.contains("# FIXME: "),
            "{name}: line {}: {line}",
            f.line
        );
    }
    assert_eq!(
        s.text.matches("# FIXME: ").count(),
        s.fixmes.len(),
        "{name}: every FIXME is counted"
    );
}

fn numbered(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| format!("{:3} {l}\n", i + 1))
        .collect()
}

fn scaffold_square(ops: &[&str]) -> Scaffold {
    scaffold_of(
        &root().join("specs/square/payments.json"),
        &root().join("examples/checkout/src/domain.rs"),
        "PaymentGateway",
        ops,
    )
}

/// Lines resolved as a user would: each line starting (after its indentation) with a
/// key of `fills` becomes the replacement, then the remaining FIXME comments go.
fn resolve(text: &str, fills: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        let body = line.trim_start();
        if body.starts_with("# FIXME") {
            continue;
        }
        let line = match fills.iter().find(|(k, _)| body.starts_with(k)) {
            Some((_, with)) => format!("{indent}{with}"),
            None => line.split("  # FIXME").next().unwrap_or(line).to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn fixmes_are_the_only_problems_and_resolving_them_passes_check() {
    let dir = temp_dir("square");
    let path = dir.join("square.yaml");
    let s = scaffold_square(&[
        "create_payment=CreatePayment",
        "GetPayment",
        "refund=RefundPayment",
    ]);

    // Certain: the envelope, the key in the body, fields and parameters of the same name.
    for line in [
        "    unwrap: payment\n",
        "    idempotency: { body: idempotency_key }\n",
        "      payment_id: req.payment_id\n",
        "      id: id\n",
    ] {
        assert!(s.text.contains(line), "{line}\n{}", s.text);
    }
    // Marked: an object field with no argument of its name, a field the vendor may omit,
    // a free-string status, and the degradation mark no vendor sends.
    for line in [
        "      amount_money: \"?\"  # FIXME: the body field amount_money is an object with fields amount, currency",
        "      id: { from: id, required: true, reason: \"unverified: the spec says it may be absent\" }  # FIXME: id may be absent or null",
        "          # FIXME: the spec lists no values for status (a free string)",
        "      degraded: \"?\"  # FIXME: Payment has no field named degraded",
    ] {
        assert!(s.text.contains(line), "{line}\n{}", s.text);
    }
    assert_check_reports_exactly_the_fixmes("square", &s, &path);

    // What a user writes into the marked lines.
    let money = "{ from: [amount_money.amount, amount_money.currency], via: crate::convert::money, required: true, reason: \"set on every Payment\" }";
    let amount_money = "amount_money.amount: req.amount.minor_units\n      amount_money.currency: { from: req.amount.currency, via: crate::convert::currency_upper }";
    let resolved = resolve(
        &s.text,
        &[
            ("amount_money: \"?\"", amount_money),
            ("source_id: \"?\"", "source_id: req.payment_method"),
            ("payment_id: \"?\"", "payment_id: id"),
            ("amount: \"?\"", &format!("amount: {money}")),
            ("order_id: \"?\"", "order_id: reference_id"),
            ("degraded: \"?\"", "degraded: { mark: true }"),
        ],
    );
    assert!(!resolved.contains("# FIXME"), "{resolved}");
    let result = check(&path, &resolved);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(result, Ok(()), "{}", numbered(&resolved));
}

#[test]
fn check_reports_mistakes_beside_the_gaps() {
    let dir = temp_dir("beside");
    let path = dir.join("square.yaml");
    let s = scaffold_square(&[
        "create_payment=CreatePayment",
        "GetPayment",
        "refund=RefundPayment",
    ]);
    // A mistake on a line without a FIXME is reported with the gaps, not hidden by them.
    let broken = s.text.replacen(
        "      payment_id: req.payment_id\n",
        "      payment_id: req.paymentid\n",
        1,
    );
    let line = broken
        .lines()
        .position(|l| l == "      payment_id: req.paymentid")
        .map(|i| i + 1)
        .expect("line");
    let found = check(&path, &broken).expect_err("refused");
    std::fs::remove_dir_all(&dir).ok();
    let extra: Vec<&Diagnostic> = found
        .iter()
        .filter(|d| !d.message.starts_with("an unresolved FIXME"))
        .collect();
    assert_eq!(extra.len(), 1, "{found:#?}");
    assert_eq!(extra[0].span.map(|s| s.line), Some(line), "{found:#?}");
    assert!(
        extra[0]
            .message
            .contains("unknown field 'paymentid' in NewRefund"),
        "{}",
        extra[0].message
    );
    assert_eq!(found.len(), s.fixmes.len() + 1);
}

#[test]
fn a_method_without_an_operation_gets_a_fixme_call() {
    let dir = temp_dir("missing");
    let s = scaffold_square(&["create_payment=CreatePayment"]);
    assert!(
        s.text.contains(
            "  refund:\n    call: \"?\"  # FIXME: no vendor operation was given for refund"
        ),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("missing", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// One vendor spec of the public corpus, a port for it (tests/fixtures/scaffold), and
/// what the scaffold must and must never say.
struct Case {
    spec: &'static str,
    port: &'static str,
    port_trait: &'static str,
    ops: &'static [&'static str],
    says: &'static [&'static str],
    never: &'static [&'static str],
}

const CASES: [Case; 12] = [
    Case {
        spec: "github.com/api.github.com.json",
        port: "issues.rs",
        port_trait: "IssueTracker",
        ops: &["get_issue=issues/get", "open_issue=issues/create"],
        says: &[
            "      owner: repo.owner\n",
            "      repo: \"?\"  # FIXME: the path parameter repo is a string, but the argument repo is RepoRef (a struct)",
            // A union of string and integer takes the String title as its string.
            "      title: req.title\n",
            "      labels: \"?\"  # FIXME: labels: the vendor sends an array of unions",
            "# FIXME: the spec declares no security scheme",
        ],
        never: &["      repo: repo\n"],
    },
    Case {
        spec: "twilio.com/api.json",
        port: "messages.rs",
        port_trait: "Messaging",
        ops: &["send_message=CreateMessage", "get_message=FetchMessage"],
        says: &[
            "password: { env: SCAFFOLDED_PASSWORD }",
            "          delivered: Delivered\n",
            "          # FIXME: no MessageStatus variant is named like sending, undelivered,",
            "          _: Unknown\n",
            "      AccountSid: \"?\"  # FIXME: the path parameter AccountSid is a string",
        ],
        never: &["undelivered: Delivered", "sending: Sent"],
    },
    Case {
        spec: "slack.com.json",
        port: "chat.rs",
        port_trait: "ChatPoster",
        ops: &["post=chat_postMessage"],
        says: &[
            "      channel: channel\n",
            "      text: text\n",
            "      token: \"?\"  # FIXME: the header parameter token is a string",
        ],
        never: &[],
    },
    Case {
        spec: "sendgrid.com.json",
        port: "mail.rs",
        port_trait: "Mailer",
        ops: &["send=POST_mail-send"],
        says: &[
            "base_url: http://api.sendgrid.com/v3  # FIXME: the spec's server is plain http://",
            "      personalizations: \"?\"  # FIXME: the body field personalizations is an array of objects",
            "      from: \"?\"  # FIXME: the body field from is an object with fields email, name, but the argument mail.from is String",
            "      subject: mail.subject\n",
        ],
        never: &[],
    },
    Case {
        spec: "stripe.com.json",
        port: "customers.rs",
        port_trait: "CustomerDirectory",
        ops: &[
            "create_customer=PostCustomers",
            "get_customer=GetCustomersCustomer",
        ],
        says: &[
            "  # FIXME: the spec offers basicAuth, bearerAuth",
            "      email: req.email\n",
            "    call: \"?\"  # FIXME: GetCustomersCustomer answers a union (oneOf/anyOf) of customer, deleted_customer",
        ],
        never: &[],
    },
    Case {
        spec: "squareup.com.json",
        port: "contacts.rs",
        port_trait: "ContactBook",
        ops: &[
            "add_contact=CreateCustomer",
            "find_contact=RetrieveCustomer",
        ],
        says: &[
            "    idempotency: { body: idempotency_key }\n",
            "      customer_id: customer_id\n",
            "add `unwrap: customer` to the operation",
        ],
        never: &["    unwrap: "],
    },
    Case {
        spec: "adyen.com/CheckoutService-v71.json",
        port: "links.rs",
        port_trait: "PaymentLinks",
        ops: &[
            "create_link=post-paymentLinks",
            "get_link=get-paymentLinks-linkId",
        ],
        says: &[
            "    idempotency: { header: Idempotency-Key }\n",
            "      amount.currency: req.amount.currency\n      amount.value: req.amount.value\n",
            "      expires_at: expiresAt\n",
            "          # FIXME: no LinkStatus variant is named like paid, paymentPending",
            "  # FIXME: the spec offers ApiKeyAuth, BasicAuth",
        ],
        never: &["paid: Active"],
    },
    Case {
        spec: "klarna.com.json",
        port: "credit.rs",
        port_trait: "PayLater",
        ops: &[
            "open_session=createCreditSession",
            "read_session=readCreditSession",
        ],
        says: &[
            "      order_amount: req.order_amount\n",
            "      order_lines: \"?\"  # FIXME: the body field order_lines is an array of objects",
            "          complete: Complete\n          incomplete: Incomplete\n          _: Unknown\n",
        ],
        never: &[],
    },
    Case {
        spec: "shipengine.com.json",
        port: "shipping.rs",
        port_trait: "Shipping",
        ops: &["get_label=get_label_by_id", "void_label=void_label"],
        says: &[
            "auth: { scheme: api_key, secret: { env: SCAFFOLDED_API_KEY } }\n",
            "      label_id: label_id\n",
            "      approved: approved\n",
        ],
        never: &[],
    },
    Case {
        spec: "postmarkapp.com/server.json",
        port: "email.rs",
        port_trait: "Receipts",
        ops: &["send_email=sendEmail"],
        says: &[
            "base_url: \"?\"  # FIXME: the spec's server '//api.postmarkapp.com' is not an absolute URL",
            "      X-Postmark-Server-Token: \"?\"  # FIXME: the header parameter X-Postmark-Server-Token is a string",
            "      TextBody: req.text_body\n",
            "      message_id: { from: MessageID, required: true, reason: \"unverified: the spec says it may be absent\" }  # FIXME: MessageID may be absent or null",
        ],
        never: &[],
    },
    Case {
        // Lists: the array in the envelope is found, its items build the struct, and a
        // paged operation is marked for `paginate:` (a stream always is).
        spec: "digitalocean.com.json",
        port: "servers.rs",
        port_trait: "Servers",
        ops: &[
            "list_all=droplets_list",
            "list_tagged=droplets_list",
            "list_sizes=sizes_list",
        ],
        says: &[
            "    unwrap: droplets\n",
            "    call: droplets_list  # FIXME: droplets_list may answer page by page (it has query `per_page`, query `page`, body `links`, body `meta.total`): add `paginate:`",
            "    call: droplets_list  # FIXME: list_tagged is a stream, read page by page: add `paginate:`",
            "      tag_name: tag_name\n",
            "  list_sizes:  # FIXME: list_sizes returns Vec<u32>; a list is built of a domain struct",
            "    _: FleetError::Failed\n",
            "      id: id\n",
            "      locked: locked\n",
            "read it as `price_monthly: size.price_monthly`",
        ],
        never: &[
            "only a domain struct (or ())",
            "add `unwrap: size` to the operation and read",
        ],
    },
    Case {
        // No operationIds (called by method and path), and the paging is one level down
        // in the answer (`meta.pagination`): scaffold still says the list comes in pages.
        spec: "hetzner.cloud.json",
        port: "cloud.rs",
        port_trait: "Cloud",
        ops: &["servers=GET /servers"],
        says: &[
            "    call: \"GET /servers\"  # FIXME: GET /servers may answer page by page (it has body `meta.pagination`)",
            "    unwrap: servers\n",
            "      name: name\n",
        ],
        never: &[],
    },
];

#[test]
fn vendor_specs_scaffold_to_exactly_their_fixme_lines() {
    let corpus = crate::corpus("api/twilio.com/api.json").join("api");
    let dir = temp_dir("corpus");
    for case in &CASES {
        let s = scaffold_of(
            &corpus.join(case.spec),
            &root().join("tests/fixtures/scaffold").join(case.port),
            case.port_trait,
            case.ops,
        );
        for said in case.says {
            assert!(
                s.text.contains(said),
                "{}: missing {said:?}\n{}",
                case.spec,
                numbered(&s.text)
            );
        }
        for guess in case.never {
            assert!(!s.text.contains(guess), "{}: wrote {guess:?}", case.spec);
        }
        assert!(!s.fixmes.is_empty(), "{}", case.spec);
        let path = dir.join(case.port.replace(".rs", ".yaml"));
        assert_check_reports_exactly_the_fixmes(case.spec, &s, &path);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A field the vendor sends as integer codes into a domain enum: the scaffold writes
/// `values:` with the catch-all and one FIXME naming the codes to map; once they are
/// written as numbers, `check` accepts the mapping.
#[test]
fn integer_codes_into_an_enum_get_values_and_a_fixme_naming_the_codes() {
    let (dir, s) = scaffold_inline(
        "codes",
        r##"openapi: 3.0.3
info: { title: Chat, version: "1" }
servers: [{ url: "https://chat.example.com" }]
security: []
paths:
  /channels/{id}:
    get:
      operationId: getChannel
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, kind]
                properties:
                  id: { type: string }
                  kind: { type: integer, enum: [0, 2, 4] }
"##,
        r#"
pub enum Kind { Text, Voice, Category, Other(String) }
pub struct Channel { pub id: String, pub kind: Kind }
pub enum ChatError { Failed(String) }
pub trait Chat {
    async fn channel(&self, id: &str) -> Result<Channel, ChatError>;
}
"#,
        "Chat",
        &["channel=getChannel"],
    );
    assert!(
        s.text.contains(
            "      kind:\n        from: kind\n        values:\n          # FIXME: the vendor sends integer codes 0, 2, 4: write `0: <Kind variant>` for each the domain tells apart; the rest reach Other\n          _: Other\n"
        ),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("codes", &s, &dir.join("m.yaml"));
    let done = s.text.replace(
        "          _: Other\n",
        "          0: Text\n          2: Voice\n          4: Category\n          _: Other\n",
    );
    let done = resolve(&done, &[]);
    assert_eq!(check(&dir.join("done.yaml"), &done), Ok(()), "{done}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A spec that lists the API key as a parameter of every operation, where its security
/// scheme puts the key too (Trello's `key`): `auth:` sends it, so the scaffold writes no
/// argument for it, and `check` finds nothing missing.
#[test]
fn a_parameter_where_the_chosen_scheme_puts_the_key_is_left_to_auth() {
    let (dir, s) = scaffold_inline(
        "keyparam",
        r##"openapi: 3.0.3
info: { title: Boards, version: "1" }
servers: [{ url: "https://boards.example.com/1" }]
components:
  securitySchemes:
    api_key: { type: apiKey, in: query, name: key }
security: [{ api_key: [] }]
paths:
  /boards/{id}:
    get:
      operationId: getBoard
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: key, in: query, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: { type: string }
                  name: { type: string }
"##,
        r#"
pub struct Board { pub id: String, pub name: String }
pub enum BoardError { Failed(String) }
pub trait Boards {
    async fn board(&self, id: &str) -> Result<Board, BoardError>;
}
"#,
        "Boards",
        &["board=getBoard"],
    );
    assert!(
        s.text
            .contains("auth: { scheme: api_key, secret: { env: SCAFFOLDED_API_KEY } }\n"),
        "{}",
        s.text
    );
    assert!(
        s.text
            .contains("    params:\n      id: id\n    response: Board\n")
            && !s.text.contains("      key:"),
        "{}",
        s.text
    );
    assert!(s.fixmes.is_empty(), "{}", s.text);
    assert_check_reports_exactly_the_fixmes("keyparam", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Jira's shapes: a get returning `Option<Ticket>` (a 404 is `None`) is scaffolded like
/// one returning `Ticket`; a search answering its issues beside a list of strings
/// (`warningMessages`) unwraps the list of objects, and its `startAt`/`maxResults`
/// say it may come in pages.
#[test]
fn an_option_return_and_a_list_beside_a_list_of_strings_are_scaffolded() {
    let (dir, s) = scaffold_inline(
        "jira",
        r##"openapi: 3.0.3
info: { title: Desk, version: "1" }
servers: [{ url: "https://desk.example.com" }]
security: []
components:
  schemas:
    Ticket:
      type: object
      required: [id, key]
      properties:
        id: { type: string }
        key: { type: string }
paths:
  /tickets/{key}:
    get:
      operationId: getTicket
      parameters:
        - { name: key, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content: { application/json: { schema: { $ref: "#/components/schemas/Ticket" } } }
  /search:
    get:
      operationId: search
      parameters:
        - { name: jql, in: query, schema: { type: string } }
        - { name: startAt, in: query, schema: { type: integer } }
        - { name: maxResults, in: query, schema: { type: integer } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  startAt: { type: integer }
                  total: { type: integer }
                  warningMessages: { type: array, items: { type: string } }
                  issues: { type: array, items: { $ref: "#/components/schemas/Ticket" } }
"##,
        r#"
pub struct Ticket { pub id: String, pub key: String }
pub enum DeskError { Failed(String) }
pub trait Desk {
    async fn ticket(&self, key: &str) -> Result<Option<Ticket>, DeskError>;
    async fn search(&self, jql: &str) -> Result<Vec<Ticket>, DeskError>;
}
"#,
        "Desk",
        &["ticket=getTicket", "search=search"],
    );
    assert!(
        s.text.contains(
            "  ticket:\n    call: getTicket\n    params:\n      key: key\n    response: Ticket\n"
        ),
        "{}",
        s.text
    );
    assert!(
        s.text.contains("    unwrap: issues\n"),
        "the list of objects, not the list of strings: {}",
        s.text
    );
    assert!(
        s.text.contains("    call: search  # FIXME: search may answer page by page (it has query `startAt`, query `maxResults`"),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("jira", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Plaid's security requirement lists API keys together: `auth:` takes the secret-like
/// one and `also:` the others, each from its own variable, rather than offering a
/// choice between them; `check` accepts the result as it is.
#[test]
fn api_keys_wanted_together_all_go_in_auth_with_also() {
    let (dir, s) = scaffold_inline(
        "together",
        r##"openapi: 3.0.3
info: { title: Bank, version: "1" }
servers: [{ url: "https://bank.example.com" }]
components:
  securitySchemes:
    clientId: { type: apiKey, in: header, name: PLAID-CLIENT-ID }
    secret: { type: apiKey, in: header, name: PLAID-SECRET }
security: [{ clientId: [], secret: [] }]
paths:
  /accounts/get:
    post:
      operationId: accountsGet
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [id], properties: { id: { type: string } } }
"##,
        r#"
pub struct Account { pub id: String }
pub enum BankError { Failed(String) }
pub trait Bank {
    async fn accounts(&self) -> Result<Account, BankError>;
}
"#,
        "Bank",
        &["accounts=accountsGet"],
    );
    assert!(
        s.text.contains(
            "auth:\n  scheme: secret\n  secret: { env: SCAFFOLDED_SECRET }\n  also:                              # the spec wants these with secret on every call\n    - { scheme: clientId, secret: { env: SCAFFOLDED_CLIENT_ID } }\n"
        ),
        "{}",
        s.text
    );
    assert!(
        !s.text.contains("keep the one your account uses"),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("together", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Plaid's `/link/token/create` answers `{ link_token, expiration }`, the result itself:
/// the string field named like the result type `LinkToken` is no envelope around it.
#[test]
fn a_string_field_named_like_the_result_is_not_taken_for_an_envelope() {
    let (dir, s) = scaffold_inline(
        "link_token",
        r##"openapi: 3.0.3
info: { title: Bank, version: "1" }
servers: [{ url: "https://bank.example.com" }]
paths:
  /link/token/create:
    post:
      operationId: linkTokenCreate
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [link_token, expiration]
                properties: { link_token: { type: string }, expiration: { type: string } }
"##,
        r#"
pub struct LinkToken { pub link_token: String, pub expiration: String }
pub enum BankError { Failed(String) }
pub trait Bank {
    async fn link_token(&self) -> Result<LinkToken, BankError>;
}
"#,
        "Bank",
        &["link_token=linkTokenCreate"],
    );
    assert!(!s.text.contains("unwrap:"), "{}", s.text);
    assert!(s.text.contains("link_token: link_token"), "{}", s.text);
    assert_check_reports_exactly_the_fixmes("link_token", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Xero answers one invoice as `{ "Invoices": [{…}] }`: scaffold reads the result from
/// the list's first item (`unwrap: Invoices.0`), and the fields from the item's schema.
#[test]
fn a_result_in_a_list_of_one_is_its_first_item() {
    let (dir, s) = scaffold_inline(
        "list_of_one",
        r##"openapi: 3.0.3
info: { title: Books, version: "1" }
servers: [{ url: "https://books.example.com" }]
components:
  schemas:
    Invoice:
      type: object
      required: [InvoiceID]
      properties: { InvoiceID: { type: string }, Total: { type: number } }
    Invoices:
      type: object
      properties: { Invoices: { type: array, items: { $ref: "#/components/schemas/Invoice" } } }
paths:
  /Invoices/{id}:
    get:
      operationId: getInvoice
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Invoices" }
"##,
        r#"
pub struct Invoice { pub invoice_id: String, pub total: Option<f64> }
pub enum BooksError { Failed(String) }
pub trait Books {
    async fn get_invoice(&self, id: &str) -> Result<Invoice, BooksError>;
}
"#,
        "Books",
        &["get_invoice=getInvoice"],
    );
    assert!(s.text.contains("unwrap: Invoices.0"), "{}", s.text);
    assert!(s.text.contains("invoice_id: InvoiceID"), "{}", s.text);
    assert_check_reports_exactly_the_fixmes("list_of_one", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Box lists a folder's `entries` (each a file, a folder or a link: a oneOf) beside
/// `order`, a list of plain objects. Scaffold once took `order` as the list, silently;
/// it reads `entries`, whose items have the fields of every variant.
#[test]
fn a_list_of_unions_is_not_passed_over_for_another_list() {
    let (dir, s) = scaffold_inline(
        "union_items",
        r##"openapi: 3.0.3
info: { title: Files, version: "1" }
servers: [{ url: "https://files.example.com" }]
components:
  schemas:
    File: { type: object, properties: { id: { type: string }, type: { type: string, enum: [file] } } }
    Folder: { type: object, properties: { id: { type: string }, type: { type: string, enum: [folder] } } }
paths:
  /folders/{id}/items:
    get:
      operationId: listItems
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  entries: { type: array, items: { oneOf: [{ $ref: "#/components/schemas/File" }, { $ref: "#/components/schemas/Folder" }] } }
                  order: { type: array, items: { type: object, properties: { by: { type: string } } } }
"##,
        r#"
pub struct Item { pub id: String }
pub enum FilesError { Failed(String) }
pub trait Files {
    async fn list(&self, id: &str) -> Result<Vec<Item>, FilesError>;
}
"#,
        "Files",
        &["list=listItems"],
    );
    assert!(s.text.contains("unwrap: entries"), "{}", s.text);
    assert!(s.text.contains("id: id"), "{}", s.text);
    assert_check_reports_exactly_the_fixmes("union_items", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Spotify's playlist has `tracks: { href, total }`; a domain count reads `tracks.total`.
/// Scaffold cannot be sure, so the line stays a FIXME, but it names the one field that fits.
#[test]
fn an_object_with_one_fitting_field_names_it() {
    let (dir, s) = scaffold_inline(
        "one_inside",
        r##"openapi: 3.0.3
info: { title: Music, version: "1" }
servers: [{ url: "https://music.example.com" }]
paths:
  /playlists/{id}:
    get:
      operationId: getPlaylist
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: { type: string }
                  tracks: { type: object, properties: { href: { type: string }, total: { type: integer } } }
"##,
        r#"
pub struct Playlist { pub id: String, pub tracks: Option<u32> }
pub enum MusicError { Failed(String) }
pub trait Music {
    async fn get(&self, id: &str) -> Result<Playlist, MusicError>;
}
"#,
        "Music",
        &["get=getPlaylist"],
    );
    assert!(
        s.text.contains("read its field with `tracks.total`"),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("one_inside", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Vercel's `idOrName` path parameter is a string or a boolean: a `&str` argument fits
/// its string variant, as `check` agrees, so the scaffold maps it without a FIXME.
#[test]
fn a_union_parameter_takes_an_argument_that_fits_a_variant() {
    let (dir, s) = scaffold_inline(
        "union_param",
        r##"openapi: 3.0.3
info: { title: Hosting, version: "1" }
servers: [{ url: "https://hosting.example.com" }]
paths:
  /projects/{idOrName}:
    get:
      operationId: getProject
      parameters:
        - { name: idOrName, in: path, required: true, schema: { oneOf: [ { type: string }, { type: boolean } ] } }
        - { name: teamId, in: query, schema: {} }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [id], properties: { id: { type: string } } }
"##,
        r#"
pub struct Project { pub id: String }
pub enum HostingError { Failed(String) }
pub trait Hosting {
    async fn project(&self, id_or_name: &str, team_id: Option<u64>) -> Result<Project, HostingError>;
}
"#,
        "Hosting",
        &["project=getProject"],
    );
    assert!(s.text.contains("idOrName: id_or_name\n"), "{}", s.text);
    assert!(s.text.contains("teamId: team_id\n"), "{}", s.text);
    assert!(
        s.fixmes
            .iter()
            .all(|f| !f.reason.contains("idOrName") && !f.reason.contains("teamId")),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("union_param", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// CircleCI's `DELETE /project/{username}/{project}/envvar/{name}`: the argument
/// `name` is the variable's, so elimination must not send it as the `username` that
/// no argument is named like (it did, silently, and `check` then passed the mapping).
#[test]
fn an_argument_named_like_a_parameter_is_not_taken_for_another_by_elimination() {
    let (dir, s) = scaffold_inline(
        "elimination",
        r##"openapi: 3.0.3
info: { title: CI, version: "1" }
servers: [{ url: "https://ci.example.com" }]
paths:
  /project/{username}/{project}/envvar/{name}:
    delete:
      operationId: deleteEnvVar
      parameters:
        - { name: username, in: path, required: true, schema: { type: string } }
        - { name: project, in: path, required: true, schema: { type: string } }
        - { name: name, in: path, required: true, schema: { type: string } }
      responses:
        "200": { description: deleted }
"##,
        r#"
pub struct Repo { pub slug: String }
pub enum CiError { Failed(String) }
pub trait Ci {
    async fn delete_env_var(&self, repo: &Repo, name: &str) -> Result<(), CiError>;
}
"#,
        "Ci",
        &["delete_env_var=deleteEnvVar"],
    );
    assert!(!s.text.contains("username: name"), "{}", s.text);
    assert!(s.text.contains("      name: name\n"), "{}", s.text);
    assert!(
        s.text.contains("      username: \"?\"  # FIXME"),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("elimination", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// CircleCI's `previous_successful_build: { build_num, status }` for a domain
/// `previous_success: Option<u64>`: the FIXME names the nested path that fits.
#[test]
fn a_field_inside_an_object_named_like_it_is_offered_as_a_path() {
    let (dir, s) = scaffold_inline(
        "nested_like",
        r##"openapi: 3.0.3
info: { title: CI, version: "1" }
servers: [{ url: "https://ci.example.com" }]
paths:
  /builds/{id}:
    get:
      operationId: getBuild
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [build_num], properties: { build_num: { type: integer }, previous_successful_build: { type: object, properties: { build_num: { type: integer }, status: { type: string } } } } }
"##,
        r#"
pub struct Build { pub build_num: u64, pub previous_success: Option<u64> }
pub enum CiError { Failed(String) }
pub trait Ci {
    async fn build(&self, id: u64) -> Result<Build, CiError>;
}
"#,
        "Ci",
        &["build=getBuild"],
    );
    assert!(
        s.text.contains(
            "inside the object named like it, fields that fit: previous_successful_build.build_num"
        ),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("nested_like", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Bitbucket's new comment: the path's `{pull_request_id}` and a body field `id` (the
/// comment's own). The one loose argument `id` names the pull request (elimination, as
/// for Linode's `domainId`), and is not also written into the body's `id` as certain.
#[test]
fn an_argument_that_names_the_path_by_elimination_is_not_also_a_body_field() {
    let (dir, s) = scaffold_inline(
        "comment_id",
        r##"openapi: 3.0.3
info: { title: Code, version: "1" }
servers: [{ url: "https://code.example.com" }]
paths:
  /pullrequests/{pull_request_id}/comments:
    post:
      operationId: createComment
      parameters:
        - { name: pull_request_id, in: path, required: true, schema: { type: integer } }
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, properties: { id: { type: integer }, text: { type: string } } }
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [id], properties: { id: { type: integer } } }
"##,
        r#"
pub struct Comment { pub id: u64 }
pub enum CodeError { Failed(String) }
pub trait Code {
    async fn comment(&self, id: u64, text: &str) -> Result<Comment, CodeError>;
}
"#,
        "Code",
        &["comment=createComment"],
    );
    assert!(s.text.contains("pull_request_id: id"), "{}", s.text);
    let request = s.text.split("    request:\n").nth(1).unwrap_or_default();
    let request: Vec<&str> = request
        .lines()
        .take_while(|l| l.starts_with("      "))
        .collect();
    assert_eq!(
        request,
        ["      text: text"],
        "the body's id is not the path's too"
    );
    assert_check_reports_exactly_the_fixmes("comment_id", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Gitea's issue names its author `user: { login, full_name }`: for a domain `author`,
/// the FIXME offers the fields inside the object that says who made it.
#[test]
fn the_author_is_offered_inside_the_vendors_user() {
    let (dir, s) = scaffold_inline(
        "author_user",
        r##"openapi: 3.0.3
info: { title: Issues, version: "1" }
servers: [{ url: "https://git.example.com" }]
paths:
  /issues/{index}:
    get:
      operationId: issueGetIssue
      parameters:
        - { name: index, in: path, required: true, schema: { type: integer } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [number], properties: { number: { type: integer }, title: { type: string }, user: { type: object, properties: { id: { type: integer }, login: { type: string }, full_name: { type: string } } } } }
"##,
        r#"
pub struct Issue { pub number: u64, pub author: String }
pub enum IssueError { Failed(String) }
pub trait Issues {
    async fn issue(&self, index: u64) -> Result<Issue, IssueError>;
}
"#,
        "Issues",
        &["issue=issueGetIssue"],
    );
    assert!(
        s.text.contains(
            "inside the object named like it, fields that fit: user.login, user.full_name"
        ),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("author_user", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Gitea's `labels: [integer]` from a `Vec<LabelId>` (a newtype of i64): the planner
/// reads a newtype through only as a value of its own, so the scaffold marks the line
/// (it wrote it as certain, and check then refused it), and the help lends a slice.
#[test]
fn a_vec_of_newtypes_into_an_array_of_integers_needs_via() {
    let (dir, s) = scaffold_inline(
        "vec_newtype",
        r##"openapi: 3.0.3
info: { title: Git, version: "1" }
servers: [{ url: "https://git.example.com" }]
paths:
  /issues:
    post:
      operationId: createIssue
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [title], properties: { title: { type: string }, labels: { type: array, items: { type: integer, format: int64 } } } }
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: { type: object, required: [number], properties: { number: { type: integer } } }
"##,
        r#"
pub struct LabelId(pub i64);
pub struct NewIssue { pub title: String, pub labels: Vec<LabelId> }
pub struct Issue { pub number: u64 }
pub enum GitError { Failed(String) }
pub trait Git {
    async fn open(&self, issue: NewIssue) -> Result<Issue, GitError>;
}
"#,
        "Git",
        &["open=createIssue"],
    );
    assert!(
        !s.text.contains("      labels: issue.labels\n"),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("vec_newtype", &s, &dir.join("m.yaml"));
    let path = dir.join("m.yaml");
    let fixed = s.text.replace(
        "      title: issue.title\n",
        "      title: issue.title\n      labels: issue.labels\n",
    );
    assert_ne!(fixed, s.text, "{}", s.text);
    let diagnostics = check(&path, &fixed).expect_err("a Vec<LabelId> is not sent as it is");
    assert!(
        diagnostics.iter().any(|d| d
            .help
            .as_deref()
            .is_some_and(|h| h.contains("fn(&[LabelId]) -> Vec<i64>"))),
        "{diagnostics:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Gitea's labels list no required field: the FIXME suggests each item's `name`, not
/// the first field that fits (`color`).
#[test]
fn each_is_suggested_with_the_items_name_when_every_field_may_be_absent() {
    let (dir, s) = scaffold_inline(
        "each_name",
        r##"openapi: 3.0.3
info: { title: Git, version: "1" }
servers: [{ url: "https://git.example.com" }]
paths:
  /issues/{id}:
    get:
      operationId: getIssue
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [number, labels], properties: { number: { type: integer }, labels: { type: array, items: { type: object, properties: { color: { type: string }, description: { type: string }, name: { type: string } } } } } }
"##,
        r#"
pub struct Issue { pub number: u64, pub labels: Vec<String> }
pub enum GitError { Failed(String) }
pub trait Git {
    async fn issue(&self, id: u64) -> Result<Issue, GitError>;
}
"#,
        "Git",
        &["issue=getIssue"],
    );
    assert!(s.text.contains("each: name }"), "{}", s.text);
    assert_check_reports_exactly_the_fixmes("each_name", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Bitbucket's reviewers: every user has `type: "user"` (required) and optional
/// `display_name`, `uuid`. The sort of every item is never the value kept of each: the
/// line is a decision, and it suggests `display_name`.
#[test]
fn each_never_takes_the_items_sort_as_certain() {
    let (dir, s) = scaffold_inline(
        "each_sort",
        r##"openapi: 3.0.3
info: { title: Code, version: "1" }
servers: [{ url: "https://code.example.com" }]
paths:
  /pullrequests/{id}:
    get:
      operationId: getPullRequest
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [id, reviewers], properties: { id: { type: integer }, reviewers: { type: array, items: { type: object, required: [type], properties: { type: { type: string }, uuid: { type: string }, display_name: { type: string } } } } } }
"##,
        r#"
pub struct PullRequest { pub id: u64, pub reviewers: Vec<String> }
pub enum CodeError { Failed(String) }
pub trait Code {
    async fn pull_request(&self, id: u64) -> Result<PullRequest, CodeError>;
}
"#,
        "Code",
        &["pull_request=getPullRequest"],
    );
    assert!(!s.text.contains("each: type"), "{}", s.text);
    assert!(s.text.contains("each: display_name }"), "{}", s.text);
    assert_check_reports_exactly_the_fixmes("each_sort", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// DigitalOcean's create answers one droplet or several: `{ droplet }` or
/// `{ droplets: [...] }`. Scaffold points at `unwrap: droplet` instead of telling the
/// user to map another operation.
#[test]
fn a_union_of_wrapped_forms_suggests_unwrap() {
    let (dir, s) = scaffold_inline(
        "union_unwrap",
        r##"openapi: 3.0.3
info: { title: Cloud, version: "1" }
servers: [{ url: "https://cloud.example.com" }]
paths:
  /droplets:
    post:
      operationId: droplets_create
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [name], properties: { name: { type: string } } }
      responses:
        "202":
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                  - { type: object, properties: { droplet: { type: object, required: [id], properties: { id: { type: integer } } } } }
                  - { type: object, properties: { droplets: { type: array, items: { type: object, properties: { id: { type: integer } } } } } }
"##,
        r#"
pub struct Server { pub id: u64 }
pub enum CloudError { Failed(String) }
pub trait Cloud {
    async fn create(&self, name: &str) -> Result<Server, CloudError>;
}
"#,
        "Cloud",
        &["create=droplets_create"],
    );
    assert!(
        s.text
            .contains("read that one with `unwrap: droplet` beside call:"),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("union_unwrap", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A field the vendor names otherwise (Vercel's deployment `uid`): the fields that
/// fit are listed closest first, so the likely one is not cut off the list.
#[test]
fn fields_that_fit_are_listed_closest_first() {
    let (dir, s) = scaffold_inline(
        "closest",
        r##"openapi: 3.0.3
info: { title: Hosting, version: "1" }
servers: [{ url: "https://hosting.example.com" }]
paths:
  /deployments/{id}:
    get:
      operationId: getDeployment
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [uid, name, aliasId, connectConfigurationId], properties: { aliasId: { type: string }, connectConfigurationId: { type: string }, name: { type: string }, uid: { type: string } } }
"##,
        r#"
pub struct Deployment { pub id: String }
pub enum HostingError { Failed(String) }
pub trait Hosting {
    async fn deployment(&self, id: &str) -> Result<Deployment, HostingError>;
}
"#,
        "Hosting",
        &["deployment=getDeployment"],
    );
    assert!(
        s.text
            .contains("fields that fit: uid, aliasId, connectConfigurationId, name"),
        "{}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("closest", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Linode's shapes: a create body that is `allOf` of the object plus the fields it
/// requires, a page envelope whose fields `$ref` into another schema's properties, a
/// vendor `type` the port calls `kind`, and path parameters named for the vendor's
/// resource (`domainId`) beside the method's lone `id`.
#[test]
fn linode_shaped_bodies_enums_and_path_ids_are_scaffolded() {
    let (dir, s) = scaffold_inline(
        "linode",
        r##"openapi: 3.0.1
info: { title: Zones, version: "4" }
servers: [{ url: "https://api.example.com/v4" }]
components:
  schemas:
    Envelope:
      type: object
      properties:
        page: { type: integer }
        pages: { type: integer }
        results: { type: integer }
    Domain:
      type: object
      properties:
        id: { type: integer, readOnly: true }
        domain: { type: string, pattern: "\\A[a-z.]+\\Z" }
        type: { type: string, enum: [master, slave] }
        status: { type: string, enum: [disabled, active], default: active }
        ttl_sec: { type: integer, default: 0 }
    Record:
      type: object
      properties:
        id: { type: integer }
        type: { type: string, enum: [A, AAAA, TXT] }
        target: { type: string }
paths:
  /domains:
    get:
      operationId: getDomains
      parameters:
        - { name: page, in: query, schema: { type: integer, minimum: 1 } }
        - { name: page_size, in: query, schema: { type: integer, minimum: 25, maximum: 500 } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: { type: array, items: { $ref: "#/components/schemas/Domain" } }
                  page: { $ref: "#/components/schemas/Envelope/properties/page" }
                  results: { $ref: "#/components/schemas/Envelope/properties/results" }
    post:
      operationId: createDomain
      requestBody:
        required: true
        content:
          application/json:
            schema:
              allOf: [{ $ref: "#/components/schemas/Domain" }]
              required: [domain, type]
      responses:
        "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Domain" } } } }
  /domains/{domainId}/records:
    post:
      operationId: createRecord
      parameters:
        - { name: domainId, in: path, required: true, schema: { type: integer } }
      requestBody:
        required: true
        content:
          application/json:
            schema:
              allOf: [{ $ref: "#/components/schemas/Record" }]
              required: [type, target]
      responses:
        "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Record" } } } }
"##,
        r#"
pub enum ZoneKind { Primary, Secondary }
pub enum RecordKind { A, Aaaa, Txt }
pub struct NewZone { pub domain: String, pub kind: ZoneKind }
pub enum ZoneStatus { Active, Disabled }
pub struct Zone { pub id: Option<i64>, pub domain: Option<String>, pub status: ZoneStatus, pub ttl_sec: i64 }
pub struct NewRecord { pub kind: RecordKind, pub target: String }
pub struct Record { pub id: Option<i64>, pub target: Option<String> }
pub enum DnsError { NotFound, RateLimited(String), Unavailable(String), Failed(String) }
pub trait Dns {
    async fn zones(&self) -> Result<Vec<Zone>, DnsError>;
    async fn create_zone(&self, zone: NewZone) -> Result<Zone, DnsError>;
    async fn add_record(&self, id: i64, record: NewRecord) -> Result<Record, DnsError>;
}
"#,
        "Dns",
        &[
            "zones=getDomains",
            "create_zone=createDomain",
            "add_record=createRecord",
        ],
    );
    let t = &s.text;
    // The composed body is an object: its fields are filled, not refused as untyped.
    assert!(t.contains("      domain: zone.domain\n"), "{t}");
    // Variants named like the spec's values go by name; others get `values:` to fill.
    assert!(t.contains("      type: record.kind\n"), "{t}");
    assert!(
        t.contains(r#"type: { from: zone.kind, values: { master: "?", slave: "?" } }  # FIXME: type is one of master, slave, and ZoneKind's variants (Primary, Secondary)"#),
        "{t}"
    );
    // Error variants named for a kind of failure get its rule, before the catch-all.
    assert!(
        t.contains("errors:\n  map:\n    \"404\": DnsError::NotFound\n    rate_limited: DnsError::RateLimited\n    \"5xx\": DnsError::Unavailable\n    unavailable: DnsError::Unavailable\n    timeout: DnsError::Unavailable\n    transport: DnsError::Unavailable\n    _: DnsError::Failed\n"),
        "{t}"
    );
    // A field the vendor may leave out, whose absence the spec says means a value.
    assert!(
        t.contains(
            "      status:\n        from: status\n        default: Active\n        values:\n"
        ),
        "{t}"
    );
    assert!(
        t.contains("      ttl_sec: { from: ttl_sec, default: 0 }\n"),
        "{t}"
    );
    // The lone `id` names the record's domain.
    assert!(t.contains("      domainId: id\n"), "{t}");
    // Paging by number: the likely line, with the total read through the envelope's $ref.
    assert!(
        t.contains("likely `paginate: { style: page, param: page, size: page_size, total: results }` with `params: { page_size: { const: 100 } }`"),
        "{t}"
    );
    let path = dir.join("m.yaml");
    assert_check_reports_exactly_the_fixmes("linode", &s, &path);
    let resolved = resolve(
        t,
        &[
            (
                "call: getDomains",
                "call: getDomains\n    params: { page_size: { const: 100 } }\n    paginate: { style: page, param: page, size: page_size, total: results }",
            ),
            (
                "type: { from: zone.kind",
                "type: { from: zone.kind, values: { master: Primary, slave: Secondary } }",
            ),
        ],
    );
    let found = check(&path, &resolved).err().unwrap_or_default();
    // The domain's `\A…\Z` pattern cannot be run: a warning, never an error.
    assert_eq!(found, Vec::new(), "{}", numbered(&resolved));
    std::fs::remove_dir_all(&dir).ok();
}

/// Mux answers one asset as `{ "data": {…} }`: the usual envelope name is unwrapped
/// although it is not named like the result; a `data` that is no object is not.
#[test]
fn a_data_envelope_is_unwrapped() {
    let (dir, s) = scaffold_inline(
        "data_envelope",
        r##"openapi: 3.0.1
info: { title: Videos, version: "1" }
servers: [{ url: "https://api.example.com" }]
components:
  schemas:
    Asset:
      type: object
      required: [id]
      properties: { id: { type: string }, duration: { type: number } }
paths:
  /assets/{ASSET_ID}:
    get:
      operationId: get-asset
      parameters:
        - { name: ASSET_ID, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: { $ref: "#/components/schemas/Asset" }
  /tokens:
    get:
      operationId: get-token
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties: { id: { type: string }, data: { type: string } }
"##,
        r#"
pub struct Video { pub id: String, pub duration: Option<f64> }
pub enum VideoError { Failed(String) }
pub trait Videos {
    async fn video(&self, id: &str) -> Result<Video, VideoError>;
    async fn token(&self) -> Result<Video, VideoError>;
}
"#,
        "Videos",
        &["video=get-asset", "token=get-token"],
    );
    let t = &s.text;
    assert!(
        t.contains("      ASSET_ID: id\n    unwrap: data\n    response: Video\n"),
        "{t}"
    );
    assert_eq!(t.matches("unwrap: data").count(), 1, "{t}");
    assert_check_reports_exactly_the_fixmes("data_envelope", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}

/// GitHub's labels and assignees: lists of objects into `Vec<String>` take one field of
/// every item with `each:` (the item's `name` among several strings, an assignee's
/// `login`); when every fitting field may be absent, the FIXME says so.
#[test]
fn a_list_of_objects_into_a_vec_of_strings_takes_one_field_of_each() {
    let (dir, s) = scaffold_inline(
        "each_field",
        r##"openapi: 3.0.3
info: { title: Issues, version: "1" }
servers: [{ url: "https://issues.example.com" }]
paths:
  /issues/{id}:
    get:
      operationId: getIssue
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, labels, assignees]
                properties:
                  id: { type: string }
                  labels:
                    type: array
                    items:
                      type: object
                      required: [id, name, color]
                      properties:
                        id: { type: integer }
                        name: { type: string }
                        color: { type: string }
                        description: { type: string, nullable: true }
                  assignees:
                    type: array
                    items:
                      type: object
                      required: [login]
                      properties: { login: { type: string }, id: { type: integer } }
                  reviewers:
                    type: array
                    items:
                      type: object
                      properties: { handle: { type: string } }
"##,
        r#"
pub struct Issue { pub id: String, pub labels: Vec<String>, pub assignees: Vec<String>, pub reviewers: Option<Vec<String>> }
pub enum IssueError { Failed(String) }
pub trait Issues {
    async fn get(&self, id: &str) -> Result<Issue, IssueError>;
}
"#,
        "Issues",
        &["get=getIssue"],
    );
    assert!(
        s.text.contains("labels: { from: labels, each: name }"),
        "{}",
        s.text
    );
    assert!(
        s.text
            .contains("assignees: { from: assignees, each: login }"),
        "{}",
        s.text
    );
    assert!(
        s.text
            .contains("its items' fields that fit (handle) may be absent"),
        "{}",
        s.text
    );
    assert_eq!(
        s.fixmes.len(),
        2,
        "reviewers, and the spec's missing security scheme: {}",
        s.text
    );
    assert_check_reports_exactly_the_fixmes("each_field", &s, &dir.join("m.yaml"));
    std::fs::remove_dir_all(&dir).ok();
}
