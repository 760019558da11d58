//! Who may do what: organization roles, API key scopes, and the principal a
//! request acts as once its credential has been checked.

use super::validation::FieldError;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl Role {
    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn from_field(value: Option<&Value>) -> Result<Role, FieldError> {
        value
            .and_then(Value::as_str)
            .and_then(Role::parse)
            .ok_or_else(|| FieldError::new("role", "role must be one of owner, admin, member, viewer"))
    }
}

/// What an API key may do: read only, or read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScopes {
    Read,
    ReadWrite,
}

impl KeyScopes {
    /// Accepts `["read"]` or `["read","write"]`, in any order.
    pub fn from_field(value: Option<&Value>) -> Result<KeyScopes, FieldError> {
        let invalid = || FieldError::new("scopes", r#"scopes must be ["read"] or ["read","write"]"#);
        let list = value.and_then(Value::as_array).ok_or_else(invalid)?;
        let mut names: Vec<&str> = list
            .iter()
            .map(|v| v.as_str().ok_or_else(invalid))
            .collect::<Result<_, _>>()?;
        names.sort_unstable();
        match names.as_slice() {
            ["read"] => Ok(KeyScopes::Read),
            ["read", "write"] => Ok(KeyScopes::ReadWrite),
            _ => Err(invalid()),
        }
    }

    /// The form stored and shown: `read` or `read,write`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScopes::Read => "read",
            KeyScopes::ReadWrite => "read,write",
        }
    }

    pub fn parse(stored: &str) -> KeyScopes {
        if stored == "read,write" {
            KeyScopes::ReadWrite
        } else {
            KeyScopes::Read
        }
    }

    pub fn list(self) -> Vec<&'static str> {
        self.as_str().split(',').collect()
    }
}

/// What a request authenticates as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A user's JWT, acting in one of their organizations with their role there.
    User { user_id: String, role: Role },
    /// An organization's API key.
    Key { key_id: String, scopes: KeyScopes },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub org_id: String,
    pub plan: String,
    pub actor: Actor,
}

/// Why a principal may not do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// A read-only key on a write route.
    ReadOnlyKey,
    /// A role too low for the action (a viewer writing, a member managing).
    Role,
    /// An action only a signed-in user may take (API keys cannot manage keys).
    UserOnly,
}

impl Principal {
    /// Creating, changing and deleting monitors and other resources.
    pub fn require_write(&self) -> Result<(), Denied> {
        match &self.actor {
            Actor::User { role, .. } if *role >= Role::Member => Ok(()),
            Actor::User { .. } => Err(Denied::Role),
            Actor::Key {
                scopes: KeyScopes::ReadWrite,
                ..
            } => Ok(()),
            Actor::Key { .. } => Err(Denied::ReadOnlyKey),
        }
    }

    /// Managing API keys and members: an owner's or admin's JWT.
    pub fn require_admin(&self) -> Result<Role, Denied> {
        match &self.actor {
            Actor::User { role, .. } if *role >= Role::Admin => Ok(*role),
            Actor::User { .. } => Err(Denied::Role),
            Actor::Key { .. } => Err(Denied::UserOnly),
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.actor {
            Actor::User { user_id, .. } => Some(user_id),
            Actor::Key { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(role: Role) -> Principal {
        Principal {
            org_id: "org_1".into(),
            plan: "free".into(),
            actor: Actor::User {
                user_id: "usr_1".into(),
                role,
            },
        }
    }

    fn key(scopes: KeyScopes) -> Principal {
        Principal {
            org_id: "org_1".into(),
            plan: "free".into(),
            actor: Actor::Key {
                key_id: "key_1".into(),
                scopes,
            },
        }
    }

    #[test]
    fn write_needs_a_member_role_or_a_write_key() {
        let cases = [
            (user(Role::Owner), Ok(())),
            (user(Role::Admin), Ok(())),
            (user(Role::Member), Ok(())),
            (user(Role::Viewer), Err(Denied::Role)),
            (key(KeyScopes::ReadWrite), Ok(())),
            (key(KeyScopes::Read), Err(Denied::ReadOnlyKey)),
        ];
        for (principal, expected) in cases {
            assert_eq!(principal.require_write(), expected, "{principal:?}");
        }
    }

    #[test]
    fn administration_needs_an_owner_or_admin_jwt() {
        assert_eq!(user(Role::Owner).require_admin(), Ok(Role::Owner));
        assert_eq!(user(Role::Admin).require_admin(), Ok(Role::Admin));
        assert_eq!(user(Role::Member).require_admin(), Err(Denied::Role));
        assert_eq!(key(KeyScopes::ReadWrite).require_admin(), Err(Denied::UserOnly));
    }

    #[test]
    fn scopes_accept_read_or_read_write_only() {
        assert_eq!(KeyScopes::from_field(Some(&json!(["read"]))), Ok(KeyScopes::Read));
        assert_eq!(
            KeyScopes::from_field(Some(&json!(["write", "read"]))),
            Ok(KeyScopes::ReadWrite)
        );
        for bad in [
            json!([]),
            json!(["write"]),
            json!(["read", "admin"]),
            json!("read"),
            json!([1]),
        ] {
            assert_eq!(KeyScopes::from_field(Some(&bad)).unwrap_err().field, "scopes", "{bad}");
        }
        assert!(KeyScopes::from_field(None).is_err());
        assert_eq!(KeyScopes::parse(KeyScopes::ReadWrite.as_str()), KeyScopes::ReadWrite);
    }

    #[test]
    fn roles_parse_from_their_names() {
        for role in [Role::Owner, Role::Admin, Role::Member, Role::Viewer] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert!(Role::from_field(Some(&json!("root"))).is_err());
    }
}
