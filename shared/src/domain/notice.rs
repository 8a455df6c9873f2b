//! A notice due: an urgent task opened that the practice's on-call contact has not been
//! told about yet. The answer sweep collects them per practice per 5-minute bucket and
//! sends one message with counts by kind (`practice_api::notices`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{PracticeId, Priority, Task, TaskId, TaskKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgentNotice {
    pub practice_id: PracticeId,
    pub task_id: TaskId,
    pub kind: TaskKind,
    /// When the urgent task was opened.
    pub at: DateTime<Utc>,
}

impl UrgentNotice {
    /// The notice an opened task needs: urgent ones, except emergencies (those notify
    /// on-call at once).
    pub fn for_task(task: &Task) -> Option<Self> {
        (task.priority == Priority::Urgent && task.kind != TaskKind::Emergency).then(|| {
            UrgentNotice {
                practice_id: task.practice_id.clone(),
                task_id: task.task_id.clone(),
                kind: task.kind,
                at: task.created_at,
            }
        })
    }
}
