//! The patient's sending lease (`patient_lease` items, `SK = LEASE#<patient>`): taken in the
//! same transaction as a claim of the patient's due work.

use super::*;
use crate::domain::DueWork;
use crate::keys;
use crate::ports::PatientLease;

const HOLDER: &str = "holder";
const LEASE_UNTIL: &str = "lease_until";
/// A lease item lingers this long after it ends, then DynamoDB's TTL removes it.
const KEEP_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// The put that takes or renews the lease of `due`'s patient: free when absent, ended
/// before `lease.now`, or already the holder's.
pub(in crate::dynamo) fn lease_op(due: &DueWork, lease: &PatientLease) -> Result<Op> {
    let mut item: Attrs = HashMap::new();
    item.insert(keys::PK.into(), s(keys::practice_pk(&due.practice_id)));
    item.insert(keys::SK.into(), s(keys::patient_lease_sk(&due.patient_id)));
    item.insert(TYPE.into(), s(kind::PATIENT_LEASE));
    item.insert(HOLDER.into(), s(lease.holder.as_str()));
    item.insert(LEASE_UNTIL.into(), s(keys::sortable_time(lease.until)));
    item.insert(
        keys::TTL.into(),
        AttributeValue::N((lease.until + KEEP_AFTER).timestamp().to_string()),
    );
    Op::put(
        item,
        kind::PATIENT_LEASE,
        Some(Condition {
            expression:
                "attribute_not_exists(#pk) OR #lease_until < :lease_now OR #holder = :holder",
            names: vec![
                ("#pk", keys::PK),
                ("#lease_until", LEASE_UNTIL),
                ("#holder", HOLDER),
            ],
            values: vec![
                (":lease_now", s(keys::sortable_time(lease.now))),
                (":holder", s(lease.holder.as_str())),
            ],
        }),
    )
}

/// The delete that ends the lease of `patient` if `holder` still holds it (lenient: a
/// lease that is not, or no longer, the holder's is left alone).
pub(in crate::dynamo) fn release_op(
    practice: &crate::domain::PracticeId,
    patient: &crate::domain::PatientId,
    holder: &str,
) -> Op {
    let mut op = Op::delete(
        keys::practice_pk(practice),
        keys::patient_lease_sk(patient),
        kind::PATIENT_LEASE,
    );
    op.condition = Some(Condition {
        expression: "#holder = :holder",
        names: vec![("#holder", HOLDER)],
        values: vec![(":holder", s(holder))],
    });
    op.lenient = true;
    op
}
