//! `multipart/form-data` bodies on the wire: the exact bytes, a length rather than
//! chunks, and the same bytes again on a retry.

use portcullis_runtime as rt;
use rt::multipart::{Multipart, Part};
use rt::testing::{MockVendor, Reply};
use serde_json::json;

use super::pipeline_with;

#[tokio::test]
async fn the_exact_bytes_reach_the_vendor() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "POST",
        "/v1/files",
        vec![Reply::json(200, json!({"id": "file_1"}))],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let png: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let form = Multipart::new()
        .with_boundary("portcullis-test")
        .text("purpose", "identity_document")
        .part(
            Part::bytes("file", rt::bytes::Bytes::from(png.clone()))
                .file_name("passport.png")
                .content_type("image/png"),
        );
    let req = rt::Request::new("upload_file", rt::Method::POST, "/v1/files")
        .multipart(form)
        .expect("valid");
    assert_eq!(p.send(req).await.expect("sent").status(), 200);

    let got = &vendor.received()[0];
    let mut want = b"--portcullis-test\r\n\
        Content-Disposition: form-data; name=\"purpose\"\r\n\r\n\
        identity_document\r\n\
        --portcullis-test\r\n\
        Content-Disposition: form-data; name=\"file\"; filename=\"passport.png\"\r\n\
        Content-Type: image/png\r\n\r\n"
        .to_vec();
    want.extend_from_slice(&png);
    want.extend_from_slice(b"\r\n--portcullis-test--\r\n");
    assert_eq!(got.body, want);
    assert_eq!(
        got.header("content-type"),
        Some("multipart/form-data; boundary=portcullis-test")
    );
    assert_eq!(
        got.header("content-length"),
        Some(want.len().to_string().as_str()),
        "a length, not chunked encoding"
    );
    assert_eq!(got.header("transfer-encoding"), None);
}

#[tokio::test]
async fn a_retry_resends_the_same_bytes() {
    let vendor = MockVendor::start().await;
    vendor.route(
        "PUT",
        "/v1/avatars/{user}",
        vec![
            Reply::json(503, json!({})),
            Reply::reset(),
            Reply::json(200, json!({"ok": true})),
        ],
    );
    let p = pipeline_with(&vendor.url(), rt::Policy::default());
    let image = vec![0u8; 64 * 1024];
    let form = Multipart::new()
        .text("alt", "me")
        .file("image", "me.jpg", "image/jpeg", image);
    let req = rt::Request::new("set_avatar", rt::Method::PUT, "/v1/avatars/{user}")
        .path_param("user", "u1")
        .multipart(form)
        .expect("valid");
    let resp = p.send(req).await.expect("third attempt");
    assert_eq!((resp.status(), resp.attempts()), (200, 3));
    let got = vendor.received();
    assert_eq!(got.len(), 3);
    assert!(got[0].body.len() > 64 * 1024);
    for r in &got[1..] {
        assert_eq!(r.body, got[0].body, "the same bytes, boundary included");
        assert_eq!(r.header("content-type"), got[0].header("content-type"));
    }
}
