import { ReportRowFragmentDoc, ViolationRowFragmentDoc } from "../graphql/generated/export-fragments.ts";

/*
 * What `tenancy report` and `tenancy violations` export, one row per node: the CLI's CSV and the
 * web report page's CSV download select the same fields, so the two files are the same. The
 * fields are declared once, as the ReportRow and ViolationRow fragments of
 * export-fragments.graphql; the web page builds its query from their selections.
 */
const selectionOf = (fragment: { toString(): string }) => {
  const text = fragment.toString();
  return text
    .slice(text.indexOf("{") + 1, text.lastIndexOf("}"))
    .replace(/\s+/g, " ")
    .trim();
};

export const REPORT_SELECTION = selectionOf(ReportRowFragmentDoc);
export const VIOLATIONS_SELECTION = selectionOf(ViolationRowFragmentDoc);
