//! DNS monitors: the RFC 1035 query a probe sends and the reading of the
//! answer, using the simple-dns crate for the wire format.

use super::probe::Failure;
use simple_dns::rdata::RData;
use simple_dns::{Name, Packet, PacketFlag, Question, CLASS, QCLASS, QTYPE, RCODE, TYPE};
use std::net::{Ipv4Addr, Ipv6Addr};

fn record_type(name: &str) -> Option<TYPE> {
    Some(match name {
        "A" => TYPE::A,
        "AAAA" => TYPE::AAAA,
        "MX" => TYPE::MX,
        "TXT" => TYPE::TXT,
        "CNAME" => TYPE::CNAME,
        "NS" => TYPE::NS,
        _ => return None,
    })
}

/// A recursive query for `host`'s records of `kind` (one of `RECORD_TYPES`).
pub fn encode_query(id: u16, host: &str, kind: &str) -> Result<Vec<u8>, String> {
    let qtype = record_type(kind).ok_or_else(|| format!("unsupported record type {kind}"))?;
    let name = Name::new(host.trim_end_matches('.')).map_err(|e| e.to_string())?;
    let mut packet = Packet::new_query(id);
    packet.set_flags(PacketFlag::RECURSION_DESIRED);
    packet
        .questions
        .push(Question::new(name, QTYPE::TYPE(qtype), QCLASS::CLASS(CLASS::IN), false));
    packet.build_bytes_vec().map_err(|e| e.to_string())
}

/// The answer's records of `kind`, as text (`1.2.3.4`, `10 mail.example.com`,
/// `v=spf1 …`), or why the lookup failed.
pub fn decode_answer(bytes: &[u8], id: u16, kind: &str) -> Result<Vec<String>, Failure> {
    let packet = Packet::parse(bytes).map_err(|e| Failure::Other {
        detail: format!("malformed DNS answer: {e}"),
    })?;
    if packet.id() != id {
        return Err(Failure::Other {
            detail: "DNS answer does not match the query".into(),
        });
    }
    match packet.rcode() {
        RCODE::NoError => {}
        RCODE::NameError => {
            return Err(Failure::DnsError {
                rcode: "NXDOMAIN".into(),
            })
        }
        RCODE::ServerFailure => {
            return Err(Failure::DnsError {
                rcode: "SERVFAIL".into(),
            })
        }
        RCODE::Refused => {
            return Err(Failure::DnsError {
                rcode: "REFUSED".into(),
            })
        }
        other => {
            return Err(Failure::DnsError {
                rcode: format!("{other:?}").to_uppercase(),
            })
        }
    }
    let values: Vec<String> = packet
        .answers
        .iter()
        .filter_map(|record| record_text(&record.rdata, kind))
        .collect();
    if values.is_empty() {
        return Err(Failure::DnsNoAnswer {
            record_type: kind.to_string(),
        });
    }
    Ok(values)
}

fn record_text(data: &RData, kind: &str) -> Option<String> {
    let text = match data {
        RData::A(a) if kind == "A" => Ipv4Addr::from(a.address).to_string(),
        RData::AAAA(a) if kind == "AAAA" => Ipv6Addr::from(a.address).to_string(),
        RData::MX(mx) if kind == "MX" => format!("{} {}", mx.preference, mx.exchange),
        RData::CNAME(name) if kind == "CNAME" => name.0.to_string(),
        RData::NS(name) if kind == "NS" => name.0.to_string(),
        RData::TXT(txt) if kind == "TXT" => txt
            .iter_raw()
            .map(|(key, value)| match value {
                Some(value) => format!("{}={}", String::from_utf8_lossy(key), String::from_utf8_lossy(value)),
                None => String::from_utf8_lossy(key).into_owned(),
            })
            .collect::<Vec<_>>()
            .join(""),
        _ => return None,
    };
    Some(text)
}

/// Up when every expected value is among the answers (names compared
/// without case or trailing dot); any answer will do when none is expected.
pub fn check_expected(got: Vec<String>, expected: &[String]) -> Result<Vec<String>, Failure> {
    let normal = |v: &str| v.trim().trim_end_matches('.').to_ascii_lowercase();
    let answers: Vec<String> = got.iter().map(|v| normal(v)).collect();
    if expected.iter().all(|e| answers.contains(&normal(e))) {
        Ok(got)
    } else {
        Err(Failure::DnsUnexpected {
            expected: expected.to_vec(),
            got,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use simple_dns::{rdata, ResourceRecord};

    fn answer(id: u16, rcode: RCODE, records: Vec<RData<'static>>) -> Vec<u8> {
        let mut packet = Packet::new_reply(id);
        *packet.rcode_mut() = rcode;
        for rdata in records {
            packet.answers.push(ResourceRecord::new(
                Name::new_unchecked("up.test"),
                CLASS::IN,
                60,
                rdata,
            ));
        }
        packet.build_bytes_vec().unwrap()
    }

    #[test]
    fn a_query_is_a_recursive_question_for_the_name_and_type() {
        let bytes = encode_query(0xbeef, "up.test.", "MX").unwrap();
        let packet = Packet::parse(&bytes).unwrap();
        assert_eq!(packet.id(), 0xbeef);
        assert!(packet.has_flags(PacketFlag::RECURSION_DESIRED));
        assert_eq!(packet.questions[0].qname.to_string(), "up.test");
        assert_eq!(packet.questions[0].qtype, QTYPE::TYPE(TYPE::MX));
        assert!(encode_query(1, "up.test", "SRV").is_err());
    }

    #[test]
    fn answers_are_read_as_text_per_type() {
        let a = answer(
            7,
            RCODE::NoError,
            vec![RData::A(rdata::A {
                address: u32::from(Ipv4Addr::new(10, 0, 0, 7)),
            })],
        );
        assert_eq!(decode_answer(&a, 7, "A"), Ok(vec!["10.0.0.7".to_string()]));
        let mx = answer(
            7,
            RCODE::NoError,
            vec![RData::MX(rdata::MX {
                preference: 10,
                exchange: Name::new_unchecked("mail.up.test"),
            })],
        );
        assert_eq!(decode_answer(&mx, 7, "MX"), Ok(vec!["10 mail.up.test".to_string()]));
        let txt = answer(
            7,
            RCODE::NoError,
            vec![RData::TXT(rdata::TXT::new().with_string("v=spf1 -all").unwrap())],
        );
        assert_eq!(decode_answer(&txt, 7, "TXT"), Ok(vec!["v=spf1 -all".to_string()]));
    }

    #[test]
    fn errors_and_empty_answers_are_failures() {
        assert_eq!(
            decode_answer(&answer(7, RCODE::NameError, vec![]), 7, "A"),
            Err(Failure::DnsError {
                rcode: "NXDOMAIN".into()
            })
        );
        assert_eq!(
            decode_answer(&answer(7, RCODE::ServerFailure, vec![]), 7, "A"),
            Err(Failure::DnsError {
                rcode: "SERVFAIL".into()
            })
        );
        assert_eq!(
            decode_answer(&answer(7, RCODE::NoError, vec![]), 7, "AAAA"),
            Err(Failure::DnsNoAnswer {
                record_type: "AAAA".into()
            })
        );
        assert!(
            decode_answer(&answer(8, RCODE::NoError, vec![]), 7, "A").is_err(),
            "another query's answer"
        );
        assert!(decode_answer(b"\x00\x01", 7, "A").is_err());
    }

    #[test]
    fn expected_values_must_all_be_present() {
        let got = vec!["10 Mail.Up.Test.".to_string(), "20 backup.up.test".to_string()];
        assert!(check_expected(got.clone(), &["10 mail.up.test".into()]).is_ok());
        assert!(check_expected(got.clone(), &[]).is_ok());
        assert!(matches!(
            check_expected(got, &["30 other.test".into()]),
            Err(Failure::DnsUnexpected { .. })
        ));
    }
}
