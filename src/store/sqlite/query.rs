//! A listing's `WHERE` built from the filters that are set, with numbered parameters: what the
//! incident and event listings share.

use rusqlite::types::ToSql;

#[derive(Default)]
pub(super) struct Where {
    clauses: Vec<String>,
    args: Vec<Box<dyn ToSql>>,
}

impl Where {
    /// Adds `{test} ?n` (e.g. `"district ="`) with its value.
    pub fn and(&mut self, test: &str, value: Box<dyn ToSql>) {
        self.args.push(value);
        self.clauses.push(format!("{test} ?{}", self.args.len()));
    }

    /// Adds a clause without a value.
    pub fn and_sql(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// Adds `{column} IN (…)` when `values` is not empty.
    pub fn within(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        let marks: Vec<String> = values
            .iter()
            .map(|v| {
                self.args.push(Box::new(v.clone()));
                format!("?{}", self.args.len())
            })
            .collect();
        self.clauses
            .push(format!("{column} IN ({})", marks.join(", ")));
    }

    /// `{select} WHERE … ORDER BY {order} LIMIT ?n`, and the parameters.
    pub fn finish(
        mut self,
        select: &str,
        order: &str,
        limit: u32,
    ) -> (String, Vec<Box<dyn ToSql>>) {
        self.args.push(Box::new(i64::from(limit)));
        let filter = if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        };
        let sql = format!(
            "{select}{filter} ORDER BY {order} LIMIT ?{}",
            self.args.len()
        );
        (sql, self.args)
    }
}
