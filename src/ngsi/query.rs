//! The NGSI-LD query language's common part (`q=`): terms `attr op value` joined by `;` (and),
//! with `==`, `!=`, `>`, `>=`, `<`, `<=`; a value is a number or a (quoted) string. Evaluated
//! on an entity's keyValues form, so `pm25>50` compares the newest value.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq)]
struct Term {
    attr: String,
    op: Op,
    value: Literal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Number(f64),
    Text(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("q term {0:?} has no operator; use attr==value, !=, >, >=, < or <=")]
    NoOperator(String),
    #[error("q term {0:?} has no attribute name before its operator")]
    NoAttribute(String),
    #[error("q uses {0:?}; this server supports terms joined by ';' (and) only, without '|' or parentheses")]
    Unsupported(char),
}

const OPS: [(&str, Op); 6] = [
    ("==", Op::Eq),
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    (">", Op::Gt),
    ("<", Op::Lt),
];

impl Query {
    pub fn parse(q: &str) -> Result<Query, QueryError> {
        if let Some(c) = q.chars().find(|c| matches!(c, '|' | '(' | ')')) {
            return Err(QueryError::Unsupported(c));
        }
        let terms = q
            .split(';')
            .filter(|t| !t.trim().is_empty())
            .map(term)
            .collect::<Result<_, _>>()?;
        Ok(Query { terms })
    }

    /// True when every term holds for `entity` (keyValues); a missing attribute fails its term.
    pub fn matches(&self, entity: &Value) -> bool {
        self.terms.iter().all(|t| t.holds(entity.get(&t.attr)))
    }
}

fn term(text: &str) -> Result<Term, QueryError> {
    let (at, op, len) = OPS
        .iter()
        .filter_map(|(s, op)| text.find(s).map(|at| (at, *op, s.len())))
        .min_by_key(|(at, _, len)| (*at, usize::MAX - len))
        .ok_or_else(|| QueryError::NoOperator(text.to_owned()))?;
    let attr = text[..at].trim();
    if attr.is_empty() {
        return Err(QueryError::NoAttribute(text.to_owned()));
    }
    let raw = text[at + len..].trim();
    let value = match raw.parse::<f64>() {
        Ok(n) if !raw.starts_with('"') => Literal::Number(n),
        _ => Literal::Text(raw.trim_matches('"').to_owned()),
    };
    Ok(Term {
        attr: attr.to_owned(),
        op,
        value,
    })
}

impl Term {
    fn holds(&self, found: Option<&Value>) -> bool {
        let ordering = match (found, &self.value) {
            (Some(Value::Number(n)), Literal::Number(want)) => {
                n.as_f64().and_then(|n| n.partial_cmp(want))
            }
            (Some(Value::String(s)), Literal::Text(want)) => Some(s.as_str().cmp(want.as_str())),
            _ => None,
        };
        let Some(o) = ordering else {
            return false;
        };
        match self.op {
            Op::Eq => o.is_eq(),
            Op::Ne => o.is_ne(),
            Op::Gt => o.is_gt(),
            Op::Ge => o.is_ge(),
            Op::Lt => o.is_lt(),
            Op::Le => o.is_le(),
        }
    }
}
