//! Notices due of urgent tasks (`notice`): in the practice's partition and on the
//! notices-due index (GSI1 `DUE#notices#<shard>`) until the answer sweep takes them.
//! See `docs/data-model.md`.

use super::{encode, kind, s, Condition, Op};
use crate::domain::UrgentNotice;
use crate::keys;
use crate::ports::Write;
use crate::Result;

fn notice_item(n: &UrgentNotice) -> Result<super::Attrs> {
    let sk = keys::notice_sk(n.at, &n.task_id);
    let mut item = encode(
        n,
        keys::practice_pk(&n.practice_id),
        sk.clone(),
        kind::NOTICE,
    )?;
    item.insert(
        keys::GSI1_PK.into(),
        s(keys::notices_due_pk(&n.practice_id)),
    );
    item.insert(
        keys::GSI1_SK.into(),
        s(keys::answers_due_sort(n.at, &n.practice_id, &sk)),
    );
    Ok(item)
}

pub(super) fn expand(write: Write, out: &mut Vec<Op>) -> Result<()> {
    match write {
        Write::Notice(n) => out.push(Op::put(notice_item(&n)?, kind::NOTICE, None)?),
        Write::RemoveNotice(n) => {
            let mut op = Op::delete(
                keys::practice_pk(&n.practice_id),
                keys::notice_sk(n.at, &n.task_id),
                kind::NOTICE,
            );
            op.condition = Some(Condition::exists());
            out.push(op);
        }
        _ => {}
    }
    Ok(())
}
