//! One transition mechanism for the market's state machines: a table per lifecycle lists
//! every move (its label, the states it may start from, the state it reaches), and the same
//! table answers an illegal move with a 409 naming the moves allowed from where the record
//! stands, and describes each move for the documentation.

use crate::error::{ApiError, ApiResult};

/// One move of a lifecycle.
#[derive(Debug, Clone, Copy)]
pub struct Move<S: 'static> {
    /// The name a 409 answer uses for the move (and lists among the allowed ones).
    pub label: &'static str,
    /// The states the move may start from.
    pub from: &'static [S],
    /// The state the move reaches.
    pub to: S,
}

/// An endpoint that makes moves of a lifecycle: its path in the API document and the labels
/// of the moves it makes.
#[derive(Debug, Clone, Copy)]
pub struct Action {
    /// The path as the API document writes it (`/api/v1/contracts/{id}/submit`).
    pub path: &'static str,
    /// The labels of the moves it makes.
    pub moves: &'static [&'static str],
}

/// A lifecycle: its moves, in the order the 409 answers list them.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle<S: 'static> {
    /// Every move.
    pub moves: &'static [Move<S>],
    /// The stored text of a state.
    pub name: fn(S) -> &'static str,
}

impl<S: Copy + PartialEq + 'static> Lifecycle<S> {
    /// The move labelled `label`; a label missing from the table is a programming error,
    /// answered as an internal error rather than a panic on the request path.
    fn get(&self, label: &str) -> ApiResult<&'static Move<S>> {
        self.moves
            .iter()
            .find(|m| m.label == label)
            .ok_or_else(|| ApiError::Internal(format!("no lifecycle move `{label}`")))
    }

    /// The labels of the moves allowed from `state`, in table order.
    pub fn allowed(&self, state: S) -> Vec<String> {
        self.moves.iter().filter(|m| m.from.contains(&state)).map(|m| m.label.to_string()).collect()
    }

    /// The move labelled `label` when it may start from `state`, else the 409 naming the
    /// allowed moves.
    pub fn check(&self, state: S, label: &str) -> ApiResult<&'static Move<S>> {
        let found = self.get(label)?;
        if found.from.contains(&state) { Ok(found) } else { Err(self.refuse(state, label)) }
    }

    /// The move reaching `to` from `state`, else the 409 naming the allowed moves.
    pub fn check_to(&self, state: S, to: S) -> ApiResult<&'static Move<S>> {
        self.moves
            .iter()
            .find(|m| m.to == to && m.from.contains(&state))
            .ok_or_else(|| self.refuse(state, (self.name)(to)))
    }

    /// The 409 for the move `label` from `state`, naming the allowed moves.
    pub fn refuse(&self, state: S, label: &str) -> ApiError {
        ApiError::illegal_transition((self.name)(state), label, self.allowed(state))
    }

    /// One sentence for the documentation of a move: `from`, … → `to`.
    pub fn describe(&self, label: &str) -> ApiResult<String> {
        let found = self.get(label)?;
        let from: Vec<String> =
            found.from.iter().map(|s| format!("`{}`", (self.name)(*s))).collect();
        let from = match from.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => "nowhere".into(),
        };
        Ok(format!("Moves the record from {from} to `{}`.", (self.name)(found.to)))
    }

    /// Writes the table into the API documentation: each action's operation (`POST` at its
    /// path) gets the sentence of each of its moves appended to its description, so what a
    /// client reads is what the 409 answers enforce. A path or label the document or table
    /// lacks is skipped (the tests of each table check that none is).
    pub fn document(&self, openapi: &mut utoipa::openapi::OpenApi, actions: &[Action]) {
        for action in actions {
            let sentences: Vec<String> =
                action.moves.iter().filter_map(|label| self.describe(label).ok()).collect();
            let path = openapi.paths.paths.get_mut(action.path);
            let Some(operation) = path.and_then(|item| item.post.as_mut()) else {
                continue;
            };
            if sentences.is_empty() {
                continue;
            }
            let moves = sentences.join(" ");
            operation.description = Some(match operation.description.take() {
                Some(text) if !text.is_empty() => format!("{text}\n\n{moves}"),
                _ => moves,
            });
        }
    }

    /// Whether every move of the table is documented by one of `actions`.
    pub fn documented_by(&self, actions: &[Action]) -> bool {
        self.moves.iter().all(|m| actions.iter().any(|a| a.moves.contains(&m.label)))
    }
}
