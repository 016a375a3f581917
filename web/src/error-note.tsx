/* An error from the service, said as the service said it. */
import { GraphQLFailure, Unauthenticated } from './graphql-client.ts';

export function ErrorNote({ error }: { error: unknown }) {
  const text = error instanceof Unauthenticated
    ? 'The service needs a valid bearer token: enter one above.'
    : error instanceof GraphQLFailure
      ? `${error.message}${error.code ? ` (${error.code})` : ''}`
      : `Could not reach the service: ${(error as Error).message ?? String(error)}`;
  return <p class="error" role="alert">{text}</p>;
}
