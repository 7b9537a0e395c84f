//! Auth in the mapping: OAuth2 client credentials from the spec's flow (token URL and
//! scopes, overridable), a pre-issued token as bearer, per-operation `security: []`,
//! and the diagnostics for each mistake, pointing at the mapping.

use std::path::{Path, PathBuf};

use portcullis_codegen::plan::AuthPlan;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The ledger spec with an OAuth2 scheme (client credentials and authorization code),
/// `charges:read` required globally, `charges:write` on createCharge and `[]` on
/// getCharge.
fn spec() -> String {
    let original =
        std::fs::read_to_string(fixtures().join("ledger.openapi.yaml")).expect("ledger spec");
    let schemes = "  securitySchemes:\n    apiKey: { type: apiKey, in: header, name: X-Api-Key }\n";
    assert!(original.contains(schemes));
    original
        .replacen(
            schemes,
            &format!(
                "{schemes}    oauth:\n      type: oauth2\n      flows:\n        clientCredentials:\n          tokenUrl: https://auth.ledger.example.com/token\n          scopes: {{ \"charges:read\": read, \"charges:write\": write }}\n    userOAuth:\n      type: oauth2\n      flows:\n        authorizationCode:\n          authorizationUrl: https://auth.ledger.example.com/authorize\n          tokenUrl: https://auth.ledger.example.com/token\n          scopes: {{ \"charges:read\": read }}\n"
            ),
            1,
        )
        .replacen(
            "paths:\n",
            "security: [{ oauth: [\"charges:read\"] }]\npaths:\n",
            1,
        )
        .replacen(
            "      operationId: createCharge\n",
            "      operationId: createCharge\n      security: [{ oauth: [\"charges:write\"] }, { apiKey: [] }]\n",
            1,
        )
        .replacen(
            "      operationId: getCharge\n",
            "      operationId: getCharge\n      security: []\n",
            1,
        )
}

/// The ledger mapping with `auth:` replaced, written next to the edited spec.
fn mapping_with(auth: &str, name: &str) -> PathBuf {
    let original = std::fs::read_to_string(fixtures().join("ledger.yaml")).expect("mapping");
    let old = "auth: { scheme: apiKey, secret: { env: LEDGER_KEY } }";
    assert!(original.contains(old));
    let dir = std::env::temp_dir().join(format!("portcullis-auth-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::write(dir.join("ledger.openapi.yaml"), spec()).expect("spec");
    std::fs::copy(
        fixtures().join("ledger_domain.rs"),
        dir.join("ledger_domain.rs"),
    )
    .expect("domain");
    let path = dir.join("ledger.yaml");
    std::fs::write(&path, original.replacen(old, auth, 1)).expect("mapping");
    path
}

fn refused(auth: &str, name: &str) -> Vec<portcullis_codegen::Diagnostic> {
    let path = mapping_with(auth, name);
    let result = portcullis_codegen::check(&path);
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    match result {
        Ok(_) => panic!("{auth} should be refused"),
        Err(e) => e.diagnostics().to_vec(),
    }
}

/// The diagnostic with this message; asserts its help and that it points at the mapping.
fn find<'a>(
    diags: &'a [portcullis_codegen::Diagnostic],
    message: &str,
    help: &str,
) -> &'a portcullis_codegen::Diagnostic {
    let d = diags
        .iter()
        .find(|d| d.message == message)
        .unwrap_or_else(|| panic!("no diagnostic {message:?} in:\n{diags:#?}"));
    assert_eq!(d.help.as_deref(), Some(help), "help of {message:?}");
    assert!(d.file.ends_with("ledger.yaml"), "{}", d.file.display());
    assert!(d.span.is_some(), "a line and column");
    d
}

#[test]
fn client_credentials_from_the_spec_flow() {
    let path = mapping_with(
        "auth: { scheme: oauth, client_id: { env: LEDGER_CLIENT_ID }, client_secret: { file: /run/secrets/ledger } }",
        "cc",
    );
    let generated = portcullis_codegen::generate_one(&path).expect("generates");
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    match &generated.plan.auth {
        AuthPlan::OAuth2ClientCredentials {
            token_url, scopes, ..
        } => {
            assert_eq!(token_url, "https://auth.ledger.example.com/token");
            // What the mapped operations require of the scheme, sorted.
            assert_eq!(scopes, &["charges:read", "charges:write"]);
        }
        other => panic!("expected client credentials, got {other:?}"),
    }
    let anonymous: Vec<(&str, bool)> = generated
        .plan
        .operations
        .iter()
        .map(|o| (o.method.as_str(), o.anonymous))
        .collect();
    assert!(anonymous.contains(&("get", true)), "{anonymous:?}");
    assert!(anonymous.contains(&("charge", false)), "{anonymous:?}");
    let code = &generated.code;
    assert!(code.contains("OAuth2ClientCredentials::new"), "{code}");
    assert!(code.contains("\"LEDGER_CLIENT_ID\""), "{code}");
    assert_eq!(code.matches(".without_auth()").count(), 1, "{code}");
}

#[test]
fn scopes_and_token_url_can_be_overridden() {
    let path = mapping_with(
        "auth: { scheme: oauth, client_id: { env: ID }, client_secret: { env: SECRET }, scopes: [\"charges:read\"], token_url: https://sandbox.ledger.example.com/token }",
        "override",
    );
    let (plan, _) = portcullis_codegen::check(&path).expect("valid");
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    match plan.auth {
        AuthPlan::OAuth2ClientCredentials {
            token_url, scopes, ..
        } => {
            assert_eq!(token_url, "https://sandbox.ledger.example.com/token");
            assert_eq!(scopes, ["charges:read"]);
        }
        other => panic!("expected client credentials, got {other:?}"),
    }
}

#[test]
fn a_secret_keeps_the_pre_issued_token_as_bearer() {
    let path = mapping_with(
        "auth: { scheme: oauth, secret: { env: LEDGER_TOKEN } }",
        "bearer",
    );
    let (plan, _) = portcullis_codegen::check(&path).expect("valid");
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    assert!(matches!(plan.auth, AuthPlan::Bearer(_)), "{:?}", plan.auth);
}

#[test]
fn oauth2_mistakes_are_diagnosed() {
    let d = refused(
        "auth: { scheme: oauth, client_id: { env: ID } }",
        "no-secret",
    );
    find(
        &d,
        "OAuth2 client credentials need `client_id:` and `client_secret:`",
        "add `client_id: { env: VAR }` and `client_secret: { env: VAR }` (or `{ file: path }`), or `secret:` for a pre-issued access token",
    );

    let d = refused(
        "auth: { scheme: oauth, client_id: { env: ID }, client_secret: { env: S }, scopes: [\"charges:raed\"] }",
        "scope",
    );
    find(
        &d,
        "scope 'charges:raed' is not declared by the flow",
        "did you mean 'charges:read'?",
    );

    let d = refused(
        "auth: { scheme: userOAuth, client_id: { env: ID }, client_secret: { env: S } }",
        "no-flow",
    );
    find(
        &d,
        "security scheme 'userOAuth' has no clientCredentials flow",
        "give `secret:` with an access token issued out of band (sent as a bearer token)",
    );

    let d = refused(
        "auth: { scheme: apiKey, secret: { env: K }, client_id: { env: ID } }",
        "stray",
    );
    find(
        &d,
        "client_id, client_secret, scopes and token_url apply to an OAuth2 client-credentials scheme, not 'apiKey' with `secret:`",
        "remove them, or remove `secret:` to use the scheme's clientCredentials flow",
    );
}

#[test]
fn an_operation_that_does_not_accept_the_scheme_is_diagnosed() {
    // attach_receipt (putReceipt) inherits the global requirement: oauth only.
    let d = refused(
        "auth: { scheme: apiKey, secret: { env: LEDGER_KEY } }",
        "scheme",
    );
    let diag = find(
        &d,
        "operation 'putReceipt' accepts security scheme(s) oauth, not the mapping's 'apiKey'",
        "choose one of them in `auth.scheme`",
    );
    assert!(diag.span.is_some());
}
