/*
 * The bearer token, entered once per browser tab and kept in sessionStorage (gone when the tab
 * closes; never in localStorage, never in a URL). No token: the service's loopback mode.
 */
const KEY = 'tenancy.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(KEY, token.trim());
  else sessionStorage.removeItem(KEY);
}
