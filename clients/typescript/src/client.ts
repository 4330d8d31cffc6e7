// The alipass API as typed calls: openapi-fetch over the types openapi-typescript generates
// from openapi/openapi.json (src/schema.ts), so a path, a body or a field the document does
// not have is a compile error, not a 400 at run time.
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type AlipassClient = Client<paths>;
export type Problem = components["schemas"]["Problem"];

/** A client for the service at `baseUrl` (e.g. `http://127.0.0.1:8080`) acting with `apiKey`. */
export function createAlipassClient(baseUrl: string, apiKey: string): AlipassClient {
  return createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${apiKey}` },
  });
}

/** The header the service sets when it answers a retry with the first request's answer. */
export const REPLAYED_HEADER = "Idempotent-Replayed";
