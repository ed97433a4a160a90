//! A report as an XLSX workbook: one sheet per section, two header rows (Vietnamese, then
//! English with the unit) frozen above typed cells.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::table::{Cell, Report, Section};

/// The workbook's bytes.
pub fn to_xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    for section in &report.sections {
        sheet(&mut book, section)?;
    }
    book.save_to_buffer()
}

fn sheet(book: &mut Workbook, section: &Section) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let integer = Format::new().set_num_format("0");
    let ws = book.add_worksheet();
    ws.set_name(section.key)?;
    for (c, column) in section.columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, column.vi, &bold)?;
        let en = match column.unit {
            "" => column.en.to_owned(),
            unit => format!("{} ({unit})", column.en),
        };
        ws.write_string_with_format(1, c, &en, &bold)?;
        ws.set_column_width(c, (en.chars().count().max(10) + 2) as f64)?;
    }
    for (r, row) in section.rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Int(i) => {
                    ws.write_number_with_format(r, c, *i as f64, &integer)?;
                }
                Cell::Num(n) => {
                    ws.write_number(r, c, *n)?;
                }
                Cell::Null => {}
            }
        }
    }
    ws.set_freeze_panes(2, 0)?;
    Ok(())
}
