//! What a PMS syncs with, over the in-memory store: ETag / If-Match, the patient and
//! appointment lists, the day's schedule with its flags, and the bulk upserts, with the
//! round trips each costs.

use super::*;

impl App {
    /// Like `call`, with extra request headers; returns the whole response.
    pub(super) async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (ApiGatewayV2httpResponse, Value) {
        let text = body.map(|b| b.to_string());
        let mut ev = event(method, path, Some(token), text.as_deref());
        for (k, v) in headers {
            ev.headers.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let r = respond(&self.deps, ev).await;
        let b = body_json(&r);
        (r, b)
    }
}

fn etag(r: &ApiGatewayV2httpResponse) -> String {
    r.headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn ann() -> Value {
    json!({"first_name": "Ann", "last_name": "Lee", "phone": "(312) 555-0188",
           "preferred_channel": "sms", "consents": {"sms": {"care": true}}})
}

#[tokio::test]
async fn a_put_with_a_stale_if_match_is_412_and_changes_nothing() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    let (r, _) = app
        .call_with(
            "PUT",
            "/v1/patients/pt-1",
            &key,
            Some(ann()),
            &[("if-match", "\"v1\"")],
        )
        .await;
    assert_eq!(
        r.status_code, 412,
        "If-Match on a patient that does not exist yet"
    );
    let (r, _) = app
        .call_with("PUT", "/v1/patients/pt-1", &key, Some(ann()), &[])
        .await;
    assert_eq!(r.status_code, 201);
    let created = etag(&r);
    let (r, _) = app
        .call_with("GET", "/v1/patients/pt-1", &key, None, &[])
        .await;
    assert_eq!(etag(&r), created, "GET and the write agree on the tag");

    let mut renamed = ann();
    renamed["last_name"] = json!("Lee-Park");
    let (r, b) = app
        .call_with(
            "PUT",
            "/v1/patients/pt-1",
            &key,
            Some(renamed.clone()),
            &[("if-match", &created)],
        )
        .await;
    assert_eq!(r.status_code, 200, "{b}");
    let updated = etag(&r);
    assert_ne!(updated, created);
    let mut stale = ann();
    stale["last_name"] = json!("Stale");
    let (r, b) = app
        .call_with(
            "PUT",
            "/v1/patients/pt-1",
            &key,
            Some(stale),
            &[("if-match", &created)],
        )
        .await;
    assert_eq!(r.status_code, 412, "{b}");
    assert_eq!(b["error"]["code"], json!("precondition_failed"));
    let (_, b) = app
        .call_with("GET", "/v1/patients/pt-1", &key, None, &[])
        .await;
    assert_eq!(
        b["last_name"],
        json!("Lee-Park"),
        "the stale write changed nothing"
    );

    // The practice settings and appointments carry tags too.
    let (r, _) = app.call_with("GET", "/v1/practice", &key, None, &[]).await;
    let practice_tag = etag(&r);
    assert!(!practice_tag.is_empty());
    let (r, _) = app
        .call_with(
            "PATCH",
            "/v1/practice",
            &key,
            Some(json!({"name": "Smile Dental"})),
            &[("if-match", "\"t0\"")],
        )
        .await;
    assert_eq!(r.status_code, 412);
    let (r, _) = app
        .call_with(
            "PATCH",
            "/v1/practice",
            &key,
            Some(json!({"name": "Smile Dental"})),
            &[("if-match", &practice_tag)],
        )
        .await;
    assert_eq!(r.status_code, 200);
    let visit = appt_body("pt-1", "2026-03-10T09:00:00-05:00");
    let (r, _) = app
        .call_with(
            "PUT",
            "/v1/appointments/ap-1",
            &key,
            Some(visit.clone()),
            &[],
        )
        .await;
    assert_eq!(r.status_code, 201);
    let (r, _) = app
        .call_with(
            "PUT",
            "/v1/appointments/ap-1",
            &key,
            Some(visit),
            &[("if-match", "\"v9\"")],
        )
        .await;
    assert_eq!(r.status_code, 412);
}

#[tokio::test]
async fn patients_and_appointments_list_in_pages_and_the_day_has_its_flags() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    for id in ["pt-1", "pt-2", "pt-3"] {
        app.patient(&key, id).await;
    }
    let (s, b) = app
        .call("PUT", "/v1/patients/pt-4", Some(&key), Some(json!({
            "first_name": "Bo", "last_name": "Li", "preferred_channel": "voice", "phone": "+13125550177", "new_patient": true,
            "consents": {"voice": {"care": true}}
        })))
        .await;
    assert_eq!(s, 201, "{b}");
    app.store.reset_requests();
    let (s, first) = app
        .call("GET", "/v1/patients?limit=3", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(app.store.requests(), 2, "the key check and one Query");
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let (_, rest) = app
        .call(
            "GET",
            &format!("/v1/patients?limit=3&cursor={cursor}"),
            Some(&key),
            None,
        )
        .await;
    let ids: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|p| p["patient_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["pt-1", "pt-2", "pt-3", "pt-4"]);
    assert_eq!(rest["next_cursor"], Value::Null);
    let (s, changed) = app
        .call(
            "GET",
            "/v1/patients?updated_since=2026-03-01T14:00:00Z",
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["items"].as_array().unwrap().len(), 4, "{changed}");
    let (s, none) = app
        .call(
            "GET",
            "/v1/patients?updated_since=2026-03-01T15:00:01Z",
            Some(&key),
            None,
        )
        .await;
    assert_eq!(s, 422, "a time in the future: {none}");
    assert_eq!(none["error"]["field"], json!("updated_since"));

    // Chicago's 2026-03-10 (CDT since the 8th, UTC-5) runs from 05:00Z to 05:00Z the next day.
    for (id, patient, starts) in [
        ("ap-1", "pt-1", "2026-03-10T08:00:00-05:00"),
        ("ap-2", "pt-4", "2026-03-10T19:30:00-05:00"),
        ("ap-3", "pt-2", "2026-03-11T08:00:00-05:00"),
        ("ap-4", "pt-3", "2026-03-09T23:59:00-05:00"),
    ] {
        let (s, b) = app
            .call(
                "PUT",
                &format!("/v1/appointments/{id}"),
                Some(&key),
                Some(appt_body(patient, starts)),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }
    app.store.reset_requests();
    let (s, day) = app
        .call("GET", "/v1/appointments?date=2026-03-10", Some(&key), None)
        .await;
    assert_eq!(s, 200, "{day}");
    assert_eq!(
        app.store.requests(),
        4,
        "key check, two UTC days, one read of the patients"
    );
    let items = day["items"].as_array().unwrap();
    let ids: Vec<&str> = items
        .iter()
        .map(|a| a["appointment_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ap-1", "ap-2"], "{day}");
    assert_eq!(items[0]["confirmation_state"], json!("unconfirmed"));
    assert_eq!(items[0]["risk_flags"], json!(["unconfirmed"]));
    assert_eq!(
        items[1]["risk_flags"],
        json!(["unconfirmed", "calls_only", "new_patient"])
    );
    let (s, b) = app
        .call("GET", "/v1/appointments?date=2026-13-01", Some(&key), None)
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["error"]["field"], json!("date"));
    let (s, all) = app
        .call("GET", "/v1/appointments?limit=10", Some(&key), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn a_batch_writes_each_item_on_its_own_and_reports_each() {
    let app = app();
    let (_, key) = app.practice("Smile").await;
    let mut items: Vec<Value> = (0..5)
        .map(|i| {
            let mut p = ann();
            p["patient_id"] = json!(format!("pt-{i}"));
            p
        })
        .collect();
    items.push(json!({"patient_id": "pt-x", "first_name": "", "last_name": "Lee", "preferred_channel": "sms"}));
    items.push(json!({"patient_id": "pt-0", "first_name": "Dup", "last_name": "Lee", "preferred_channel": "sms"}));
    items.push(json!({"patient_id": "bad id!", "first_name": "A", "last_name": "B", "preferred_channel": "sms"}));
    items.push(json!({"patient_id": "pt-9", "first_name": "A", "last_name": "B", "preferred_channel": "sms", "favourite_colour": "blue"}));
    app.store.reset_requests();
    let (s, b) = app
        .call(
            "POST",
            "/v1/patients:batch",
            Some(&key),
            Some(json!({"items": items})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        app.store.requests(),
        1 + 1 + 5,
        "key check, one read of all, one write per good item"
    );
    assert_eq!(
        (b["succeeded"].clone(), b["failed"].clone()),
        (json!(5), json!(4))
    );
    let statuses: Vec<u64> = b["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 201, 201, 201, 201, 422, 422, 422, 422]);
    assert_eq!(b["results"][5]["error"]["field"], json!("first_name"));
    assert_eq!(
        b["results"][6]["error"]["field"],
        json!("items[6].patient_id")
    );
    let (s, again) = app.call("POST", "/v1/patients:batch", Some(&key), Some(json!({"items": [{"patient_id": "pt-0", "first_name": "Ann", "last_name": "Lee", "phone": "(312) 555-0188", "preferred_channel": "sms"}]}))).await;
    assert_eq!(s, 200);
    assert_eq!(
        again["results"][0]["status"],
        json!(200),
        "an existing patient is updated"
    );

    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"patient_id": format!("p{i}")}))
        .collect();
    let (s, b) = app
        .call(
            "POST",
            "/v1/patients:batch",
            Some(&key),
            Some(json!({"items": too_many})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["error"]["field"], json!("items"));

    let (s, b) = app
        .call("POST", "/v1/appointments:batch", Some(&key), Some(json!({"items": [
            {"appointment_id": "ap-1", "patient_id": "pt-1", "starts_at": "2026-03-10T09:00:00-05:00", "duration_minutes": 30},
            {"appointment_id": "ap-2", "patient_id": "pt-404", "starts_at": "2026-03-10T09:00:00-05:00", "duration_minutes": 30},
            {"appointment_id": "ap-3", "patient_id": "pt-2", "starts_at": "not a time", "duration_minutes": 30}
        ]})))
        .await;
    assert_eq!(s, 200, "{b}");
    let statuses: Vec<u64> = b["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 422, 422]);
    let (s, _) = app
        .call("GET", "/v1/appointments/ap-1", Some(&key), None)
        .await;
    assert_eq!(s, 200);
}
