//! Settings and static headers from the adapter's configuration, on the wire.

use portcullis_runtime as rt;
use rt::testing::{MockVendor, Reply};
use rt::{ConfigValue, SettingSource};
use serde_json::json;

use super::fast_policy;

fn config(url: &str) -> rt::AdapterConfig {
    rt::AdapterConfig::new("Messages", url)
        .allow_insecure_http(true)
        .defaults(fast_policy())
        .setting(
            "account_sid",
            SettingSource::env("PORTCULLIS_TEST_NEVER_SET_ACCOUNT_SID"),
        )
        .setting(
            "api_version",
            SettingSource::env("PORTCULLIS_TEST_NEVER_SET_API_VERSION")
                .or(SettingSource::literal("2022-11-28")),
        )
        .header("X-Api-Version", ConfigValue::setting("api_version"))
        .header("X-Client", "checkout")
}

#[tokio::test]
async fn settings_fill_paths_and_headers_of_every_request() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/2010-04-01/Accounts/{sid}/Messages.json",
        vec![Reply::json(201, json!({"sid": "SM1"}))],
    );
    let p = rt::Pipeline::new(config(&vendor.url()).setting_value("account_sid", "AC 1/2"))
        .expect("valid");
    let send = |client: Option<&str>| {
        let mut req = rt::Request::new(
            "send_message",
            rt::Method::POST,
            "/2010-04-01/Accounts/{AccountSid}/Messages.json",
        )
        .path_param("AccountSid", p.setting("account_sid").expect("declared"));
        if let Some(c) = client {
            req = req.header("X-Client", c);
        }
        p.send(req)
    };
    assert_eq!(send(None).await.expect("sent").status(), 201);
    assert_eq!(send(Some("batch")).await.expect("sent").status(), 201);
    let got = vendor.received();
    assert_eq!(got[0].path, "/2010-04-01/Accounts/AC%201%2F2/Messages.json");
    assert_eq!(got[0].header("x-api-version"), Some("2022-11-28"));
    assert_eq!(got[0].header("x-client"), Some("checkout"));
    assert_eq!(
        got[1].header("x-client"),
        Some("batch"),
        "the request's own header wins"
    );
    let err = p.setting("auth_token").expect_err("undeclared");
    assert_eq!(err.kind(), rt::ErrorKind::Config);
}

#[test]
fn a_missing_setting_fails_construction_naming_it() {
    let err = rt::Pipeline::new(config("http://127.0.0.1:9")).expect_err("unset");
    assert_eq!(err.kind(), rt::ErrorKind::Config);
    let text = err.to_string();
    assert!(
        text.contains(
            "setting account_sid is missing: environment variable PORTCULLIS_TEST_NEVER_SET_ACCOUNT_SID is not set"
        ),
        "{text}"
    );
}
