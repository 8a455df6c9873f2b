//! STOP and START land in the consent history of every patient on the number, in the same
//! write as the patients, with the keyword as the source; a repeated STOP adds nothing.

use frontdesk::domain::{ConsentChangeSource, ConsentEvent, PatientId};
use frontdesk::ports::Store;

use super::*;

async fn history(app: &App, id: &str) -> Vec<ConsentEvent> {
    app.store
        .inner
        .consent_history(&app.practice_id, &PatientId::parse(id).unwrap(), None, 100)
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn stop_and_start_are_recorded_for_the_whole_family_with_their_keyword() {
    let app = App::new(office_hours()).await;
    app.add_patient("pat-1", PATIENT_PHONE, |_| {}).await;
    app.add_patient("pat-2", PATIENT_PHONE, |_| {}).await;
    app.text("STOP").await;
    app.at(office_hours() + hours(1)).text("STOP").await;
    app.at(office_hours() + hours(2)).text("START").await;
    for id in ["pat-1", "pat-2"] {
        let events = history(&app, id).await;
        let seen: Vec<_> = events
            .iter()
            .map(|e| (e.channel, e.kind, e.granted, e.source.clone()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    Channel::Sms,
                    None,
                    false,
                    ConsentChangeSource::keyword("STOP")
                ),
                (
                    Channel::Sms,
                    None,
                    true,
                    ConsentChangeSource::keyword("START")
                ),
            ],
            "{id}"
        );
        assert_eq!(events[0].at, office_hours());
        assert_eq!(events[1].at, office_hours() + hours(2));
    }
}
