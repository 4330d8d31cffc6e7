//! A campaign's row results as CSV, the same from the API and from `alipass campaign
//! results`.

use crate::store::campaigns::RowResult;

pub const CSV_HEADER: &str = "line,state,key,code,detail,alipay_id,attempts\n";

/// One row's result as a CSV record, newline included.
pub fn csv_record(row: &RowResult) -> String {
    let cells = [
        row.line.to_string(),
        row.state.to_string(),
        row.row_key.clone().unwrap_or_default(),
        row.code.clone().unwrap_or_default(),
        row.detail.clone().unwrap_or_default(),
        row.alipay_id.clone().unwrap_or_default(),
        row.attempts.to_string(),
    ];
    let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    format!("{}\n", quoted.join(","))
}

/// A CSV cell, quoted when it has to be. A cell a spreadsheet would take for a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return: keys, codes and details
/// come from callers and the gateway) is prefixed with a single quote, as OWASP advises
/// against CSV injection.
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_led_by_a_tab_or_carriage_return_are_prefixed_too() {
        assert_eq!(csv_cell("\t=1"), "'\t=1");
        assert_eq!(csv_cell("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_cell("a,=b"), "\"a,=b\"");
    }
}
