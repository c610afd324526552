//! Money received against the payment schedule: payments naming a milestone go to it;
//! the others fill the earliest open milestones (by due date, then position).

use chrono::NaiveDate;

use super::model::{MilestoneRow, PaymentRow};

/// A milestone with what has been received against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneState {
    /// The milestone's id.
    pub id: String,
    /// Received and allocated to it.
    pub paid_fen: i64,
    /// Still to be paid.
    pub outstanding_fen: i64,
    /// Due before `today` and not fully paid.
    pub overdue: bool,
}

/// Allocates payments to milestones; the result is in the milestones' order.
pub fn allocate(
    milestones: &[MilestoneRow],
    payments: &[PaymentRow],
    today: NaiveDate,
) -> Vec<MilestoneState> {
    let mut paid: Vec<i64> = milestones
        .iter()
        .map(|m| {
            payments
                .iter()
                .filter(|p| p.milestone_id.as_deref() == Some(m.id.as_str()))
                .map(|p| p.amount_fen)
                .sum()
        })
        .collect();
    let mut pool: i64 = payments
        .iter()
        .filter(|p| {
            p.milestone_id.as_deref().is_none_or(|id| !milestones.iter().any(|m| m.id == id))
        })
        .map(|p| p.amount_fen)
        .sum();
    let mut order: Vec<usize> = (0..milestones.len()).collect();
    order.sort_by_key(|&i| (milestones[i].due_on, milestones[i].position));
    for i in order {
        if pool <= 0 {
            break;
        }
        let open = (milestones[i].amount_fen - paid[i]).max(0);
        let take = open.min(pool);
        paid[i] += take;
        pool -= take;
    }
    milestones
        .iter()
        .zip(paid)
        .map(|(m, paid_fen)| {
            let outstanding_fen = (m.amount_fen - paid_fen).max(0);
            MilestoneState {
                id: m.id.clone(),
                paid_fen,
                outstanding_fen,
                overdue: outstanding_fen > 0 && m.due_on < today,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn milestone(id: &str, position: i32, due: &str, amount: i64) -> MilestoneRow {
        MilestoneRow {
            id: id.into(),
            contract_id: "c".into(),
            position,
            due_on: due.parse().unwrap(),
            amount_fen: amount,
            description: "x".into(),
        }
    }

    fn payment(milestone: Option<&str>, amount: i64) -> PaymentRow {
        PaymentRow {
            id: "p".into(),
            contract_id: "c".into(),
            milestone_id: milestone.map(str::to_owned),
            paid_on: "2026-01-01".parse().unwrap(),
            amount_fen: amount,
            note: None,
            recorded_by: "u".into(),
            created_at: crate::db::now(),
        }
    }

    #[test]
    fn named_payments_stay_and_the_rest_fill_the_earliest_open_milestones() {
        let milestones = [
            milestone("a", 1, "2026-01-01", 100),
            milestone("b", 2, "2026-02-01", 100),
            milestone("c", 3, "2026-03-01", 100),
        ];
        let payments = [payment(Some("b"), 100), payment(None, 150)];
        let today = "2026-02-15".parse().unwrap();
        let states = allocate(&milestones, &payments, today);
        assert_eq!(states.iter().map(|s| s.paid_fen).collect::<Vec<_>>(), [100, 100, 50]);
        assert_eq!(states.iter().map(|s| s.overdue).collect::<Vec<_>>(), [false, false, false]);
        let late = allocate(&milestones, &[payment(None, 50)], today);
        assert_eq!(late.iter().map(|s| s.overdue).collect::<Vec<_>>(), [true, true, false]);
        assert_eq!(late[0].outstanding_fen, 50);
    }
}
