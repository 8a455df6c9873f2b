//! One run's world for the jobs' tests: the in-memory store, recording senders and sweep
//! dependencies with no send limit.

use std::sync::Arc;

use frontdesk::deliver::Senders;
use frontdesk::sweep::{Deps, Governor, SweepOptions};
use frontdesk::testing::{MemoryStore, RecordingEmail, RecordingSms};

pub(crate) struct World {
    pub store: Arc<MemoryStore>,
    pub sms: Arc<RecordingSms>,
    pub deps: Deps,
}

pub(crate) fn world() -> World {
    let store = Arc::new(MemoryStore::new());
    let sms = Arc::new(RecordingSms::default());
    let deps = Deps {
        store: store.clone(),
        senders: Senders {
            sms: sms.clone(),
            email: Arc::new(RecordingEmail::default()),
        },
        options: SweepOptions::default(),
        governor: Governor::unlimited(),
    };
    World { store, sms, deps }
}
