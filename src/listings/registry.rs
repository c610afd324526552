//! The registry of record kinds: the one place that maps a [`Library`] to the type
//! implementing [`RecordLibrary`]. Reindexing, the change feed, deleting drafts and the CLI
//! import work through it, so a fifth kind of record is one module plus one line here.

use super::Library;
use super::record::RecordLibrary;
use crate::achievements::record::AchievementRecords;
use crate::demands::record::DemandRecords;
use crate::experts::record::ExpertRecords;
use crate::service_providers::record::ServiceProviderRecords;

/// Something to do with a kind of record, whichever it is.
pub trait ForKind {
    /// What the job gives back.
    type Output;
    /// Does the job for kind `L`.
    fn run<L: RecordLibrary + 'static>(self) -> Self::Output;
}

/// Runs `job` with the record kind of `library`.
pub fn with_kind<J: ForKind>(library: Library, job: J) -> J::Output {
    match library {
        Library::Achievements => job.run::<AchievementRecords>(),
        Library::Demands => job.run::<DemandRecords>(),
        Library::Experts => job.run::<ExpertRecords>(),
        Library::ServiceProviders => job.run::<ServiceProviderRecords>(),
    }
}
