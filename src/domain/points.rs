//! Knowledge Points: what an account earns when others find its replies
//! useful (an upvote, an accepted answer), the badges and the `verified`
//! mark they lead to, and the rules that keep points from being farmed:
//! nothing for one's own posts, one vote per account and post (the store's
//! key), a daily cap on the points one account can give, and nothing from
//! accounts younger than a minimum age (a ring of fresh throwaway accounts).
//! Points a post earned are revoked when it is removed.

use super::time::HOUR_MS;

/// What an upvote on a reply earns its author.
pub const UPVOTE_POINTS: i64 = 10;
/// What an accepted answer earns its author.
pub const ACCEPT_POINTS: i64 = 15;
/// The points one account can give in a UTC day, upvotes and accepts
/// together; a grant that would pass it gives nothing.
pub const DAILY_GIVING_CAP: i64 = 50;
/// From this many points on, an account is shown as `verified`.
pub const VERIFIED_POINTS: i64 = 500;
/// The badges (PingFlow's `activeIcon`), each earned from its points on.
pub const BADGES: [(i64, &str); 5] = [
    (0, "badge_newcomer"),
    (50, "badge_helper"),
    (VERIFIED_POINTS, "badge_dev"),
    (5_000, "badge_expert"),
    (50_000, "badge_legend"),
];

/// What earns points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Upvote,
    Accept,
}

impl Grant {
    /// As stored in the points ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::Upvote => "vote",
            Grant::Accept => "accept",
        }
    }

    fn points(self) -> i64 {
        match self {
            Grant::Upvote => UPVOTE_POINTS,
            Grant::Accept => ACCEPT_POINTS,
        }
    }
}

/// A grant as things stand when it is given.
#[derive(Debug, Clone)]
pub struct Giving<'a> {
    pub grant: Grant,
    /// Whether the post is a reply: a thread's opening post earns nothing.
    pub to_reply: bool,
    pub giver_id: &'a str,
    pub author_id: &'a str,
    /// When the giver's account was made, and now (epoch ms).
    pub giver_created_ms: i64,
    pub now_ms: i64,
    /// Points the giver has given so far this UTC day.
    pub given_today: i64,
}

/// Why a grant earns nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unearned {
    OpeningPost,
    OwnPost,
    AccountTooNew,
    DailyCapReached,
}

impl Unearned {
    pub fn as_str(self) -> &'static str {
        match self {
            Unearned::OpeningPost => "opening_post",
            Unearned::OwnPost => "own_post",
            Unearned::AccountTooNew => "account_too_new",
            Unearned::DailyCapReached => "daily_cap_reached",
        }
    }
}

/// The points a grant earns the post's author, or why none.
/// `min_account_age_hours`: how old the giver's account must be.
pub fn award(giving: &Giving, min_account_age_hours: u32) -> Result<i64, Unearned> {
    let points = giving.grant.points();
    if !giving.to_reply {
        Err(Unearned::OpeningPost)
    } else if giving.giver_id == giving.author_id {
        Err(Unearned::OwnPost)
    } else if giving.now_ms - giving.giver_created_ms < i64::from(min_account_age_hours) * HOUR_MS {
        Err(Unearned::AccountTooNew)
    } else if giving.given_today + points > DAILY_GIVING_CAP {
        Err(Unearned::DailyCapReached)
    } else {
        Ok(points)
    }
}

/// Whether an account may vote on a post: never on its own.
pub fn may_vote(voter_id: &str, author_id: &str) -> bool {
    voter_id != author_id
}

/// The highest badge the points have earned.
pub fn badge(points: i64) -> &'static str {
    BADGES
        .iter()
        .rev()
        .find(|(from, _)| points >= *from)
        .map_or(BADGES[0].1, |(_, name)| name)
}

pub fn verified(points: i64) -> bool {
    points >= VERIFIED_POINTS
}

#[cfg(test)]
mod tests;
