//! Configuration the adapter cannot start without fails when it is built, naming the
//! setting and where it is looked for, not at the first text.

use portcullis_runtime as rt;
use sms::texts::TwilioMessages;

const CHILD: &str = "SMS_CONFIG_TEST_CHILD";

#[test]
fn a_missing_account_fails_at_construction_naming_it() {
    // The account comes from TWILIO_ACCOUNT_SID: run the check in a copy of this test
    // whose environment surely lacks it (changing our own would race other threads).
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "a_missing_account_fails_at_construction_naming_it",
            ])
            .env(CHILD, "1")
            .env_remove("TWILIO_ACCOUNT_SID")
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let config = TwilioMessages::config().auth(rt::AuthConfig::Basic {
        username: rt::SecretSource::literal("AC0123456789abcdef0123456789abcdef"),
        password: Some(rt::SecretSource::literal("auth-token")),
    });
    let err = TwilioMessages::new(config).err().expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("account_sid") && text.contains("TWILIO_ACCOUNT_SID"),
        "{text}"
    );
}
