use super::*;

const NOW: i64 = 1_800_000_000_000;

fn upvote() -> Giving<'static> {
    Giving {
        grant: Grant::Upvote,
        to_reply: true,
        giver_id: "usr_giver",
        author_id: "usr_author",
        giver_created_ms: NOW - 30 * 24 * HOUR_MS,
        now_ms: NOW,
        given_today: 0,
    }
}

#[test]
fn an_upvote_on_a_reply_earns_ten_and_an_accepted_answer_fifteen() {
    assert_eq!(award(&upvote(), 0), Ok(UPVOTE_POINTS));
    let accept = Giving {
        grant: Grant::Accept,
        ..upvote()
    };
    assert_eq!(award(&accept, 0), Ok(ACCEPT_POINTS));
}

#[test]
fn grants_that_earn_nothing_say_why() {
    let cases = [
        (
            Giving {
                to_reply: false,
                ..upvote()
            },
            Unearned::OpeningPost,
        ),
        (
            Giving {
                grant: Grant::Accept,
                giver_id: "usr_author",
                ..upvote()
            },
            Unearned::OwnPost,
        ),
        (
            Giving {
                giver_created_ms: NOW - 23 * HOUR_MS,
                ..upvote()
            },
            Unearned::AccountTooNew,
        ),
        (
            Giving {
                given_today: DAILY_GIVING_CAP - UPVOTE_POINTS + 1,
                ..upvote()
            },
            Unearned::DailyCapReached,
        ),
    ];
    for (giving, why) in cases {
        assert_eq!(award(&giving, 24), Err(why), "{giving:?}");
    }
}

#[test]
fn the_minimum_age_counts_from_the_accounts_creation_and_zero_lets_everyone_give() {
    let newborn = Giving {
        giver_created_ms: NOW,
        ..upvote()
    };
    assert_eq!(award(&newborn, 0), Ok(UPVOTE_POINTS));
    assert_eq!(award(&newborn, 1), Err(Unearned::AccountTooNew));
    let exactly_a_day = Giving {
        giver_created_ms: NOW - 24 * HOUR_MS,
        ..upvote()
    };
    assert_eq!(award(&exactly_a_day, 24), Ok(UPVOTE_POINTS));
}

#[test]
fn the_daily_cap_lets_a_giver_reach_it_but_not_pass_it() {
    let mut given = 0;
    let mut earned = Vec::new();
    for _ in 0..8 {
        let giving = Giving {
            given_today: given,
            ..upvote()
        };
        if let Ok(points) = award(&giving, 0) {
            given += points;
            earned.push(points);
        }
    }
    assert_eq!(earned, vec![UPVOTE_POINTS; 5]);
    assert_eq!(given, DAILY_GIVING_CAP);
    let accept = Giving {
        grant: Grant::Accept,
        given_today: DAILY_GIVING_CAP - ACCEPT_POINTS,
        ..upvote()
    };
    assert_eq!(award(&accept, 0), Ok(ACCEPT_POINTS));
}

#[test]
fn nobody_votes_on_their_own_post() {
    assert!(!may_vote("usr_1", "usr_1"));
    assert!(may_vote("usr_1", "usr_2"));
}

#[test]
fn badges_follow_thresholds_and_verified_starts_at_five_hundred() {
    let cases = [
        (0, "badge_newcomer", false),
        (-10, "badge_newcomer", false),
        (49, "badge_newcomer", false),
        (50, "badge_helper", false),
        (499, "badge_helper", false),
        (500, "badge_dev", true),
        (124_500, "badge_legend", true),
    ];
    for (points, badge_name, is_verified) in cases {
        assert_eq!((badge(points), verified(points)), (badge_name, is_verified), "{points}");
    }
}
