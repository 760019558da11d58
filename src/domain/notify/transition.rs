//! Which monitor transitions are events: going down is `incident.detected`
//! (reason `missed` for a heartbeat, else `failed`); coming back up from
//! down is `incident.resolved` of the incident going down opened, and so is
//! deleting a monitor while it is down. Anything else (pending → up, a
//! repeated down) tells nobody.

use super::{Event, EventKind, IncidentFacts, MonitorFacts, Reason};
use crate::domain::incident::MONITOR_DELETED;
use crate::domain::monitor::MonitorStatus;

/// A monitor's change of status, as its object recorded it.
#[derive(Debug, Clone)]
pub struct Transition<'a> {
    pub from: MonitorStatus,
    pub to: MonitorStatus,
    pub at_ms: i64,
    /// The incident a change to `down` opens.
    pub incident_id: &'a str,
    /// The timeline entry the change writes: unique per change, so the
    /// event's id (stable however often the event is handed over).
    pub update_id: &'a str,
    pub title: &'a str,
    /// Why it went down, or how long it was down for.
    pub message: &'a str,
    pub heartbeat: bool,
}

/// The event a transition is, if any. `open`: the incident the latest
/// change to `down` opened (a resolution resolves it).
pub fn transition_event(
    organization_id: &str,
    monitor: MonitorFacts,
    change: &Transition<'_>,
    open: Option<IncidentFacts>,
) -> Option<Event> {
    let (kind, reason, incident) = match (change.from, change.to) {
        (MonitorStatus::Down, MonitorStatus::Down) => return None,
        (_, MonitorStatus::Down) => {
            let reason = if change.heartbeat {
                Reason::Missed
            } else {
                Reason::Failed
            };
            let incident = IncidentFacts {
                id: change.incident_id.to_string(),
                title: change.title.to_string(),
                status: "investigating".into(),
                impact: "major".into(),
                cause: Some(change.message.to_string()),
                started_at_ms: change.at_ms,
                resolved_at_ms: None,
            };
            (EventKind::Detected, Some(reason), incident)
        }
        (MonitorStatus::Down, MonitorStatus::Up) => {
            let opened = open.unwrap_or_else(|| IncidentFacts {
                id: change.incident_id.to_string(),
                title: change.title.to_string(),
                status: String::new(),
                impact: "major".into(),
                cause: None,
                started_at_ms: change.at_ms,
                resolved_at_ms: None,
            });
            let incident = IncidentFacts {
                status: "resolved".into(),
                cause: Some(change.message.to_string()),
                resolved_at_ms: Some(change.at_ms),
                ..opened
            };
            (EventKind::Resolved, None, incident)
        }
        _ => return None,
    };
    Some(Event {
        id: format!("evt_{}", change.update_id.trim_start_matches("upd_")),
        kind,
        reason,
        timestamp_ms: change.at_ms,
        organization_id: organization_id.to_string(),
        monitor: Some(monitor),
        incident: Some(incident),
        link: None,
    })
}

/// Deleting a monitor that is down resolves the incident it opened (D1
/// resolves it in the same batch that deletes the row). The event's id is
/// the incident's, so telling the hub twice enqueues it once.
pub fn deletion_event(organization_id: &str, monitor: MonitorFacts, open: IncidentFacts, at_ms: i64) -> Event {
    let incident = IncidentFacts {
        status: "resolved".into(),
        cause: Some(MONITOR_DELETED.to_string()),
        resolved_at_ms: Some(at_ms),
        ..open
    };
    Event {
        id: format!("evt_deleted_{}", incident.id.trim_start_matches("inc_")),
        kind: EventKind::Resolved,
        reason: None,
        timestamp_ms: at_ms,
        organization_id: organization_id.to_string(),
        monitor: Some(monitor),
        incident: Some(incident),
        link: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitor() -> MonitorFacts {
        MonitorFacts {
            id: "mon_1".into(),
            name: "Shop".into(),
            kind: "http".into(),
            target: Some("https://shop.example.com/".into()),
        }
    }

    fn change(from: MonitorStatus, to: MonitorStatus, heartbeat: bool) -> Transition<'static> {
        Transition {
            from,
            to,
            at_ms: 1_000,
            incident_id: "inc_new",
            update_id: "upd_abc",
            title: "Shop is down",
            message: "HTTP 500",
            heartbeat,
        }
    }

    #[test]
    fn going_down_is_detected_with_its_reason() {
        let event = transition_event(
            "org_1",
            monitor(),
            &change(MonitorStatus::Up, MonitorStatus::Down, false),
            None,
        )
        .unwrap();
        assert_eq!(event.kind, EventKind::Detected);
        assert_eq!(event.reason, Some(Reason::Failed));
        assert_eq!(event.id, "evt_abc");
        let incident = event.incident.unwrap();
        assert_eq!(
            (incident.id.as_str(), incident.cause.as_deref()),
            ("inc_new", Some("HTTP 500"))
        );
        let missed = transition_event(
            "org_1",
            monitor(),
            &change(MonitorStatus::Pending, MonitorStatus::Down, true),
            None,
        );
        assert_eq!(missed.unwrap().reason, Some(Reason::Missed));
    }

    #[test]
    fn coming_back_resolves_the_incident_going_down_opened() {
        let opened = transition_event(
            "org_1",
            monitor(),
            &change(MonitorStatus::Up, MonitorStatus::Down, false),
            None,
        )
        .unwrap()
        .incident;
        let mut back = change(MonitorStatus::Down, MonitorStatus::Up, false);
        back.incident_id = "inc_unused";
        back.at_ms = 61_000;
        let event = transition_event("org_1", monitor(), &back, opened).unwrap();
        assert_eq!(event.kind, EventKind::Resolved);
        let incident = event.incident.unwrap();
        assert_eq!(incident.id, "inc_new");
        assert_eq!(incident.status, "resolved");
        assert_eq!((incident.started_at_ms, incident.resolved_at_ms), (1_000, Some(61_000)));
    }

    #[test]
    fn other_changes_tell_nobody() {
        for (from, to) in [
            (MonitorStatus::Pending, MonitorStatus::Up),
            (MonitorStatus::Down, MonitorStatus::Down),
            (MonitorStatus::Up, MonitorStatus::Paused),
        ] {
            assert!(transition_event("org_1", monitor(), &change(from, to, false), None).is_none());
        }
    }

    #[test]
    fn deleting_a_monitor_that_is_down_resolves_its_incident() {
        let opened = transition_event(
            "org_1",
            monitor(),
            &change(MonitorStatus::Up, MonitorStatus::Down, false),
            None,
        )
        .unwrap()
        .incident
        .unwrap();
        let event = deletion_event("org_1", monitor(), opened, 9_000);
        assert_eq!(
            (event.kind, event.id.as_str()),
            (EventKind::Resolved, "evt_deleted_new")
        );
        let incident = event.incident.unwrap();
        assert_eq!(
            (incident.id.as_str(), incident.status.as_str(), incident.resolved_at_ms),
            ("inc_new", "resolved", Some(9_000))
        );
        assert_eq!(incident.cause.as_deref(), Some(MONITOR_DELETED));
    }
}
