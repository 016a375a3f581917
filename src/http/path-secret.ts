/*
 * kube-scheduler's extender client cannot send an Authorization header, so the scheduler routes
 * take their token as a path segment (/scheduler/<source>/token/<secret>/<verb>). Anything that
 * records a request's path (error text, trace attributes) shows it through this instead.
 */
const TOKEN_SEGMENT = /\/token\/[^/?#]+/g;

/** The path (or URL) with any `/token/<secret>` segment replaced by `/token/…`. */
export function redactPathSecret(path: string): string {
  return path.replace(TOKEN_SEGMENT, "/token/…");
}
