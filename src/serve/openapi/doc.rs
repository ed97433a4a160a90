//! One route's documentation, keyed by (verb, template) like the row of `serve/table.rs` it
//! describes: what the table cannot say (summary, parameters, bodies, answers, the error
//! codes of its own). Built with a few chained calls so the per-area tables read as lists.

use serde_json::Value;

use super::schema;
use crate::serve::table::Verb;

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum In {
    Query,
    Path,
}

pub(super) struct Param {
    pub(super) name: &'static str,
    pub(super) at: In,
    pub(super) required: bool,
    pub(super) schema: Value,
    pub(super) description: &'static str,
}

/// One answer that is not an error: its status, what it means, and its body per media type
/// (none for a 204 or a 101).
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) description: &'static str,
    pub(super) content: Vec<(&'static str, Value)>,
}

impl Answer {
    pub(super) fn json(status: u16, description: &'static str, schema: Value) -> Answer {
        Answer {
            status,
            description,
            content: vec![("application/json", schema)],
        }
    }
}

pub(super) struct Doc {
    pub(super) verb: Verb,
    pub(super) template: &'static str,
    /// Unique over the document: what generated clients name the call.
    pub(super) operation_id: &'static str,
    pub(super) tag: &'static str,
    pub(super) summary: &'static str,
    pub(super) description: &'static str,
    pub(super) params: Vec<Param>,
    /// The JSON request body's schema (POST routes that read one).
    pub(super) body: Option<Value>,
    pub(super) answers: Vec<Answer>,
    /// The error codes (`serve/error.rs`) of this route's own; those every route of its
    /// access shares (401, 403, 429, …) are added by the builder.
    pub(super) errors: &'static [&'static str],
}

impl Doc {
    pub(super) fn new(
        verb: Verb,
        template: &'static str,
        operation_id: &'static str,
        tag: &'static str,
        summary: &'static str,
    ) -> Doc {
        Doc {
            verb,
            template,
            operation_id,
            tag,
            summary,
            description: "",
            params: Vec::new(),
            body: None,
            answers: Vec::new(),
            errors: &[],
        }
    }

    pub(super) fn describe(mut self, description: &'static str) -> Doc {
        self.description = description;
        self
    }

    /// An optional query parameter.
    pub(super) fn query(self, name: &'static str, schema: Value, description: &'static str) -> Doc {
        self.param(name, In::Query, false, schema, description)
    }

    /// Describes a `{name}` of the template (the builder adds undescribed ones itself).
    pub(super) fn path(self, name: &'static str, description: &'static str) -> Doc {
        self.param(name, In::Path, true, schema::string(), description)
    }

    /// `limit` and `cursor`, as every paged list takes them (docs/api.md "Lists page").
    pub(super) fn paged(self) -> Doc {
        self.query(
            "limit",
            serde_json::json!({ "type": "integer", "minimum": 1, "maximum": 5000, "default": 500 }),
            "the page's size",
        )
        .query(
            "cursor",
            schema::string(),
            "the previous page's `next_cursor`, unchanged; none for the first page",
        )
    }

    fn param(
        mut self,
        name: &'static str,
        at: In,
        required: bool,
        schema: Value,
        description: &'static str,
    ) -> Doc {
        self.params.push(Param {
            name,
            at,
            required,
            schema,
            description,
        });
        self
    }

    pub(super) fn body(mut self, schema: Value) -> Doc {
        self.body = Some(schema);
        self
    }

    pub(super) fn answer(mut self, answer: Answer) -> Doc {
        self.answers.push(answer);
        self
    }

    /// The main answer, `200` with a JSON body.
    pub(super) fn ok(self, description: &'static str, schema: Value) -> Doc {
        self.answer(Answer::json(200, description, schema))
    }

    pub(super) fn errors(mut self, codes: &'static [&'static str]) -> Doc {
        self.errors = codes;
        self
    }
}
