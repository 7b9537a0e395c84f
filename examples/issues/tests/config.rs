//! Configuration the adapter cannot start without fails when it is built, naming the
//! setting and where it is looked for, not at the first call.

use issues::tracker::GitHubIssues;
use portcullis_runtime as rt;

const CHILD: &str = "ISSUES_CONFIG_TEST_CHILD";

#[test]
fn a_missing_repository_setting_fails_at_construction_naming_it() {
    // The repository comes from GITHUB_REPO: run the check in a copy of this test
    // whose environment surely lacks it (changing our own would race other threads).
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "a_missing_repository_setting_fails_at_construction_naming_it",
            ])
            .env(CHILD, "1")
            .env_remove("GITHUB_REPO")
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
    let config = GitHubIssues::config()
        .auth(rt::AuthConfig::Bearer {
            token: rt::SecretSource::literal("ghp_test"),
        })
        .setting_value("owner", "acme");
    let err = GitHubIssues::new(config).err().expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("repo") && text.contains("GITHUB_REPO"),
        "{text}"
    );
}
